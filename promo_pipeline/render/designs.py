"""Which designs exist and where their files are: the office's templates folder first (file by
file), then the built-in designs. Templates are cached until their file changes.

Settings read: ``render.templates_dir``.
"""

from __future__ import annotations

from pathlib import Path

from promo_pipeline.config import Config
from promo_pipeline.errors import TemplateError
from promo_pipeline.render import template as tmpl
from promo_pipeline.resources import builtin_templates_dir as builtin_templates_dir
from promo_pipeline.resources import design_dirs, design_names

_TEMPLATE_CACHE: dict[Path, tuple[int, int, tmpl.Template]] = {}


def template_dirs(cfg: Config) -> list[Path]:
    """The office's folder first (overrides file by file), then the built-in designs."""
    return design_dirs(cfg.resolve(cfg.render.templates_dir))


def available_designs(cfg: Config) -> list[str]:
    """Names of every design (``*.toml``) in the office folder and the built-ins."""
    return design_names(cfg.resolve(cfg.render.templates_dir))


def template_path(cfg: Config, name: str) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise TemplateError(f"invalid design name {name!r}")
    for d in template_dirs(cfg):
        p = d / f"{name}.toml"
        if p.is_file():
            return p
    raise TemplateError(f"unknown design {name!r} (available: "
                        f"{', '.join(available_designs(cfg)) or 'none'})")


def get_template(cfg: Config, name: str) -> tmpl.Template:
    """The validated template for design *name*, cached until its file changes."""
    path = template_path(cfg, name)
    st = path.stat()
    cached = _TEMPLATE_CACHE.get(path)
    if cached and cached[0] == st.st_mtime_ns and cached[1] == st.st_size:
        return cached[2]
    template = tmpl.load(path, name)
    _TEMPLATE_CACHE[path] = (st.st_mtime_ns, st.st_size, template)
    return template
