"""`promo users` and `promo review` from the command line (click's CliRunner, real database)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from promo_pipeline import accounts, database
from promo_pipeline.cli import cli

CONFIG = """
[[offices]]
id = "off-1"
name = "KPKNL Bima"
timezone = "Asia/Makassar"

[storage]
database = "data/promo.db"
media_dir = "data/media"
output_dir = "data/out"
"""


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def run(config_path, *args, input=None):
    return CliRunner().invoke(cli, ["--config", str(config_path), *args], input=input)


def db_of(config_path):
    return database.connect(config_path.parent / "data" / "promo.db")


def test_add_with_password_stdin_and_list(config_path):
    res = run(config_path, "users", "add", "ani", "--role", "admin", "--password-stdin",
              input="sandi-rahasia-1\n")
    assert res.exit_code == 0, res.output
    assert "ani" in res.output
    res = run(config_path, "users", "add", "budi", "--password-stdin", input="sandi-budi-22\n")
    assert res.exit_code == 0, res.output
    db = db_of(config_path)
    assert accounts.verify(db, "ani", "sandi-rahasia-1").role == "admin"
    assert accounts.verify(db, "budi", "sandi-budi-22").role == "reviewer"
    res = run(config_path, "users", "list")
    assert res.exit_code == 0
    lines = res.output.strip().splitlines()
    assert lines[0].split()[:2] == ["ani", "admin"]
    assert lines[1].split()[:2] == ["budi", "peninjau"]
    assert "sandi" not in res.output  # never the password or its hash
    res = run(config_path, "users", "list", "--json")
    rows = json.loads(res.output)
    assert [(r["name"], r["role"]) for r in rows] == [("ani", "admin"), ("budi", "reviewer")]
    # offices: null = every office (no --offices given); never a password or its hash.
    assert all(set(r) == {"name", "role", "created_at", "offices"} for r in rows)
    assert all(r["offices"] is None for r in rows)


def test_add_prompts_twice_without_stdin(config_path):
    res = run(config_path, "users", "add", "citra", input="sandi-citra-1\nsandi-citra-1\n")
    assert res.exit_code == 0, res.output
    assert "Ulangi kata sandi" in res.output
    assert accounts.verify(db_of(config_path), "citra", "sandi-citra-1") is not None


def test_add_prompt_mismatch_asks_again(config_path):
    res = run(config_path, "users", "add", "citra",
              input="sandi-citra-1\nlain-sekali-2\nsandi-citra-1\nsandi-citra-1\n")
    assert res.exit_code == 0, res.output
    assert accounts.verify(db_of(config_path), "citra", "sandi-citra-1") is not None


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["users", "add", "dedi", "--password-stdin"], "pendek\n", "minimal 8"),
    (["users", "add", "dedi", "--password-stdin"], "\n", "minimal 8"),
    (["users", "add", "../dedi", "--password-stdin"], "sandi-dedi-1\n", "nama akun"),
    (["users", "add", "dedi", "--role", "root", "--password-stdin"], "sandi-dedi-1\n",
     "root"),
])
def test_add_bad_input_is_refused_and_adds_nothing(config_path, args, stdin, message):
    res = run(config_path, *args, input=stdin)
    assert res.exit_code != 0
    assert message in res.output
    assert "Traceback" not in res.output
    assert accounts.list_users(db_of(config_path)) == []


def test_add_existing_name_is_refused(config_path):
    run(config_path, "users", "add", "ani", "--password-stdin", input="sandi-rahasia-1\n")
    res = run(config_path, "users", "add", "ANI", "--password-stdin", input="sandi-lain-22\n")
    assert res.exit_code == 1
    assert "sudah ada" in res.output
    assert accounts.verify(db_of(config_path), "ani", "sandi-rahasia-1") is not None


def test_remove_and_remove_unknown(config_path):
    run(config_path, "users", "add", "ani", "--password-stdin", input="sandi-rahasia-1\n")
    db = db_of(config_path)
    sid = accounts.create_session(db, "ani", hours=1)
    assert accounts.session_user(db, sid) is not None
    res = run(config_path, "users", "remove", "ani")
    assert res.exit_code == 0, res.output
    assert accounts.get_user(db, "ani") is None
    assert accounts.session_user(db, sid) is None  # its sessions end with it
    res = run(config_path, "users", "remove", "ani")
    assert res.exit_code == 1
    assert "tidak ada" in res.output


def test_passwd_changes_password_and_ends_sessions(config_path):
    run(config_path, "users", "add", "ani", "--password-stdin", input="sandi-rahasia-1\n")
    db = db_of(config_path)
    sid = accounts.create_session(db, "ani", hours=1)
    res = run(config_path, "users", "passwd", "ani", "--password-stdin", input="sandi-baru-333\n")
    assert res.exit_code == 0, res.output
    assert accounts.verify(db, "ani", "sandi-baru-333") is not None
    assert accounts.verify(db, "ani", "sandi-rahasia-1") is None
    assert accounts.session_user(db, sid) is None
    assert run(config_path, "users", "passwd", "nobody", "--password-stdin",
               input="sandi-baru-333\n").exit_code == 1


def test_list_without_accounts_says_how_to_add(config_path):
    res = run(config_path, "users", "list")
    assert res.exit_code == 0
    assert "promo users add" in res.output


def test_review_refuses_public_host_without_accounts(config_path):
    res = run(config_path, "review", "--host", "0.0.0.0", "--port", "8765")
    assert res.exit_code == 2
    assert "belum ada akun" in res.output
    assert "Traceback" not in res.output


def test_review_rejects_bad_port(config_path):
    res = run(config_path, "review", "--port", "70000")
    assert res.exit_code == 2
