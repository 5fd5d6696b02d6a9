"""The shape of the package (issue 9): one owner per table, light database access, no import
cycles, rules kept in the library so every entry point obeys them."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from promo_pipeline import accounts, database
from promo_pipeline.cli import cli

PACKAGE = Path(__file__).resolve().parent.parent / "promo_pipeline"

#: Every table and the one module that may speak SQL to it.
OWNERS = {
    "lots": "lots.py", "items": "lots.py", "lot_photos": "lots.py",
    "photos": "photos.py",
    "runs": "runs.py",
    "posts": "queue/posts.py", "post_events": "queue/posts.py",
    "users": "accounts/users.py",
    "review_sessions": "accounts/logins.py", "login_failures": "accounts/logins.py",
    "login_known": "accounts/logins.py",
    "deliveries": "publish/deliveries.py", "delivery_events": "publish/deliveries.py",
    "publish_slots": "publish/deliveries.py",
    "images": "render/images.py",
    "lot_outcomes": "outcomes.py",
    "insight_samples": "insights/samples.py",
    "lot_categories": "categories.py", "category_scans": "categories.py",
}
#: Owners whose tables are created by a schema module beside them: that module may name them too
#: (the accounts' ``review`` set was applied under its names before the accounts were split, so
#: both of their owners share it).
SCHEMA_OF = {"accounts/users.py": "accounts/schema.py", "accounts/logins.py": "accounts/schema.py",
             "queue/posts.py": "queue/schema.py"}
#: SQL still outside its owner while the publish stage moves it (helper "publish"); an entry
#: that is no longer needed fails the test, so this list only shrinks.
PENDING_MOVES: set[tuple[str, str]] = set()
HEAVY = ("flask", "werkzeug", "jinja2", "requests", "PIL", "babel", "phonenumbers")

_SQL = re.compile(r"\b(?:from|join|into|update|table|exists)\s+[\"'`]?(\w+)", re.IGNORECASE)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_templates" not in p.parts)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def tables_named(path: Path) -> set[str]:
    """Tables that the SQL in *path* names: in string literals (docstrings left out) and in
    sqlite-utils accesses such as ``db["posts"]``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found.update(t for t in _SQL.findall(node.value) if t in OWNERS)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            target = node.value
            name = target.id if isinstance(target, ast.Name) else (
                target.attr if isinstance(target, ast.Attribute) else "")
            if name.endswith("db") and node.slice.value in OWNERS:
                found.add(node.slice.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "table" and node.args
              and isinstance(node.args[0], ast.Constant) and node.args[0].value in OWNERS):
            found.add(node.args[0].value)
    return found


def test_sql_names_a_table_only_in_its_owner():
    strays = set()
    for path in _modules():
        rel = path.relative_to(PACKAGE).as_posix()
        for table in tables_named(path):
            owner = OWNERS[table]
            if rel not in (owner, SCHEMA_OF.get(owner)):
                strays.add((rel, table))
    assert strays - PENDING_MOVES == set(), "SQL outside the table's owner module"
    assert PENDING_MOVES - strays == set(), "moved: take it off PENDING_MOVES"


def test_the_scanner_sees_sql_and_table_accesses(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Reads posts from lots."""\n'
                      'def f(db):\n'
                      '    db.execute("select id from posts p join deliveries d on 1")\n'
                      '    db.table("runs").insert({})\n'
                      '    return self_db["users"], row["lots"]\n', encoding="utf-8")
    assert tables_named(sample) == {"posts", "deliveries", "users", "runs"}


def test_every_owner_registers_its_schema_with_the_database():
    owners = {Path(SCHEMA_OF.get(o, o)).with_suffix("").as_posix().replace("/", ".")
              for o in OWNERS.values()}
    registered = set()
    for migrations in database.MIGRATIONS:
        # The module that defines the set, not a package that re-exports it.
        module = next(m for m in list(sys.modules.values())
                      if getattr(m, "migrations", None) is migrations
                      and not hasattr(m, "__path__"))
        registered.add(module.__name__.removeprefix("promo_pipeline."))
    assert registered == owners


def test_reading_lots_imports_no_heavy_library(tmp_path):
    (tmp_path / "config.toml").write_text(
        '[[offices]]\nid = "0b1a0000-0000-4000-8000-000000000001"\nname = "KPKNL Bima"\n',
        encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "promo_pipeline", "--config",
         str(tmp_path / "config.toml"), "lots", "--json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == []
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "promo_pipeline" in imported and "sqlite_utils" in imported  # the check sees imports
    assert imported & set(HEAVY) == set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path, known: set[str]) -> set[str]:
    """Package modules *path* imports when it is imported (not inside functions or
    ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    visit(node.body)
                    visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names if a.name in known)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                    + ([node.module] if node.module else []))
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    if sub in known:
                        out.add(sub)
                    elif base in known:
                        out.add(base)

    visit(tree.body)
    out.discard(me)
    return out


