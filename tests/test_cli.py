"""The `promo` entry point on an office PC: output whatever the console, one line per failure.

A shared demo folder (``promo run --demo`` once per module) gives every command real data:
lots, posts with emoji in their captions, images, an export folder.
"""

from __future__ import annotations

import json
import os
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
