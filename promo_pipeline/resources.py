"""Where built-in templates and assets live, for a source checkout and an installed package alike.

The repository's top-level ``templates/`` and ``assets/`` are installed as the packages
``promo_pipeline._templates`` and ``promo_pipeline._assets``. A folder configured by the office
(``render.templates_dir``) takes precedence; the built-ins are the fallback.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def builtin_templates_dir() -> Path:
    return Path(str(resources.files("promo_pipeline._templates")))


def builtin_caption_templates_dir() -> Path:
    return builtin_templates_dir() / "captions"


def builtin_assets_dir() -> Path:
    return Path(str(resources.files("promo_pipeline._assets")))


def design_dirs(office_dir: Path) -> list[Path]:
    """Where designs are looked up: the office's folder first (overrides file by file), then the
    built-in designs."""
    dirs = [office_dir] if office_dir.is_dir() else []
    builtin = builtin_templates_dir()
    if not dirs or office_dir.resolve() != builtin.resolve():
        dirs.append(builtin)
    return dirs


def design_names(office_dir: Path) -> list[str]:
    """Names of every design (``*.toml``) in *office_dir* and the built-ins."""
    return sorted({p.stem for d in design_dirs(office_dir) for p in d.glob("*.toml")})
