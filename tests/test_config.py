"""Config loading: which file, paths relative to it, strict keys and types, exit status 2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BIMA, to_toml

from promo_pipeline import config as config_mod
from promo_pipeline.cli import cli
from promo_pipeline.errors import ConfigError, config_text

MINIMAL = {"offices": [{"id": BIMA, "name": "KPKNL Bima"}]}


def write_config(folder: Path, data: dict | None = None, *, text: str | None = None,
                 database: str = "data/promo.db") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    body = {**MINIMAL, "storage": {"database": database}, **(data or {})}
    path.write_text(text if text is not None else to_toml(body), encoding="utf-8")
    return path


def run(args: list[str], env: dict[str, str] | None = None):
    env = {"PROMO_CONFIG": "", **(env or {})}
    return CliRunner().invoke(cli, args, env=env)


# --- which file --------------------------------------------------------------------------------


def test_precedence_flag_over_env_over_cwd(tmp_path, monkeypatch):
    a = write_config(tmp_path / "a", database="a.db")
    b = write_config(tmp_path / "b", database="b.db")
    c = write_config(tmp_path / "c", database="c.db")
    monkeypatch.chdir(c.parent)

    def add_user(args: list[str], env: dict[str, str] | None = None) -> int:
        # A command that writes, so the database it opened shows which config was read (a
        # read-only command creates no database).
        env = {"PROMO_CONFIG": "", **(env or {})}
        return CliRunner().invoke(cli, [*args, "users", "add", "ani", "--password-stdin"],
                                  env=env, input="sandi-rahasia-1\n").exit_code

    assert add_user(["--config", str(a)], {"PROMO_CONFIG": str(b)}) == 0
    assert (a.parent / "a.db").exists()
    assert not (b.parent / "b.db").exists() and not (c.parent / "c.db").exists()

    assert add_user([], {"PROMO_CONFIG": str(b)}) == 0
    assert (b.parent / "b.db").exists() and not (c.parent / "c.db").exists()

    assert add_user([]) == 0
    assert (c.parent / "c.db").exists()


def test_find_config_path_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROMO_CONFIG", "/etc/promo/env.toml")
    assert config_mod.find_config_path("x.toml") == Path("x.toml")
    assert config_mod.find_config_path(None) == Path("/etc/promo/env.toml")
    monkeypatch.delenv("PROMO_CONFIG")
    assert config_mod.find_config_path(None) == tmp_path / "config.toml"


def test_relative_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    path = write_config(tmp_path / "office" / "conf",
                        {"storage": {"database": "db/promo.db", "media_dir": "../media",
                                     "output_dir": str(tmp_path / "abs-out")}})
    monkeypatch.chdir(tmp_path)
    cfg = config_mod.load(path)
    assert cfg.database_path == path.parent.resolve() / "db" / "promo.db"
    assert cfg.media_dir.resolve() == (tmp_path / "office" / "media").resolve()
    assert cfg.output_dir == tmp_path / "abs-out"
    assert CliRunner().invoke(cli, ["--config", "office/conf/config.toml", "users", "add", "ani",
                                    "--password-stdin"], env={"PROMO_CONFIG": ""},
                              input="sandi-rahasia-1\n").exit_code == 0  # writes the database
    assert (path.parent / "db" / "promo.db").exists()
    assert not (tmp_path / "db").exists()


def test_defaults_fill_what_the_file_leaves_out(tmp_path):
    cfg = config_mod.load(write_config(tmp_path))
    assert cfg.source == config_mod.Source()
    assert cfg.source.api_base == "https://api.lelang.go.id/api/v1"
    assert cfg.offices[0].timezone == "Asia/Jakarta" and cfg.offices[0].categories == []


def test_the_shipped_example_config_loads():
    example = Path(__file__).parent.parent / "config.toml"
    cfg = config_mod.load(example)
    assert cfg.offices and cfg.offices[0].timezone == "Asia/Makassar"


# --- strict keys and types ---------------------------------------------------------------------


@pytest.mark.parametrize(("data", "text", "message"), [
    ({"source": {"page_sise": 50}}, None, "unknown config key 'source.page_sise'"),
    ({"sourse": {"page_size": 50}}, None, "unknown config key 'sourse'"),
    ({"offices": [{"id": BIMA, "name": "x", "zone": "Asia/Makassar"}]}, None,
     "unknown config key 'offices[0].zone'"),
    ({"source": {"page_size": "50"}}, None, "'source.page_size' must be an integer"),
    ({"source": {"retries": True}}, None, "'source.retries' must be an integer"),
    ({"source": {"read_timeout": "30s"}}, None, "'source.read_timeout' must be a number"),
    ({"offices": [{"name": "KPKNL Bima"}]}, None, "missing required config key 'offices[0].id'"),
    ({"offices": [{"id": BIMA}]}, None, "missing required config key 'offices[0].name'"),
    ({"offices": [{"id": BIMA, "name": "x", "categories": "Mobil"}]}, None,
     "'offices[0].categories' must be a list of string"),
    ({"offices": [{"id": BIMA, "name": "x", "timezone": "Asia/Bima"}]}, None,
     "'offices[0].timezone' is not a known time zone"),
    ({"source": {"api_base": "ftp://x"}}, None, "'source.api_base' must be an http(s) URL"),
    ({"source": {"requests_per_second": 0}}, None, "'source.requests_per_second' must be > 0"),
    ({"source": {"retries": -1}}, None, "'source.retries' must be ≥ 0"),
    ({"source": {"max_response_bytes": 0}}, None, "'source.max_response_bytes' must be > 0"),
    (None, "[source\npage_size = 1", "bukan TOML yang sah"),
])
def test_bad_config_exits_2_naming_the_key(tmp_path, data, text, message):
    path = write_config(tmp_path, data, text=text)
    result = run(["--config", str(path), "lots"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        config_mod.load(path)
    # Staff read the sentence in Indonesian; the key (or the cause) stays as written.
    assert result.stderr == f"Galat: {config_text(str(raised.value))}\n"
    assert not re.search(r"\b(must|unknown config|missing required|got)\b", result.stderr)


def test_missing_file_exits_2(tmp_path):
    result = run(["--config", str(tmp_path / "nope.toml"), "lots"])
    assert result.exit_code == 2 and "berkas konfigurasi tidak ditemukan" in result.stderr


def test_bad_config_in_a_real_process_is_one_line_and_exit_2(tmp_path):
    path = write_config(tmp_path, {"source": {"page_size": "lima puluh"}})
    env = {k: v for k, v in os.environ.items() if k != "PROMO_CONFIG"}
    proc = subprocess.run([sys.executable, "-m", "promo_pipeline", "--config", str(path),
                           "scrape"], capture_output=True, text=True, timeout=60, env=env,
                          check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "source.page_size" in lines[0]


def test_offices_reports_a_broken_config_instead_of_ignoring_it(tmp_path):
    """`promo offices` may run without any config.toml (it is the first set-up step, using the
    default lelang.go.id bases), but a config file that exists and is broken is still an error."""
    bad = write_config(tmp_path / "bad", {"source": {"page_size": "x"}})
    result = run(["--config", str(bad), "offices"])
    assert result.exit_code == 2 and "source.page_size" in result.stderr


# --- config files from Notepad ------------------------------------------------------------------

NOTEPAD_TEXT = (f'# Konfigurasi · KPKNL Bima\n[[offices]]\nid = "{BIMA}"\nname = "KPKNL Bima"\n'
                '[brand]\ntagline = "Lelang resmi negara — Bima"\n')


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_notepad_encodings_are_read(tmp_path, encoding):
    """Notepad's "UTF-8 with BOM" and "Unicode" (UTF-16 with a BOM) load like plain UTF-8."""
    import codecs

    path = tmp_path / "config.toml"
    if encoding == "utf-16-le-bom":
        path.write_bytes(codecs.BOM_UTF16_LE + NOTEPAD_TEXT.encode("utf-16-le"))
    elif encoding == "utf-16-be-bom":
        path.write_bytes(codecs.BOM_UTF16_BE + NOTEPAD_TEXT.encode("utf-16-be"))
    else:
        path.write_text(NOTEPAD_TEXT, encoding=encoding)
    cfg = config_mod.load(path)
    assert cfg.offices[0].id == BIMA
    assert cfg.brand.tagline == "Lelang resmi negara — Bima"


