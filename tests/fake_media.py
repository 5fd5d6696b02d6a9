"""Images as the fake platforms read them (what arrives in an upload or at an image URL)."""

from __future__ import annotations

import hashlib
import io

from PIL import Image


def image_problem(data: bytes) -> str | None:
    """None when *data* is a complete, decodable image; else what is wrong."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
    except Exception as exc:
        return f"broken image: {exc}"
    return None


def check_jpeg(data: bytes) -> str | None:
    """None when *data* is a complete, decodable JPEG; else what is wrong."""
    if not data.startswith(b"\xff\xd8\xff"):
        return "not a JPEG"
    return image_problem(data)


def image_info(data: bytes) -> tuple[str | None, int, int]:
    """Format, width and height of an image (None, 0, 0 when unreadable)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.format, im.width, im.height
    except Exception:
        return None, 0, 0


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
