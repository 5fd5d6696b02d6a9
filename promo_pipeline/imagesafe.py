"""Opening untrusted images safely (lot photos, uploaded logos). Shared by collect and render.

- format allowlist by magic bytes (JPEG, PNG, WebP): EPS, SVG, TIFF, GIF... are refused before
  any decoder runs, so Ghostscript is never involved;
- Pillow's decompression-bomb check turned into an error (warning *and* error levels), plus our
  own pixel and side limits, checked on the header before any pixel is decoded;
- truncated or corrupt files rejected (``LOAD_TRUNCATED_IMAGES`` stays False);
- EXIF orientation applied; JPEG draft mode used when a target size is given, so a 12 MP photo is
  decoded at 1/2, 1/4 or 1/8 scale when that is enough.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageFile, ImageOps

from promo_pipeline.errors import PhotoError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_SIDE = 10_000

# Never decode a partial image silently; a truncated photo is a bad photo.
ImageFile.LOAD_TRUNCATED_IMAGES = False


def _source(data: bytes | str | Path) -> io.BytesIO:
    # Read files into memory first (they are size-capped on download): Pillow keeps a file it
    # opened itself open when decoding fails, which leaks a descriptor per bad photo.
    if isinstance(data, bytes | bytearray):
        return io.BytesIO(data)
    try:
        return io.BytesIO(Path(data).read_bytes())
    except OSError as exc:
        raise PhotoError(f"cannot read image file: {exc}") from None


def probe(
    data: bytes | str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = DEFAULT_MAX_SIDE,
) -> tuple[str, int, int]:
    """Fully validate an image; returns ``(format, width, height)`` or raises PhotoError.

    The header is checked first (format, size limits), then every pixel is decoded once to
    catch truncated and corrupt files.
    """
    im = open_image(data, max_pixels=max_pixels, max_side=max_side, transpose=False)
    fmt = im.info.get("_promo_format", "")
    return fmt, im.width, im.height


def open_image(
    data: bytes | str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = DEFAULT_MAX_SIDE,
    draft_size: tuple[int, int] | None = None,
    transpose: bool = True,
) -> Image.Image:
    """Open, validate and fully load an untrusted image; raises :class:`PhotoError`.

    *draft_size* is the smallest size the caller needs (already oriented); for JPEG the decoder
    then works at the largest 1/2ⁿ scale that still covers it.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(_source(data), formats=list(ALLOWED_FORMATS))
            fmt = im.format or ""
            w, h = im.size
            if w <= 0 or h <= 0 or w * h > max_pixels or max(w, h) > max_side:
                raise PhotoError(f"image too large: {w}×{h} px (limit {max_pixels} px, "
                                 f"{max_side} px a side)")
            if draft_size and fmt == "JPEG":
                orientation = im.getexif().get(0x0112, 1)
                tw, th = draft_size
                if orientation in (5, 6, 7, 8):
                    tw, th = th, tw
                im.draft("RGB", (tw, th))
            im.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(f"decompression bomb refused: {exc}") from None
    except Image.UnidentifiedImageError:
        raise PhotoError("not a JPEG, PNG or WebP image") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated and corrupt data as OSError/SyntaxError/ValueError.
        raise PhotoError(f"corrupt or truncated image: {exc}") from None
    if transpose:
        try:
            im = ImageOps.exif_transpose(im)
        except (OSError, ValueError, SyntaxError) as exc:
            raise PhotoError(f"bad EXIF data: {exc}") from None
    im.info["_promo_format"] = fmt
    return im


def to_rgb(im: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Flatten any mode (P, LA, RGBA, CMYK, I;16...) onto *background* as RGB."""
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        base = Image.new("RGB", rgba.size, background)
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return im.convert("RGB")