def test_a_file_in_an_ansi_code_page_is_refused_with_how_to_save_it(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(NOTEPAD_TEXT.replace("·", "-").replace("—", "-").encode()
                     + "# café\n".encode("cp1252"))
    with pytest.raises(ConfigError, match=r"UTF-8.*Simpan sebagai"):
        config_mod.load(path)


def test_backslashes_of_a_windows_path_are_reported_with_the_fix(tmp_path):
    # "\n" and "\t" are valid TOML escapes: the path silently became a newline and a tab.
    path = write_config(tmp_path, text=NOTEPAD_TEXT + 'logo = "C:\\new\\test.png"\n')
    with pytest.raises(ConfigError) as exc:
        config_mod.load(path)
    assert "brand.logo" in str(exc.value)
    assert "'C:\\promo\\logo.png'" in str(exc.value) and '"C:/promo/logo.png"' in str(exc.value)
    # "\p" is no escape at all: TOML refuses the file; the message carries the same fix.
    path = write_config(tmp_path, text=NOTEPAD_TEXT + 'logo = "C:\\promo\\logo.png"\n')
    with pytest.raises(ConfigError, match="kutip tunggal"):
        config_mod.load(path)
    # Both fixes load, and keep the path as written.
    for value in ("'C:\\new\\test.png'", '"C:/new/test.png"'):
        path = write_config(tmp_path, text=NOTEPAD_TEXT + f"logo = {value}\n")
        assert config_mod.load(path).brand.logo.replace("\\", "/") == "C:/new/test.png"


def test_an_unknown_design_fails_at_load_not_at_render(tmp_path):
    path = write_config(tmp_path, {"render": {"formats": ["feed", "storry"]}})
    with pytest.raises(ConfigError, match=r"render.formats\[1\].*'storry'.*story"):
        config_mod.load(path)
    result = run(["--config", str(path), "lots"])
    assert result.exit_code == 2 and "storry" in result.stderr
