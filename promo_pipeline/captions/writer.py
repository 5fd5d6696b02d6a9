"""Caption templates: where they are looked up and the sandboxed Jinja2 writer that renders them.

A template for kind ``lot`` and channel ``x`` is ``lot.x.j2``, else ``lot.j2``; the office's
``captions.templates_dir`` (when it exists) is searched before the built-in templates, file by
file. Templates render in a :class:`~jinja2.sandbox.SandboxedEnvironment` over plain data, with
``keep("part")`` telling whether an optional part is still shown; a template may declare the
order its optional parts go in when a caption is too long (``{% set drop_order = [...] %}``).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    meta,
    nodes,
)
from jinja2.sandbox import SandboxedEnvironment

from promo_pipeline.captions.parts import Marked, marked
from promo_pipeline.errors import TemplateError
from promo_pipeline.resources import builtin_caption_templates_dir

#: Optional template parts, dropped in this order when a caption is over its limit.
DEFAULT_DROP_ORDER = ("items", "hook", "hashtags", "steps", "increment", "method", "location",
                      "howto", "asis", "relisted", "contact", "end")



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
        self._uses: dict[tuple[str | None, int], _Use] = {}
        self._marked: dict[tuple[str | None, int], Marked | None] = {}

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
        done = self.render_template(self.template(kind, channel), dict(
            data, channel=channel, kind=kind), drop)
        return tidy(done.raw), done.order

    def render_template(self, template: Template, context: Mapping[str, Any],
                        drop: Iterable[str] = ()) -> Rendered:
        """One render of *template* over *context* with the parts *drop* left out; the result
        tells which parts the template asked about (``keep("…")``)."""
        dropped = frozenset(drop)
        asked: set[str] = set()

        def keep(name: str) -> bool:
            asked.add(name)
            return name not in dropped

        try:
            module = template.make_module(dict(context, keep=keep))
            raw = str(module)
        except jinja2.TemplateError as exc:
            raise TemplateError(_describe(exc, template.name or "?")) from None
        order = getattr(module, "drop_order", None)
        if not isinstance(order, list | tuple) or not all(isinstance(x, str) for x in order):
            order = DEFAULT_DROP_ORDER
        return Rendered(raw, frozenset(asked), tuple(order))

    def marked(self, template: Template) -> Marked | None:
        """*template* with its removable optional parts marked (:mod:`.parts`; cached)."""
        key = (template.name, id(template))
        if key not in self._marked:
            self._marked[key] = marked(self.env, template)
        return self._marked[key]

    def names_used(self, template: Template) -> _Use:
        """How *template* (with the templates it imports) uses its variables (cached)."""
        key = (template.name, id(template))
        use = self._uses.get(key)
        if use is None:
            use = self._uses[key] = _analyse(self.env, template.name)
        return use


@dataclass(frozen=True)
class Rendered:
    """A template's output before :func:`tidy`, the parts it asked about and its drop order."""

    raw: str
    asked: frozenset[str]
    order: tuple[str, ...]


@dataclass(frozen=True)
class _Use:
    #: Every variable name the templates read (None: not known, e.g. a computed import).
    names: frozenset[str] | None
    #: Variables only ever printed as they are (``{{ title }}``), never tested or filtered.
    printed_only: frozenset[str]


#: Nodes whose output does not go straight into the caption (it is filtered, captured in a
#: variable or passed to a macro): a variable printed inside them is not "printed as it is".
_CAPTURING = (nodes.FilterBlock, nodes.AssignBlock, nodes.CallBlock, nodes.Macro)


def _analyse(env: jinja2.Environment, name: str | None) -> _Use:
    """Which variables a template and everything it imports read, and which of them it only
    prints as they are (``{{ title }}`` straight into the output): for those, the output for any
    value is the output for one value with the other put in its place."""
    if name is None or env.loader is None:
        return _Use(None, frozenset())
    names: set[str] = set()
    printed: set[str] = set()
    other: set[str] = set()
    unknown = False

    def walk(node: nodes.Node, captured: bool) -> None:
        nonlocal unknown
        if isinstance(node, nodes.Include) and captured:
            unknown = True  # the included template's output is captured too
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.Name):
                    names.add(child.name)
                    (other if captured else printed).add(child.name)
                else:
                    walk(child, captured)
            return
        if isinstance(node, nodes.Name):
            names.add(node.name)
            other.add(node.name)
        for child in node.iter_child_nodes():
            walk(child, captured or isinstance(node, _CAPTURING))

    todo, seen = [name], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        ast = env.parse(env.loader.get_source(env, current)[0])
        for ref in meta.find_referenced_templates(ast):
            if ref is None:
                return _Use(None, frozenset())
            todo.append(ref)
        walk(ast, False)
    if unknown:
        return _Use(None, frozenset())
    return _Use(frozenset(names), frozenset(printed - other))


def _describe(exc: Exception, name: str) -> str:
    where = getattr(exc, "filename", None) or name
    line = getattr(exc, "lineno", None)
    return f"caption template {where}{f' line {line}' if line else ''}: {exc}"


def tidy(text: str) -> str:
    """NFC, no trailing spaces, at most one blank line in a row, no leading/trailing blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # Line by line rather than two regular expressions over the whole text: a third of the
    # cost, and still linear (each line is stripped once). ``str.rstrip`` strips what ``\s``
    # matches; the text was split on "\n" only, as the lines are counted.
    lines: list[str] = []
    blank = False
    for line in text.split("\n"):
        line = line.rstrip()
        if line or not blank:
            lines.append(line)
        blank = not line
    return "\n".join(lines).strip()


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
