"""Optional parts of a caption template, left out of a render without rendering again.

A template wraps an optional part in ``{% if keep("hook") %}…{% endif %}`` (or
``{% if lot.place and keep("location") %}``). Fitting a caption renders it again for each part
it leaves out; most of those renders are not needed: when the part's block has one of a few
simple shapes, leaving the part out removes exactly what the block printed. So the template is
compiled once more with a marker around each such block, rendered once, and the text for any
set of those parts left out is that output with the marked blocks cut (then the markers).

A block qualifies when its test is ``keep("p")``, ``A and keep("p")``, ``keep("p") and A`` or
(outside loops and macros) ``A or keep("p")`` with no other ``keep`` in ``A``, it has no
``elif``/``else``, ``keep("p")`` appears nowhere else (imported templates included), and its
body assigns nothing (it only prints, loops, tests and calls macros). If the block printed and
``keep("p")`` was asked, the part left out makes the test false and the block prints nothing;
if it printed without the question (``A`` was true in ``A or keep("p")``), it stays. Other
parts (``{% if keep("steps") %}…{% elif …``) are rendered as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, Template, nodes

_OPEN, _CLOSE = "\ue010", "\ue011"
_FIRST_INDEX = 0xE100
#: Characters that must not occur in the data (the title stand-in, E000–E001, too).
_RESERVED = re.compile("[\ue000-\ue1ff]")
_MARKERS = re.compile(f"[{_OPEN}{_CLOSE}\ue100-\ue1ff]")
# Nodes a block body may not hold: they could change what the rest of the template prints.
_NOT_IN_BODY = (nodes.Assign, nodes.AssignBlock, nodes.Macro, nodes.CallBlock, nodes.FilterBlock,
                nodes.Import, nodes.FromImport, nodes.ExprStmt, nodes.Extends, nodes.Block,
                nodes.Scope, nodes.OverlayScope, nodes.With)


@dataclass(frozen=True)
class Marked:
    """A template compiled with markers around its removable blocks."""

    template: Template
    #: Part name → its marker index character.
    removable: Mapping[str, str]


def marked(env: Environment, template: Template) -> Marked | None:
    """*template* with its removable blocks marked, or None when it has none (or uses
    ``keep`` in a way this does not follow)."""
    if template.name is None or env.loader is None:
        return None
    ast = env.parse(env.loader.get_source(env, template.name)[0])
    blocks = _removable_blocks(ast, _imported(env, ast))
    if not blocks:
        return None
    removable = {}
    for i, (part, node) in enumerate(sorted(blocks.items())):
        mark = chr(_FIRST_INDEX + i)
        removable[part] = mark
        node.body = [nodes.Output([nodes.TemplateData(_OPEN + mark)]), *node.body,
                     nodes.Output([nodes.TemplateData(_CLOSE + mark)])]
    code = env.compile(ast, template.name, template.filename)
    return Marked(env.template_class.from_code(env, code, template.globals, None), removable)


def leave_out(raw: str, parts: Iterable[str], m: Marked) -> str:
    """The marked output *raw* with the blocks of *parts* cut and the markers removed (the
    caller passes only parts the render asked about)."""
    for part in parts:
        mark = m.removable[part]
        raw = re.sub(f"{_OPEN}{mark}.*?{_CLOSE}{mark}", "", raw, flags=re.DOTALL)
    return _MARKERS.sub("", raw)


def data_is_safe(data: Any) -> bool:
    """True when no string in *data* holds a character the markers use."""
    if isinstance(data, str):
        return not _RESERVED.search(data)
    if isinstance(data, Mapping):
        return all(data_is_safe(v) for v in data.values())
    if isinstance(data, list | tuple):
        return all(data_is_safe(v) for v in data)
    return True


def _keep_part(node: nodes.Node) -> str | None:
    """``p`` when *node* is the call ``keep("p")``."""
    if (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
            and node.node.name == "keep" and len(node.args) == 1 and not node.kwargs
            and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


def _uses_keep(node: nodes.Node) -> bool:
    return any(n.name == "keep" for n in node.find_all(nodes.Name))


def _test_part(test: nodes.Node, in_loop: bool) -> str | None:
    part = _keep_part(test)
    if part is not None:
        return part
    if isinstance(test, nodes.And):
        for one, other in ((test.left, test.right), (test.right, test.left)):
            part = _keep_part(one)
            if part is not None and not _uses_keep(other):
                return part
    if isinstance(test, nodes.Or) and not in_loop:
        part = _keep_part(test.right)
        if part is not None and not _uses_keep(test.left):
            return part
    return None


def _imported(env: Environment, ast: nodes.Template) -> list[nodes.Template] | None:
    """The syntax trees of every template *ast* imports or includes (None: not known)."""
    out: list[nodes.Template] = []
    todo, seen = [ast], set()
    while todo:
        for ref in _refs(todo.pop()):
            if ref is None:
                return None
            if ref in seen:
                continue
            seen.add(ref)
            assert env.loader is not None
            tree = env.parse(env.loader.get_source(env, ref)[0])
            out.append(tree)
            todo.append(tree)
    return out


def _refs(ast: nodes.Template) -> list[str | None]:
    from jinja2 import meta

    return list(meta.find_referenced_templates(ast))


def _removable_blocks(ast: nodes.Template,
                      imported: list[nodes.Template] | None) -> dict[str, nodes.If]:
    if imported is None:
        return {}
    calls: dict[str, int] = {}
    keep_names = 0
    for tree in (ast, *imported):
        for call in tree.find_all(nodes.Call):
            part = _keep_part(call)
            if part is not None:
                # A part asked about in an imported template never counts as a plain block.
                calls[part] = calls.get(part, 0) + (1 if tree is ast else 2)
                keep_names += 1
        keep_names -= sum(1 for n in tree.find_all(nodes.Name) if n.name == "keep")
    if keep_names != 0:
        return {}  # keep used other than as keep("…"): leave the template alone
    found: dict[str, nodes.If] = {}

    def walk(node: nodes.Node, in_loop: bool) -> None:
        if isinstance(node, nodes.If) and not node.elif_ and not node.else_:
            part = _test_part(node.test, in_loop)
            if (part is not None and calls.get(part) == 1
                    and not any(isinstance(n, _NOT_IN_BODY)
                                for b in node.body for n in (b, *b.find_all(nodes.Node)))):
                found[part] = node
        deeper = in_loop or isinstance(node, nodes.For | nodes.Macro | nodes.CallBlock)
        for child in node.iter_child_nodes():
            walk(child, deeper)

    walk(ast, False)
    return found
