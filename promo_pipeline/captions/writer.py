"""Caption templates: where they are looked up and the sandboxed Jinja2 writer that renders them.

A template for kind ``lot`` and channel ``x`` is ``lot.x.j2``, else ``lot.j2``; the office's
``captions.templates_dir`` (when it exists) is searched before the built-in templates, file by
file. Templates render in a :class:`~jinja2.sandbox.SandboxedEnvironment` over plain data, with
``keep("part")`` telling whether an optional part is still shown; a template may declare the
order its optional parts go in when a caption is too long (``{% set drop_order = [...] %}``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, Template, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from promo_pipeline.errors import TemplateError
from promo_pipeline.resources import builtin_caption_templates_dir

#: Optional template parts, dropped in this order when a caption is over its limit.
DEFAULT_DROP_ORDER = ("items", "hook", "hashtags", "steps", "increment", "method", "location",
                      "howto", "asis", "contact", "end")

_BLANK_LINES = re.compile(r"\n{3,}")
# Spaces at the end of a line, from the first space of a run (so a long run that does not end a
# line is looked at once, not once per space; the space first lets the search skip ahead).
_TRAILING_SPACE = re.compile(r"[^\S\n](?<![^\S\n][^\S\n])[^\S\n]*+(?=\n|\Z)")


class CaptionWriter:
    """Loads caption templates (office folder first, built-ins second) and renders them.

    One writer per set of template folders; :func:`writer_for` caches them.
    """

    def __init__(self, template_dirs: Sequence[Path]):
        dirs = [Path(d) for d in template_dirs]
        self.template_dirs = dirs
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
            autoescape=False,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def template(self, kind: str, channel: str) -> Template:
        """The template of *kind* for *channel*; :class:`TemplateError` when there is none."""
        names = [f"{kind}.{channel}.j2", f"{kind}.j2"]
        try:
            return self.env.select_template(names)
        except TemplateNotFound:
            raise TemplateError(
                f"no caption template for {kind!r} on {channel!r} "
                f"(looked for {', '.join(names)} in {', '.join(map(str, self.template_dirs))})"
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateError(_describe(exc, names[0])) from None

    def render(self, kind: str, channel: str, data: Mapping[str, Any],
               drop: Iterable[str] = ()) -> tuple[str, tuple[str, ...]]:
        """Render *kind* for *channel*; returns the tidy text and the template's drop order."""
        template = self.template(kind, channel)
        dropped = frozenset(drop)
        context = dict(data, channel=channel, kind=kind, keep=lambda name: name not in dropped)
        try:
            module = template.make_module(context)
            text = str(module)
        except jinja2.TemplateError as exc:
            raise TemplateError(_describe(exc, template.name or kind)) from None
        order = getattr(module, "drop_order", None)
        if not isinstance(order, list | tuple) or not all(isinstance(x, str) for x in order):
            order = DEFAULT_DROP_ORDER
        return tidy(text), tuple(order)


def _describe(exc: Exception, name: str) -> str:
    where = getattr(exc, "filename", None) or name
    line = getattr(exc, "lineno", None)
    return f"caption template {where}{f' line {line}' if line else ''}: {exc}"


def tidy(text: str) -> str:
    """NFC, no trailing spaces, at most one blank line in a row, no leading/trailing blank lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def template_dirs(cfg: Any) -> list[Path]:
    """The office's caption folder (when it exists), then the built-in templates."""
    dirs: list[Path] = []
    office_dir = cfg.resolve(cfg.captions.templates_dir)
    builtin = builtin_caption_templates_dir()
    if office_dir.is_dir() and office_dir.resolve() != builtin.resolve():
        dirs.append(office_dir)
    dirs.append(builtin)
    return dirs


@functools.lru_cache(maxsize=16)
def _writer(dirs: tuple[Path, ...]) -> CaptionWriter:
    return CaptionWriter(dirs)


def writer_for(cfg: Any) -> CaptionWriter:
    """The (cached) writer for the config's template folders."""
    return _writer(tuple(template_dirs(cfg)))


def default_writer() -> CaptionWriter:
    """The (cached) writer of the built-in templates."""
    return _writer((builtin_caption_templates_dir(),))
