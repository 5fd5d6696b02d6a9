"""The installed package is complete: `pip install .` (the README's quick start) gets every
module and every data file, not only what an editable install happens to find in the tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _source_dir(package: str) -> Path:
    # setuptools maps a package under a mapped one into the mapped folder
    mapped = SETUPTOOLS.get("package-dir", {})
    parts = package.split(".")
    for n in range(len(parts), 0, -1):
        parent = ".".join(parts[:n])
        if parent in mapped:
            return ROOT / mapped[parent] / Path(*parts[n:])
    return ROOT.joinpath(*parts)


def test_every_package_of_the_tree_is_listed():
    listed = set(SETUPTOOLS["packages"])
    in_tree = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "promo_pipeline").rglob("__init__.py")}
    assert in_tree - listed == set(), "add these to [tool.setuptools] packages"
    assert all(_source_dir(p).is_dir() for p in listed)


def _copy_tree(dst: Path) -> Path:
    ignore = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "promo-demo",
                                    "__pycache__", ".mypy_cache", ".ruff_cache",
                                    ".pytest_cache", "tests", "benchmarks", "docs")
    shutil.copytree(ROOT, dst, ignore=ignore)
    return dst


@pytest.mark.slow
def test_the_wheel_holds_every_module_and_data_file(tmp_path):
    src = _copy_tree(tmp_path / "src")  # the build writes build/ and *.egg-info beside it
    out = tmp_path / "wheel"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                           "--no-build-isolation", "--no-index", "-q", "-w", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("promo_pipeline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(ROOT).as_posix())
                for p in (ROOT / "promo_pipeline").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    for folder, package in (("templates", "_templates"), ("assets", "_assets")):
        expected |= {f"promo_pipeline/{package}/{p.relative_to(ROOT / folder).as_posix()}"
                     for p in (ROOT / folder).rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts}
    assert sorted(expected - names) == []
