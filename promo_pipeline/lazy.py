"""Names a package exports but imports only on first use (PEP 562 module ``__getattr__``).

Settings read: none.

A package whose parts pull in heavy libraries (Pillow, Jinja2, requests) lists those names
here, so importing the package — or a light module inside it, such as a table owner — does not
pay for them: ``__getattr__ = lazy.exports(__name__, {"name": "package.module", ...})``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for *package* that imports each of *names* from its module
    (``name → module path``) when first asked for, and keeps it."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
