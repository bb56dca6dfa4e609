"""Listing photos: decoded, re-encoded, random names, served with the checked type."""

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from nrhub.catalog.models import ListingPhoto
from nrhub.extensions import db
from tests.catalog.conftest import draft, image_bytes, make_listing, multipart
from tests.conftest import login


def _upload(client, listing_id, data: bytes, name: str = "photo.png"):
    body, content_type = multipart({"alt_text": "Vue de face"}, "photo", name, data)
    return client.post(
        f"/reconditionneur/offres/{listing_id}/photos", data=body, content_type=content_type
    )


def _photos() -> int:
    return db.session.execute(select(func.count(ListingPhoto.id))).scalar_one()


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_photo_upload_is_reencoded_and_served_with_checked_type(
    app, client, people, fmt, content_type
):
    listing = make_listing(people.refurbisher)
    login(client, people.refurbisher.email)
    response = _upload(client, listing.id, image_bytes(fmt), name="../../etc/passwd.gif")
    assert response.status_code == 302
    photo = db.session.execute(select(ListingPhoto)).scalar_one()
    assert photo.content_type == content_type
    assert "passwd" not in photo.filename
    assert sorted(os.listdir(app.config["UPLOAD_DIR"])) == sorted([photo.filename, photo.thumbnail])
    client.post("/deconnexion")
    for name in (photo.filename, photo.thumbnail):
        served = client.get(f"/catalogue/photos/{name}")
        assert served.status_code == 200
        assert served.headers["Content-Type"] == content_type
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(served.data)).format == fmt
        served.close()


def test_pdf_renamed_jpg_is_refused(client, people):
    listing = make_listing(people.refurbisher)
    login(client, people.refurbisher.email)
    response = _upload(client, listing.id, b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", name="photo.jpg")
    assert response.status_code == 422
    assert "pas une image JPEG, PNG ou WebP lisible" in response.get_data(as_text=True)
    assert _photos() == 0


def test_image_over_5_mb_is_refused(client, people):
    listing = make_listing(people.refurbisher)
    login(client, people.refurbisher.email)
    big = image_bytes("PNG") + b"\0" * (5 * 1024 * 1024)
    response = _upload(client, listing.id, big)
    assert response.status_code == 422
    assert "L&#39;image dépasse 5 Mo" in response.get_data(
        as_text=True
    ) or "dépasse 5 Mo" in response.get_data(as_text=True)
    assert _photos() == 0


def test_50_mb_upload_gets_413_french_page(client, people):
    listing = make_listing(people.refurbisher)
    login(client, people.refurbisher.email)
    response = _upload(client, listing.id, b"\xff" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "dépasse la taille autorisée" in response.get_data(as_text=True)
    assert _photos() == 0


def test_sixth_photo_is_refused(client, people):
    listing = make_listing(people.refurbisher)
    login(client, people.refurbisher.email)
    for _ in range(5):
        assert _upload(client, listing.id, image_bytes()).status_code == 302
    response = _upload(client, listing.id, image_bytes())
    assert response.status_code == 422
    assert "Une offre a au plus 5 photos." in response.get_data(as_text=True)
    assert _photos() == 5


def test_photo_removed_with_its_files(app, client, people):
    listing = make_listing(people.refurbisher)
    login(client, people.refurbisher.email)
    _upload(client, listing.id, image_bytes())
    photo = db.session.execute(select(ListingPhoto)).scalar_one()
    response = client.post(f"/reconditionneur/offres/{listing.id}/photos/{photo.id}/supprimer")
    assert response.status_code == 302
    assert _photos() == 0
    assert os.listdir(app.config["UPLOAD_DIR"]) == []


@pytest.mark.parametrize("name", ["..%2F..%2Fconfig.py", "%2e%2e", "abc.png", "0" * 32 + ".gif"])
def test_photo_route_rejects_names_it_did_not_make(client, name):
    assert client.get(f"/catalogue/photos/{name}").status_code == 404


def test_photo_of_a_draft_is_hidden_from_others(client, people):
    listing = draft(people.refurbisher)
    login(client, people.refurbisher.email)
    _upload(client, listing.id, image_bytes())
    photo = db.session.execute(select(ListingPhoto)).scalar_one()
    served = client.get(f"/catalogue/photos/{photo.filename}")
    assert served.status_code == 200
    served.close()
    client.post("/deconnexion")
    assert client.get(f"/catalogue/photos/{photo.filename}").status_code == 404
    login(client, people.other_refurbisher.email)
    assert client.get(f"/catalogue/photos/{photo.filename}").status_code == 404
    assert _upload(client, listing.id, image_bytes()).status_code == 404
    assert _photos() == 1