def test_no_import_cycle_inside_the_package():
    paths = {_module_name(p): p for p in _modules()}
    graph = {name: _top_level_imports(path, set(paths)) for name, path in paths.items()}
    cycles = []
    state: dict[str, int] = {}

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                walk(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert cycles == []
    assert "promo_pipeline.store" in graph and graph["promo_pipeline.store"] == set()


def test_the_store_imports_no_stage():
    tree = ast.parse((PACKAGE / "store.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("promo_pipeline")}


# --- rules the CLI and the page share --------------------------------------------------------


def test_removing_the_last_admin_from_the_cli_exits_2(tmp_path, monkeypatch):
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    config = tmp_path / "config.toml"
    config.write_text('[[offices]]\nid = "x"\nname = "KPKNL Bima"\n', encoding="utf-8")
    runner = CliRunner()

    def promo(*args: str) -> object:
        return runner.invoke(cli, ["--config", str(config), *args], input="sandi-rahasia-1\n")

    assert promo("users", "add", "ani", "--role", "admin", "--password-stdin").exit_code == 0
    assert promo("users", "add", "budi", "--password-stdin").exit_code == 0
    result = promo("users", "remove", "ani")
    assert result.exit_code == 2
    assert "admin terakhir" in result.output and "Traceback" not in result.output
    db = database.connect(tmp_path / "data" / "promo.db")
    try:
        assert accounts.get_user(db, "ani") is not None
        accounts.update_user(db, "budi", role="admin")
    finally:
        db.close()
    assert promo("users", "remove", "ani").exit_code == 0  # another admin now exists


def test_render_and_run_choose_the_same_lots(config, fake_lelang):
    """A lot whose deposit deadline has passed (its auction still ahead) is rendered by
    neither ``promo render`` nor ``promo run``."""
    items = fake_lelang.dataset.listings[next(iter(fake_lelang.dataset.listings))]
    closed = items[0]["lotLelangId"]
    wib = timezone(timedelta(hours=7))
    past = (datetime.now(UTC) - timedelta(hours=2)).astimezone(wib).isoformat(timespec="seconds")
    fake_lelang.dataset.details[closed]["tanggalBatasJaminan"] = past
    runner = CliRunner()

    def promo(*args: str) -> object:
        result = runner.invoke(cli, ["--config", str(config.path), *args])
        assert result.exit_code == 0, result.output
        return result

    promo("scrape")
    rendered = {i["lot_id"] for i in json.loads(promo("render", "--json").stdout)}
    assert closed not in rendered and len(rendered) == len(items) - 1
    refused = runner.invoke(cli, ["--config", str(config.path), "render", "--lot", closed])
    assert refused.exit_code == 1 and "batas setor jaminan" in refused.output
    promo("run")
    queued = {p["lot_ids"][0] for p in json.loads(promo("queue", "--json").stdout)}
    assert queued == rendered


def test_the_architecture_page_names_the_same_owners():
    """docs/ARCHITECTURE.md's owner table says what ``OWNERS`` checks."""
    page = (PACKAGE.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    said = {}
    for row in re.findall(r"^\| (`\w+`(?:, `\w+`)*) \| `promo_pipeline/([\w/]+\.py)` \|", page,
                          re.MULTILINE):
        for table in re.findall(r"`(\w+)`", row[0]):
            said[table] = row[1]
    assert said == OWNERS
