"""The `promo` entry point on an office PC: output whatever the console, one line per failure.

A shared demo folder (``promo run --demo`` once per module) gives every command real data:
lots, posts with emoji in their captions, images, an export folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from promo_pipeline import demo
from promo_pipeline.cli import cli


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "promo-demo"
    result = demo.run_demo(folder, progress=False)
    assert result.ok
    return folder


def _python(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
            stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m promo_pipeline ARGS`` as a separate process, output as bytes decoded UTF-8."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PROMO_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "promo_pipeline", *args], env=full_env,
                          cwd=cwd, input=(stdin or "").encode(), capture_output=True,
                          timeout=timeout)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


# --- 1. UTF-8 output whatever the console ------------------------------------------------------

_SWEEP = r"""
import json, sys
from promo_pipeline.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    sys.argv = ["promo", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    results.append(code)
sys.stderr.write("\nCODES " + json.dumps(results) + "\n")
"""


def test_every_help_runs_on_a_cp1252_pipe():
    """Task Scheduler and NSSM logs, a pipe or a file on Windows: the ANSI code page (simulated
    with PYTHONIOENCODING=cp1252). Every help page ("→" in several) prints as UTF-8."""
    argvs = [["--help"], *[[*path, "--help"] for path in _command_paths(cli)]]
    assert len(argvs) > 20
    done = subprocess.run([sys.executable, "-c", _SWEEP, json.dumps(argvs)],
                          env={**os.environ, "PYTHONIOENCODING": "cp1252"}, capture_output=True,
                          timeout=300)
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    assert done.returncode == 0, err
    assert "UnicodeEncodeError" not in err and "Traceback" not in err
    codes = json.loads(err.rsplit("CODES ", 1)[1])
    assert codes == [0] * len(argvs)
    assert "→" in out  # written as UTF-8, not replaced
    assert out.count("Usage: promo") + out.count("Penggunaan: promo") == len(argvs)


def test_queue_json_show_and_history_on_a_cp1252_pipe(demo_dir):
    config = str(demo_dir / "config.toml")
    env = {"PYTHONIOENCODING": "cp1252"}
    listed = _python(["--config", config, "queue", "--json"], env=env)
    assert listed.returncode == 0, listed.stderr
    posts = json.loads(listed.stdout)
    # The captions carry characters cp1252 has no byte for (emoji, "→" or similar).
    assert any(any(ord(ch) > 0x2000 and not ch.encode("cp1252", "ignore")
                   for ch in post["caption"]) for post in posts)
    post_id = str(posts[0]["id"])
    for argv in (["queue", "show", post_id], ["queue", "history"], ["queue", "history", "--json"],
                 ["queue", "deliveries"], ["lots"], ["lots", "--json"], ["users", "list"]):
        done = _python(["--config", config, *argv], env=env)
        assert done.returncode == 0, (argv, done.stderr)
        assert "UnicodeEncodeError" not in done.stderr and "Traceback" not in done.stderr
    shown = _python(["--config", config, "queue", "show", post_id], env=env)
    assert posts[0]["caption"].splitlines()[0] in shown.stdout


# --- 2. no traceback reaches a user -------------------------------------------------------------

#: Commands swept with a broken environment: read-only ones, writers, the network ones.
SWEEP = [["lots"], ["lots", "--json"], ["queue"], ["queue", "--json"], ["queue", "history"],
         ["queue", "deliveries"], ["users", "list"], ["render"], ["scrape"], ["run"],
         ["publish", "--now"], ["templates", "preview"]]


def _write_config(tmp_path: Path, **sections) -> Path:
    from conftest import BIMA, FAST_SOURCE, to_toml

    data = {"offices": [{"id": BIMA, "name": "KPKNL Bima", "timezone": "Asia/Makassar"}],
            "source": dict(FAST_SOURCE),
            "storage": {"database": "data/promo.db", "media_dir": "data/media",
                        "output_dir": "data/out"}}
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    path = tmp_path / "config.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return path


def _one_line(result, code: int, *words: str) -> str:
    """The command failed with *code* and printed exactly one line, naming *words*."""
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.output)
    err = result.stderr.strip()
    assert "Traceback" not in result.output
    assert len(err.splitlines()) == 1 and err.startswith("Galat: "), err
    for word in words:
        assert word in err, (word, err)
    return err


def _run(config: Path, *args: str):
    from click.testing import CliRunner

    return CliRunner().invoke(cli, ["--config", str(config), *args], prog_name="promo")


def test_a_database_that_is_not_sqlite_is_one_line_for_every_command(tmp_path):
    config = _write_config(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "promo.db").write_text("this is not a database\n" * 100)
    for argv in SWEEP[:-1]:
        _one_line(_run(config, *argv), 1, "bukan berkas SQLite", "promo.db")


def test_folders_under_a_file_are_refused_at_start_with_exit_2(tmp_path):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    for key in ("database", "output_dir", "media_dir"):
        value = "blocker/promo.db" if key == "database" else "blocker/out"
        config = _write_config(tmp_path, storage={key: value})
        for argv in SWEEP:
            _one_line(_run(config, *argv), 2, f"storage.{key}", "blocker")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "config.toml"]


def test_network_failures_are_one_indonesian_line_with_a_hint(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = _write_config(tmp_path, source={"api_base": f"http://127.0.0.1:{port}/api",
                                             "file_base": f"http://127.0.0.1:{port}/f/"})
    err = _one_line(_run(config, "offices", "--search", "bima"), 1,
                    f"tidak bisa terhubung ke 127.0.0.1:{port}", "demo serve")
    assert "connection failed" not in err
    err = _one_line(_run(config, "run", "--lot", "0b1a0000-0000-4000-8000-0000000000aa"), 1,
                    "127.0.0.1", "demo serve")


def test_verbose_shows_the_traceback(tmp_path):
    config = _write_config(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "promo.db").write_text("not sqlite")
    result = _run(config, "-v", "lots")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "DatabaseError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Galat: ")


def test_review_on_a_port_in_use_is_one_line(tmp_path):
    import socket

    config = _write_config(tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = _python(["--config", str(config), "review", "--port", str(port)], timeout=60)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    err = done.stderr.strip().splitlines()
    assert err == [f"Galat: alamat 127.0.0.1:{port} sudah dipakai program lain (mungkin perintah "
                   "ini sudah berjalan di jendela lain); hentikan program itu atau pilih --port "
                   "lain"]


def test_an_unexpected_exception_is_one_line_too(tmp_path, monkeypatch):
    from promo_pipeline import lots

    config = _write_config(tmp_path)

    def broken(*_a, **_k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(lots, "list_lots", broken)
    _one_line(_run(config, "lots"), 1, "galat tak terduga", "ZeroDivisionError", "-v")


# --- 3. fail at start -----------------------------------------------------------------------


@pytest.mark.parametrize("text, words", [
    ("", ["belum ada kantor", "[[offices]]"]),
    ('[[offices]]\nid = "00000000-0000-0000-0000-000000000000"\nname = "KPKNL Bima"\n',
     ["kunci config 'offices[0].id' masih id contoh", "promo offices --search"]),
    ('[[offices]]\nid = "11111111-2222-4333-8444-555555555555"\nname = "KPKNL Bima"\n'
     '[render]\nformats = ["storry"]\n', ["render.formats[0]", "storry", "story"]),
    ('[[offices]]\nid = "11111111-2222-4333-8444-555555555555"\nname = "KPKNL Bima"\n'
     '[publish]\nchannels = ["export", "telegram"]\n[publish.telegram]\nchat_id = "@x"\n',
     ["kanal 'telegram' memerlukan tokennya", "PROMO_TELEGRAM_TOKEN"]),
])
def test_the_daemon_refuses_to_start_on_a_config_it_cannot_serve(tmp_path, text, words):
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    done = _python(["--config", str(config), "daemon"],
                   env={"PROMO_TELEGRAM_TOKEN": ""}, timeout=60)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Galat: ") and "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0]
    assert not (tmp_path / "data").exists()  # nothing started, nothing written


# --- 4. one language for staff ------------------------------------------------------------------


@pytest.mark.parametrize("argv, words", [
    (["lots", "--nope"], ["Penggunaan: promo lots [OPSI]", "Coba 'promo lots --help'",
                          "Galat: Tidak ada opsi '--nope'."]),
    (["users", "add"], ["Galat: Argumen kurang 'NAME'."]),
    (["queue", "reject", "1"], ["Galat: Opsi kurang '--reason'."]),
    (["render", "--lott"], ["Mungkin maksudnya: '--lot'?"]),
    (["revew"], ["Tidak ada perintah 'revew'", "Mungkin maksudnya: 'review'?"]),
    (["queue", "approve", "abc"], ["'abc' bukan bilangan yang sah"]),
    (["users", "add", "x", "--role", "boss"], ["'boss' bukan pilihan yang sah",
                                               "'reviewer', 'admin'"]),
    (["lots", "extra"], ["Argumen berlebih yang tidak dikenal: extra"]),
    (["queue", "--status", "entah"], ["status 'entah' tidak dikenal", "terbit"]),
])
def test_click_usage_errors_are_indonesian(tmp_path, argv, words):
    config = _write_config(tmp_path)
    result = _run(config, *argv)
    assert result.exit_code == 2
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    for english in ("Usage:", "Error:", "Try '", "Missing", "No such", "Did you mean",
                    "is not", "Got unexpected"):
        assert english not in result.stderr


def test_help_pages_are_indonesian():
    from click.testing import CliRunner

    for path in [(), *_command_paths(cli)]:
        out = CliRunner().invoke(cli, [*path, "--help"], prog_name="promo").output
        assert out.startswith("Penggunaan: promo"), out
        assert "Tampilkan bantuan ini lalu keluar." in out
        for english in ("Usage:", "Options:", "Commands:", "Show this message", "[OPTIONS]",
                        " TEXT ", " INTEGER", "[default:", "required"):
            assert english not in out, (path, english)


def test_filters_take_the_words_the_tables_show(demo_dir):
    from click.testing import CliRunner

    config = str(demo_dir / "config.toml")
    runner = CliRunner()
    by_key = runner.invoke(cli, ["--config", config, "queue", "--json", "--status", "pending"])
    by_word = runner.invoke(cli, ["--config", config, "queue", "--json", "--status",
                                  "Menunggu  tinjauan"])
    assert by_key.exit_code == by_word.exit_code == 0
    assert json.loads(by_key.stdout) == json.loads(by_word.stdout) != []
    none = runner.invoke(cli, ["--config", config, "queue", "--status", "terbit"])
    assert none.exit_code == 0 and "Tidak ada unggahan berstatus terbit." in none.stdout
    lots = runner.invoke(cli, ["--config", config, "lots", "--json", "--status", "aktif"])
    assert lots.exit_code == 0 and {lot["status"] for lot in json.loads(lots.stdout)} == {"active"}
    table = runner.invoke(cli, ["--config", config, "lots"])
    assert "aktif" in table.stdout and "active" not in table.stdout
    sent = runner.invoke(cli, ["--config", config, "queue", "deliveries", "--status", "terkirim"])
    assert sent.exit_code == 0 and "Tidak ada pengiriman berstatus terkirim." in sent.stdout


# --- 5. usable ids --------------------------------------------------------------------------------


def test_render_and_run_take_a_prefix_a_code_or_a_link(config, fake_lelang):
    from click.testing import CliRunner

    from promo_pipeline import database
    from promo_pipeline.lots import list_lots

    runner = CliRunner()
    cfg = str(config.path)
    assert runner.invoke(cli, ["--config", cfg, "scrape"]).exit_code == 0
    lots = list_lots(database.connect(config.database_path))
    lot = next(lot for lot in lots if lot.code)
    table = runner.invoke(cli, ["--config", cfg, "lots"])
    assert lot.id[:8] in table.stdout and lot.code in table.stdout and lot.url in table.stdout

    rendered = runner.invoke(cli, ["--config", cfg, "render", "--lot", lot.id[:8], "--json"])
    assert rendered.exit_code == 0, rendered.output
    assert {i["lot_id"] for i in json.loads(rendered.stdout)} == {lot.id}
    by_code = runner.invoke(cli, ["--config", cfg, "render", "--lot", lot.code.lower(), "--json"])
    assert by_code.exit_code == 0, by_code.output
    assert {i["lot_id"] for i in json.loads(by_code.stdout)} == {lot.id}

    ran = runner.invoke(cli, ["--config", cfg, "run", "--lot", lot.id[:6]])
    assert ran.exit_code == 0, ran.output
    assert f"lot {lot.id}" in ran.stdout
    by_link = runner.invoke(cli, ["--config", cfg, "run", "--lot", lot.url])
    assert by_link.exit_code == 0, by_link.output

    unknown = runner.invoke(cli, ["--config", cfg, "render", "--lot", "ffffffff"])
    assert unknown.exit_code == 1 and "tidak ada lot 'ffffffff'" in unknown.stderr


def test_an_ambiguous_prefix_lists_the_candidates(tmp_path):
    from click.testing import CliRunner
    from queue_fixtures import make_lot

    from promo_pipeline import database
    from promo_pipeline.lots import save_lot

    config = _write_config(tmp_path)
    db = database.connect(tmp_path / "data" / "promo.db")
    for lot_id, code in (("76470b46-684f-4b2b-b8b9-8859104c8e5d", "CMZXPR"),
                         ("76470b99-06ff-4f31-acaf-5d0d9f02c5a9", "O8JJY9")):
        save_lot(db, make_lot(lot_id, code=code), seen_at="2026-01-01T00:00:00Z")
    db.conn.close()
    runner = CliRunner()
    for argv in (["render", "--lot", "76470b"], ["run", "--lot", "76470b"]):
        result = runner.invoke(cli, ["--config", str(config), *argv])
        assert result.exit_code == 2, result.output
        err = result.stderr.strip()
        assert len(err.splitlines()) == 1
        assert "'76470b' cocok dengan 2 lot" in err
        assert "76470b46-684f-4b2b-b8b9-8859104c8e5d (CMZXPR" in err
        assert "76470b99-06ff-4f31-acaf-5d0d9f02c5a9 (O8JJY9" in err
    one = runner.invoke(cli, ["--config", str(config), "render", "--lot", "76470b9", "--json"])
    assert one.exit_code == 0, one.output
    assert {i["lot_id"] for i in json.loads(one.stdout)} == {
        "76470b99-06ff-4f31-acaf-5d0d9f02c5a9"}


# --- 6. permissions that fit the job ----------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_file_modes_after_a_demo_run_and_an_export(demo_dir):
    """Images, cached photos, previews and export folders: readable by a web server and by
    colleagues on a shared folder. The database (password hashes, sessions) and the session
    key: the owner's only."""
    from click.testing import CliRunner

    config = str(demo_dir / "config.toml")
    runner = CliRunner()
    posts = json.loads(runner.invoke(cli, ["--config", config, "queue", "--json"]).stdout)
    post = next(p for p in posts if p["kind"] == "lot")
    approved = runner.invoke(cli, ["--config", config, "queue", "approve", str(post["id"]),
                                   "--as", "demo"])
    assert approved.exit_code == 0, approved.output
    published = runner.invoke(cli, ["--config", config, "publish", "--now"])
    assert published.exit_code == 0, published.output
    preview = runner.invoke(cli, ["--config", config, "templates", "preview"])
    assert preview.exit_code == 0, preview.output

    data = demo_dir / "data"
    mode = {p: p.stat().st_mode & 0o777 for p in data.rglob("*")}
    images = [p for p in mode if p.suffix in (".jpg", ".png", ".mp4")]
    photos = [p for p in images if "photos" in p.parts]
    exports = [p for p in mode if "outbox" in p.parts]
    assert photos and len(images) > len(photos) and exports
    assert any(p.suffix == ".png" for p in images)  # the contact sheet
    assert any(p.name == "post.json" for p in exports)
    for path, bits in mode.items():
        if path.is_dir():
            assert bits == 0o755, (path, oct(bits))
        elif path.name.startswith("promo.db") or path.name.endswith(".key"):
            assert bits == 0o600, (path, oct(bits))
        elif path in images or path in exports:
            assert bits == 0o644, (path, oct(bits))
    assert mode[data / "promo.db"] == 0o600


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_an_old_world_readable_database_is_made_private(tmp_path):
    from promo_pipeline import database

    path = tmp_path / "promo.db"
    database.connect(path).conn.close()
    path.chmod(0o644)
    db = database.connect(path)
    db.execute("select 1")
    assert path.stat().st_mode & 0o777 == 0o600
    wal = path.with_name("promo.db-wal")
    assert not wal.exists() or wal.stat().st_mode & 0o777 == 0o600


# --- 8. the demo can be driven ------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_demo_session_runs_the_readme_commands_offline(demo_dir, tmp_path):
    """`promo demo serve` keeps the look-alike running on the port the demo config names;
    scrape, run --lot (a prefix as `promo lots` shows it), offices --search and publish work."""
    import shutil

    from promo_pipeline.demo.server import DEMO_PORT

    folder = tmp_path / "promo-demo"
    shutil.copytree(demo_dir, folder)
    config = folder / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert f"http://127.0.0.1:{DEMO_PORT}/api/v1" in text  # as written by promo run --demo
    port = _free_port()  # the tests may run beside a real demo
    config.write_text(text.replace(f":{DEMO_PORT}/", f":{port}/"), encoding="utf-8")

    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("PROMO_CONFIG", None)
    serve = subprocess.Popen([sys.executable, "-m", "promo_pipeline", "--config", str(config),
                              "demo", "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, text=True, encoding="utf-8")
    try:
        first = serve.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first, first + serve.stderr.read()
        lots = json.loads(_python(["--config", str(config), "lots", "--json"]).stdout)
        prefix = lots[0]["id"][:8]
        ran = _python(["--config", str(config), "run", "--lot", prefix])
        assert ran.returncode == 0, ran.stderr
        assert f"lot {lots[0]['id']}" in ran.stdout and "Gambar:" in ran.stdout
        scraped = _python(["--config", str(config), "scrape"])
        assert scraped.returncode == 0, scraped.stderr
        assert f"tetap {len(lots)}" in scraped.stdout or "berubah" in scraped.stdout
        found = _python(["--config", str(config), "offices", "--search", "bima", "--json"])
        assert found.returncode == 0 and json.loads(found.stdout)[0]["name"] == "KPKNL Bima"
        post = json.loads(_python(["--config", str(config), "queue", "--json", "--status",
                                   "pending"]).stdout)[0]
        assert _python(["--config", str(config), "queue", "approve", str(post["id"]), "--as",
                        "demo"]).returncode == 0
        published = _python(["--config", str(config), "publish", "--now"])
        assert published.returncode == 0 and "terkirim 1" in published.stdout, published.stderr
    finally:
        serve.terminate()
        serve.wait(10)
        serve.stdout.close()
        serve.stderr.close()
    # Without the server, the same command says what to start.
    down = _python(["--config", str(config), "offices"])
    assert down.returncode == 1 and "demo serve" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1


def test_a_network_failure_elsewhere_hints_at_the_connection_or_proxy():
    from promo_pipeline.errors import RetryableFetchError, explain

    exc = RetryableFetchError("https://api.lelang.go.id/api/v1/x: connection failed",
                              url="https://api.lelang.go.id/api/v1/x", kind="connect",
                              attempts=5)
    line, code = explain(exc)
    assert code == 1
    assert line == ("tidak bisa terhubung ke api.lelang.go.id (5 kali dicoba); periksa koneksi "
                    "internet atau pengaturan proxy (HTTPS_PROXY), lalu coba lagi")
    timeout = RetryableFetchError("x", url="https://api.lelang.go.id/a", kind="timeout")
    assert explain(timeout)[0].startswith("api.lelang.go.id tidak menjawab tepat waktu; periksa")
    busy = RetryableFetchError("x", url="https://api.lelang.go.id/a", status=503, attempts=5)
    assert "sedang bermasalah (HTTP 503) (5 kali dicoba)" in explain(busy)[0]


def test_review_on_all_addresses_warns_that_it_is_plain_http(tmp_path):
    config = _write_config(tmp_path)
    added = _python(["--config", str(config), "users", "add", "ani", "--role", "admin",
                     "--password-stdin"], stdin="rahasia-panjang-sekali\n")
    assert added.returncode == 0, added.stderr
    port = _free_port()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("PROMO_CONFIG", None)
    review = subprocess.Popen([sys.executable, "-m", "promo_pipeline", "--config", str(config),
                               "review", "--host", "0.0.0.0", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              text=True, encoding="utf-8")
    try:
        assert "Halaman peninjauan" in review.stdout.readline()
        warning = review.stderr.readline()
        assert warning.startswith("Peringatan: halaman dilayani dengan HTTP biasa di 0.0.0.0")
        assert "tanpa enkripsi" in warning
    finally:
        review.terminate()
        review.wait(10)
        review.stdout.close()
        review.stderr.close()


# --- 9. small things ------------------------------------------------------------------------------


def test_read_only_commands_create_no_database(tmp_path):
    from click.testing import CliRunner

    config = _write_config(tmp_path)
    runner = CliRunner()
    for argv in (["lots"], ["lots", "--json"], ["queue"], ["queue", "--json"], ["queue",
                 "history"], ["queue", "deliveries"], ["users", "list"]):
        result = runner.invoke(cli, ["--config", str(config), *argv])
        assert result.exit_code == 0, (argv, result.output)
    assert json.loads(runner.invoke(cli, ["--config", str(config), "lots", "--json"]).stdout) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_times_staff_read_are_in_the_office_zone(tmp_path):
    from click.testing import CliRunner

    from promo_pipeline.lock import _since

    assert _since("2026-03-01T02:00:00+00:00", "Asia/Makassar") == "1 Maret 2026, 10.00 WITA"
    config = _write_config(tmp_path)
    runner = CliRunner()
    added = runner.invoke(cli, ["--config", str(config), "users", "add", "ani",
                                "--password-stdin"], input="sandi-rahasia-1\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["--config", str(config), "users", "list"]).stdout
    assert listed.startswith("ani") and "peninjau" in listed and "WITA" in listed
    assert not re.search(r"\d{4}-\d\d-\d\dT|\+00:00", listed)  # no ISO string


def test_queue_titles_are_cut_at_a_word_and_previews_print_an_absolute_path(demo_dir):
    from click.testing import CliRunner

    from promo_pipeline import database, formats, present, queue

    runner = CliRunner()
    config = str(demo_dir / "config.toml")
    preview = runner.invoke(cli, ["--config", config, "templates", "preview"])
    assert preview.exit_code == 0
    path = Path(preview.stdout.strip())
    assert path.is_absolute() and path.is_file()

    db = database.connect(demo_dir / "data" / "promo.db")
    titles = [present.post_title(p) for p in queue.list_posts(db)]
    db.conn.close()
    long = [t for t in titles if len(t) > 70]
    assert long
    listed = runner.invoke(cli, ["--config", config, "queue"], env={"COLUMNS": "250"}).stdout
    for title in long:
        shown = formats.shorten(title, 70)
        assert shown.endswith("…") and shown in listed
        kept = shown[:-1]
        assert title.startswith(kept) and title[len(kept)] in " ,.;:-–"  # cut at a word
