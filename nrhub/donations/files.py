"""Files of the donation loop: data-wiping certificates (PDF or image); the lots' photos
go through :mod:`nrhub.photos`.

A certificate is never trusted by its name or Content-Type: a PDF must start with the
``%PDF-`` header and end with an ``%%EOF`` marker; anything else must decode as an image
and is re-encoded like a photo. Stored names are random and checked on every read.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from nrhub import uploads

MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024
CERTIFICATE_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png|webp)$")
# The type of a stored file, by the extension it was given after its content was checked.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}


class CertificateError(ValueError):
    """The certificate file is refused; the message is translated."""


@dataclass(frozen=True)
class Certificate:
    content_type: str
    extension: str
    data: bytes


def check_certificate(data: bytes) -> Certificate:
    """A PDF (header and end marker checked) or a JPEG, PNG or WebP image (re-encoded)."""
    if not data:
        raise CertificateError(_("Le fichier du certificat est vide."))
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise CertificateError(_("Le certificat dépasse 10 Mo : réduisez-le avant de l'envoyer."))
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise CertificateError(_("Ce PDF est incomplet ou endommagé (marqueur de fin absent)."))
        return Certificate("application/pdf", "pdf", data)
    try:
        image = uploads.process_image(data)
    except uploads.ImageError as err:
        raise CertificateError(
            _(
                "Le certificat doit être un PDF ou une image JPEG, PNG ou WebP lisible "
                "(le contenu est vérifié, pas seulement le nom)."
            )
        ) from err
    return Certificate(image.content_type, image.extension, image.data)


def _directory() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "certificats"


def certificate_path(name: str) -> Path:
    if not CERTIFICATE_NAME.fullmatch(name):
        raise CertificateError(_("Nom de fichier refusé."))
    return _directory() / name


def certificate_name(certificate: Certificate) -> str:
    """A new random name for the certificate's file."""
    return f"{secrets.token_hex(16)}.{certificate.extension}"


def write_certificate(name: str, certificate: Certificate) -> None:
    path = certificate_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(certificate.data)
