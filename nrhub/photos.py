"""Photos: one component for the listings, the donation lots and the repair requests.

Each area keeps its own table (a listing's photo cascades with the listing, a lot's with
the lot) but declares it with :class:`PhotoFile` (and :class:`DescribedPhoto` when the
photos are ordered and described), and uses the functions below to check an upload, add
a photo, remove one and serve a stored file. The images themselves are checked and
re-encoded by :mod:`nrhub.uploads`.

Files are stored before the commit, so that a committed photo always has its files (a
rolled back transaction leaves unreferenced files under random names); they are removed
only once the removal is committed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Response, abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import ColumnElement, String, func, select
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column
from wtforms import StringField
from wtforms.validators import Length, Optional

from nrhub import uploads
from nrhub.db import UTCDateTime, utcnow
from nrhub.errors import ValidationError
from nrhub.extensions import db
from nrhub.forms import Form
from nrhub.transactions import after_commit

MAX_PHOTOS = 5  # per listing, per lot and per repair request


class PhotoFile:
    """The columns of a stored photo: its file, its thumbnail and their Content-Type."""

    if TYPE_CHECKING:  # each table declares its own key; the model's constructor takes columns
        id: Mapped[int]

        def __init__(self, **columns: Any) -> None: ...

    filename: Mapped[str] = mapped_column(String(80), unique=True)
    thumbnail: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DescribedPhoto(PhotoFile):
    """A photo shown in an order chosen by its owner, with a text for screen readers."""

    alt_text: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)


class PhotoForm(Form):
    photo = FileField(
        _l("Photo (JPEG, PNG ou WebP, 5 Mo au plus)"),
        validators=[FileRequired(_l("Choisissez une image à envoyer."))],
    )
    alt_text = StringField(
        _l("Description de la photo pour les personnes non voyantes"),
        validators=[Optional(), Length(max=200)],
    )


def read_photo(upload: uploads.Upload) -> bytes:
    """The uploaded bytes, one more than the largest image accepted (enough to refuse it)."""
    return uploads.read_upload(upload, uploads.MAX_IMAGE_BYTES + 1)


def upload_dir() -> str:
    return str(current_app.config["UPLOAD_DIR"])


def check_image(data: bytes, *, field: str = "photo") -> uploads.ProcessedImage:
    """The upload decoded and re-encoded, or a refusal on ``field``."""
    try:
        return uploads.process_image(data)
    except uploads.ImageError as err:
        raise ValidationError(str(err), field=field) from err


def count_and_last_position(
    model: type[DescribedPhoto], owner_column: InstrumentedAttribute[int], owner_id: int
) -> tuple[int, int]:
    """How many photos the owner has, and the position of its last one (0 if none)."""
    count, last = db.session.execute(
        select(func.count(model.id), func.max(model.position)).where(owner_column == owner_id)
    ).one()
    return int(count), int(last or 0)


P = TypeVar("P", bound=PhotoFile)


def add_photo(model: type[P], image: uploads.ProcessedImage, **columns: Any) -> P:
    """A new row of ``model`` for the image (``columns`` name its owner), flushed, and the
    image's two files stored under new random names."""
    name, thumb = uploads.new_name(image.extension)
    photo = model(filename=name, thumbnail=thumb, content_type=image.content_type, **columns)
    db.session.add(photo)
    db.session.flush()
    directory = upload_dir()
    uploads.store(directory, name, image.data)
    uploads.store(directory, thumb, image.thumbnail)
    return photo


def delete_photo(photo: PhotoFile) -> None:
    """Delete the photo's row; its files go once the deletion is committed, never before."""
    names = (photo.filename, photo.thumbnail)
    db.session.delete(photo)
    db.session.flush()
    directory = upload_dir()

    def remove_files() -> None:
        for name in names:
            uploads.remove(directory, name)

    after_commit(remove_files)


def names_of(model: type[PhotoFile], name: str) -> ColumnElement[bool]:
    """The condition "this row stores ``name``", as its file or as its thumbnail."""
    return (model.filename == name) | (model.thumbnail == name)


def is_stored_name(name: str) -> bool:
    """Only the names :func:`nrhub.uploads.new_name` makes reach the database."""
    return uploads.STORED_NAME.fullmatch(name) is not None


def send_photo(name: str, content_type: str, *, max_age: int, public: bool = True) -> Response:
    """A stored photo or thumbnail with the Content-Type found when it was decoded; 404 when
    the file is missing. A photo that is not public may be kept by no shared cache."""
    path = uploads.safe_path(upload_dir(), name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, max_age=max_age)
    if not public:
        response.cache_control.public = False
        response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
