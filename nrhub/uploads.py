"""Uploaded images: checked by decoding them, re-encoded, stored under random names.

The file name and the browser's Content-Type are never trusted: Pillow must decode the
content as JPEG, PNG or WebP. Re-encoding drops whatever else the file carried (EXIF with
GPS positions, appended payloads); the stored name is random, so no path comes from the
person.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask_babel import gettext as _

# Register exactly the three formats we accept; Pillow would otherwise import every plugin
# on first use of WebP (slow, and a larger attack surface).
from PIL import Image, ImageOps, JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # decompression bombs: a 5 MB PNG can unfold into gigabytes
MAIN_SIZE = (1600, 1600)
THUMB_SIZE = (400, 400)

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = {ext: content_type for content_type, ext in FORMATS.values()}

# The only names the photo route accepts: what :func:`new_name` makes.
STORED_NAME = re.compile(r"^[0-9a-f]{32}(_t)?\.(jpg|png|webp)$")


class ImageError(ValueError):
    """The upload is not an acceptable image; the message (translated) is shown as is."""


@dataclass(frozen=True)
class ProcessedImage:
    content_type: str
    extension: str
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def _decode(data: bytes) -> Image.Image:
    if not data:
        raise ImageError(_("Le fichier est vide."))
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(_("L'image dépasse 5 Mo : réduisez-la avant de l'envoyer."))
    not_an_image = ImageError(
        _(
            "Ce fichier n'est pas une image JPEG, PNG ou WebP lisible "
            "(le contenu est vérifié, pas seulement le nom)."
        )
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageError(_("L'image a trop de pixels (40 millions au plus)."))
            probe.verify()
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            image.load()
    except ImageError:
        raise
    except Exception as err:  # Pillow raises many kinds on broken or hostile files
        raise not_an_image from err
    if image.format not in FORMATS:
        raise not_an_image
    return image


def _encode(image: Image.Image, fmt: str, size: tuple[int, int]) -> bytes:
    copy = image.copy()
    copy.thumbnail(size)
    if fmt == "JPEG" and copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    if fmt in ("PNG", "WEBP") and copy.mode not in ("RGB", "RGBA", "L", "LA"):
        copy = copy.convert("RGBA")
    out = io.BytesIO()
    by_format: dict[str, dict[str, object]] = {
        "JPEG": {"quality": 85, "optimize": True},
        "WEBP": {"quality": 85},
        "PNG": {"optimize": True},
    }
    options = by_format[fmt]
    copy.save(out, format=fmt, **options)
    return out.getvalue()


def process_image(data: bytes) -> ProcessedImage:
    """Decode, orient, re-encode in the same format, and make a thumbnail."""
    image = _decode(data)
    fmt = str(image.format)
    content_type, extension = FORMATS[fmt]
    oriented = ImageOps.exif_transpose(image) or image
    return ProcessedImage(
        content_type=content_type,
        extension=extension,
        data=_encode(oriented, fmt, MAIN_SIZE),
        thumbnail=_encode(oriented, fmt, THUMB_SIZE),
        width=oriented.width,
        height=oriented.height,
    )


class Upload(Protocol):
    """An uploaded file as Werkzeug gives it (a ``FileStorage``)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


def read_upload(upload: Upload, limit: int = -1) -> bytes:
    """The uploaded bytes (at most ``limit`` when given); the spooled temporary file is
    closed at once."""
    try:
        return bytes(upload.read(limit))
    finally:
        upload.close()


def new_name(extension: str) -> tuple[str, str]:
    """A random stored name and its thumbnail's name."""
    stem = secrets.token_hex(16)
    return f"{stem}.{extension}", f"{stem}_t.{extension}"


def safe_path(directory: str | Path, name: str) -> Path:
    """The path of a stored file; any name we did not make (``../``, ``/``) is refused."""
    if not STORED_NAME.fullmatch(name):
        raise ImageError(_("Nom de fichier refusé."))
    return Path(directory) / name


def store(directory: str | Path, name: str, data: bytes) -> None:
    path = safe_path(directory, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def remove(directory: str | Path, name: str) -> None:
    try:
        safe_path(directory, name).unlink(missing_ok=True)
    except ImageError:
        return


# ------------------------------------------------------------------------------- PDF files

MAX_PDF_BYTES = 10 * 1024 * 1024
STORED_PDF_NAME = re.compile(r"^[0-9a-f]{32}\.pdf$")


class PdfError(ValueError):
    """The upload is not an acceptable PDF; the message (translated) is shown as is."""


def check_pdf(data: bytes) -> bytes:
    """A PDF is accepted on its content: the ``%PDF-`` header and an ``%%EOF`` end marker
    (never on its name or the browser's Content-Type)."""
    if not data:
        raise PdfError(_("Le fichier est vide."))
    if len(data) > MAX_PDF_BYTES:
        raise PdfError(_("Le fichier dépasse 10 Mo : réduisez-le avant de l'envoyer."))
    if not data.startswith(b"%PDF-"):
        raise PdfError(
            _("Ce fichier n'est pas un PDF (le contenu est vérifié, pas seulement le nom).")
        )
    if b"%%EOF" not in data[-2048:]:
        raise PdfError(_("Ce PDF est incomplet ou endommagé (marqueur de fin absent)."))
    return data


def new_pdf_name() -> str:
    return f"{secrets.token_hex(16)}.pdf"


def safe_pdf_path(directory: str | Path, name: str) -> Path:
    """The path of a stored PDF; any name we did not make is refused."""
    if not STORED_PDF_NAME.fullmatch(name):
        raise PdfError(_("Nom de fichier refusé."))
    return Path(directory) / name
