"""The ``when`` condition of a template layer: a tiny expression language, never ``eval``.

Grammar (keywords are lower case)::

    expr    := and_expr ("or" and_expr)*
    and_expr:= not_expr ("and" not_expr)*
    not_expr:= "not" not_expr | compare
    compare := value [("==" | "!=" | "<" | "<=" | ">" | ">=") value]
             | value ["not"] "in" "[" literal ("," literal)* "]"
    value   := field | literal | "(" expr ")"
    literal := number | 'string' | "string" | true | false

Fields come from a whitelist with declared types (see :mod:`.fields`), so a condition that names
an unknown field, or compares a number with a string, is rejected when the template is loaded.
Examples: ``has_photo``, ``not has_photo``, ``category == 'Mobil'``, ``days_left <= 3``,
``category in ['Mobil', 'Motor'] and not is_urgent``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>-?\d+(?:\.\d+)?)
      | (?P<str>'[^'\\]*'|"[^"\\]*")
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


class ConditionError(ValueError):
    """A condition that does not parse or names an unknown field (message says why)."""


@dataclass(frozen=True)
class Condition:
    """A parsed condition: call :meth:`evaluate` with the field values."""

    source: str
    fields: frozenset[str]
    _fn: Callable[[Mapping[str, Any]], Any]

    def evaluate(self, values: Mapping[str, Any]) -> bool:
        return bool(self._fn(values))


def _tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ConditionError(f"unexpected character {text[pos:].strip()[:1]!r} at "
                                 f"position {pos + 1}")
        pos = m.end()
        if m.group("num") is not None:
            raw = m.group("num")
            tokens.append(("lit", float(raw) if "." in raw else int(raw)))
        elif m.group("str") is not None:
            tokens.append(("lit", m.group("str")[1:-1]))
        elif m.group("op") is not None:
            tokens.append(("op", m.group("op")))
        else:
            name = m.group("name")
            if name in ("true", "false"):
                tokens.append(("lit", name == "true"))
            elif name in _KEYWORDS:
                tokens.append(("kw", name))
            else:
                tokens.append(("field", name))
    return tokens


def _kind(value_type: type) -> str:
    if value_type is bool:
        return "bool"
    if value_type in (int, float):
        return "number"
    return "text"


def _literal_type(value: Any) -> type:
    return bool if isinstance(value, bool) else (float if isinstance(value, float) else
                                                  int if isinstance(value, int) else str)


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]], field_types: Mapping[str, type]):
        self.tokens = tokens
        self.i = 0
        self.field_types = field_types
        self.used: set[str] = set()

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, kind: str | None = None, value: Any = None) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None:
            raise ConditionError("unexpected end of condition")
        if (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            want = value if value is not None else kind
            raise ConditionError(f"expected {want!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def accept(self, kind: str, value: Any) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == kind and tok[1] == value:
            self.i += 1
            return True
        return False

    # Each parse method returns (function, type-kind).
    def expr(self):
        fn, kind = self.and_expr()
        while self.accept("kw", "or"):
            rhs, _ = self.and_expr()
            fn = (lambda a, b: lambda v: a(v) or b(v))(fn, rhs)
            kind = "bool"
        return fn, kind

    def and_expr(self):
        fn, kind = self.not_expr()
        while self.accept("kw", "and"):
            rhs, _ = self.not_expr()
            fn = (lambda a, b: lambda v: a(v) and b(v))(fn, rhs)
            kind = "bool"
        return fn, kind

    def not_expr(self):
        if self.accept("kw", "not"):
            inner, _ = self.not_expr()
            return (lambda a: lambda v: not a(v))(inner), "bool"
        return self.compare()

    def compare(self):
        left, lkind = self.value()
        tok = self.peek()
        if tok is None:
            return left, lkind
        negate = False
        if tok == ("kw", "not"):
            nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
            if nxt == ("kw", "in"):
                self.i += 1
                negate = True
                tok = self.peek()
        if tok == ("kw", "in"):
            self.i += 1
            items = self.literal_list()
            for item in items:
                if _kind(_literal_type(item)) != lkind:
                    raise ConditionError(f"cannot test a {lkind} value against {item!r}")
            options = tuple(items)
            fn = (lambda a, opts, neg: lambda v: (a(v) in opts) != neg)(left, options, negate)
            return fn, "bool"
        if tok[0] == "op" and tok[1] in _COMPARE:
            self.i += 1
            op = tok[1]
            right, rkind = self.value()
            if lkind != rkind:
                raise ConditionError(f"cannot compare a {lkind} value with a {rkind} value")
            if op in ("<", "<=", ">", ">=") and lkind != "number":
                raise ConditionError(f"'{op}' needs numbers, not {lkind} values")
            cmp = _COMPARE[op]
            return (lambda a, b, c: lambda v: c(a(v), b(v)))(left, right, cmp), "bool"
        return left, lkind

    def literal_list(self) -> list[Any]:
        self.take("op", "[")
        items = [self.take("lit")[1]]
        while self.accept("op", ","):
            items.append(self.take("lit")[1])
        self.take("op", "]")
        return items

    def value(self):
        tok = self.take()
        kind, val = tok
        if kind == "op" and val == "(":
            fn = self.expr()
            self.take("op", ")")
            return fn
        if kind == "lit":
            return (lambda x: lambda v: x)(val), _kind(_literal_type(val))
        if kind == "field":
            if val not in self.field_types:
                raise ConditionError(f"unknown field {val!r}")
            self.used.add(val)
            return (lambda name: lambda v: v.get(name))(val), _kind(self.field_types[val])
        raise ConditionError(f"unexpected {val!r}")


def parse(text: str, field_types: Mapping[str, type]) -> Condition:
    """Parse *text*; *field_types* maps each allowed field to ``bool``, ``int`` or ``str``."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("empty condition")
    parser = _Parser(_tokenize(text), field_types)
    fn, _ = parser.expr()
    if parser.peek() is not None:
        raise ConditionError(f"unexpected {parser.peek()[1]!r} after the condition")
    return Condition(source=text.strip(), fields=frozenset(parser.used), _fn=fn)
