"""Plain text from the lelang.go.id API's strings, which may hold HTML.

Settings read: none. Pure.

BeautifulSoup reads the HTML: ``m<sup>2</sup>`` becomes ``m²``, entities are unescaped,
``<br>``/``</p>``/``<li>`` become line breaks (kept in multi-line fields, spaces in one-line
ones), scripts and styles are dropped; then control characters go and whitespace is normalised.
:mod:`promo_pipeline.parse` cleans every text field of a lot with :func:`clean_text`.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_BLOCK_TAGS = ["p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
               "section", "article", "blockquote", "pre"]


def clean_text(value: Any, *, multiline: bool = False) -> str | None:
    """Plain text from an API string that may hold HTML; None when nothing is left.

    Numbers become their text; lists, dicts and booleans are not text (None).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    if "<" in text or "&" in text:
        text = _strip_html(text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    result = ("\n" if multiline else " ").join(lines)
    return result or None


def _strip_html(text: str) -> str:
    with warnings.catch_warnings():
        # BeautifulSoup warns when a fragment looks like a URL or file name; it is still text.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "template", "head"]):
        tag.decompose()
    for sup in soup.find_all("sup"):
        inner = sup.get_text()
        if inner and inner.translate(_SUPERSCRIPT) != inner and all(
            c in "0123456789+-=()n" for c in inner
        ):
            sup.replace_with(inner.translate(_SUPERSCRIPT))
        else:
            sup.unwrap()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return soup.get_text()
