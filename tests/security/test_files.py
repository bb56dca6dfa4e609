"""Oversized bodies (413, in French, problem+json under /api/) and path traversal in the
names of uploaded and served files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import update

from config import Config
from nrhub.catalog.models import ListingPhoto
from nrhub.donations.models import DonationClaim
from nrhub.extensions import db
from nrhub.uploads import MAX_IMAGE_BYTES
from tests.catalog.conftest import multipart
from tests.security.conftest import World, client_for, fingerprint, png_bytes

LIMIT = Config.MAX_CONTENT_LENGTH


def test_request_limit_is_set_above_the_largest_upload_and_below_abuse():
    assert LIMIT is not None
    assert MAX_IMAGE_BYTES * 5 < LIMIT <= 64 * 1024 * 1024


def _too_big() -> bytes:
    return b"a" * (LIMIT + 1024)


UPLOADS = [
    ("refurbisher_a", "/reconditionneur/offres/{draft_a}/photos", "photo"),
    ("refurbisher_a", "/reconditionneur/offres/import", "file"),
    ("buyer1", "/acheteur/depenses/import", "file"),
    ("buyer1", "/dons/{lot1}/photos", "photo"),
    ("refurbisher_a", "/dons/reservations/{claim_a1}/devenir", "certificate"),
    ("buyer1", "/acheteur/reparations/nouvelle", "photo"),
]


@pytest.mark.parametrize(("who", "template", "field"), UPLOADS, ids=[u[1] for u in UPLOADS])
def test_oversized_upload_gets_a_french_413_and_changes_nothing(app, world, who, template, field):
    client = client_for(app, world, who)
    body, content_type = multipart({}, field, "gros.csv", _too_big())
    before = fingerprint()
    response = client.post(template.format(**world.ids), data=body, content_type=content_type)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert '<html lang="fr"' in html
    assert "dépasse la taille autorisée" in html
    assert fingerprint() == before


def test_oversized_form_field_gets_413(app, world):
    """Text fields of a multipart form are capped much lower (MAX_FORM_MEMORY_SIZE)."""
    client = client_for(app, world, "refurbisher_a")
    body, content_type = multipart(
        {"alt_text": "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 10)}, "photo", "a.png", b"x"
    )
    url = f"/reconditionneur/offres/{world.ids['draft_a']}/photos"
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 413
    assert "dépasse la taille autorisée" in response.get_data(as_text=True)


def test_oversized_urlencoded_form_gets_413(app, world):
    # Urlencoded bodies are read whole: only MAX_CONTENT_LENGTH bounds them (the ledger
    # import carries its checked file in a hidden field, so no lower cap is possible there).
    client = client_for(app, world, "buyer1")
    response = client.post(
        "/compte",
        data=b"locale=fr&name=" + _too_big(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "dépasse la taille autorisée" in response.get_data(as_text=True)


def test_huge_password_is_refused_before_hashing(client):
    response = client.post("/connexion", data={"email": "a@b.fr", "password": "x" * 200_000})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/v1/stock"), ("PUT", "/api/v1/listings/by-sku/X-1")]
)
def test_oversized_api_body_gets_problem_json_413(app, world, method, path):
    headers = {
        "Authorization": f"Bearer {world.bearer['refurbisher_a']}",
        "Content-Type": "application/json",
    }
    response = app.test_client().open(path, method=method, data=_too_big(), headers=headers)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 413
    assert "taille" in body["detail"]


# ----------------------------------------------------------------------------- traversal

HOSTILE_NAMES = [
    "../../etc/passwd",
    "..%2F..%2Fconfig.py",
    "..%252F..%252Fconfig.py",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "config.py",
    "..",
    "%2e%2e",
    "x.png%00.png",
    "0123456789abcdef0123456789abcdef.png%00",
    "0123456789abcdef0123456789abcdef.png/../../config.py",
    "..\\..\\config.py",
    "C:%5Cwindows%5Cwin.ini",
]


@pytest.mark.parametrize(
    "prefix", ["/catalogue/photos/", "/dons/photos/", "/reparations/photos/", "/static/"]
)
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_served_file_names_never_leave_their_directory(app, world, prefix, name):
    client = client_for(app, world, "refurbisher_a")
    response = client.get(prefix + name)
    assert response.status_code in (404, 400, 308), (prefix + name, response.status_code)
    body = response.get_data()
    assert b"root:" not in body
    assert b"SECRET_KEY" not in body
    assert b"[fonts]" not in body


def test_a_tampered_stored_name_is_not_followed(app, world: World):
    """Even a name in the database that is not one of ours is never opened."""
    (Path(app.config["UPLOAD_DIR"]).parent / "secret.png").write_bytes(b"secret")
    db.session.execute(
        update(ListingPhoto)
        .where(ListingPhoto.id == world.ids["photo_a"])
        .values(filename="../secret.png")
    )
    db.session.execute(
        update(DonationClaim)
        .where(DonationClaim.id == world.ids["claim_a1"])
        .values(certificate_filename="../../secret.png", certificate_content_type="image/png")
    )
    db.session.commit()
    owner = client_for(app, world, "refurbisher_a")
    assert owner.get("/catalogue/photos/..%2Fsecret.png").status_code == 404
    response = owner.get(f"/dons/reservations/{world.ids['claim_a1']}/certificat")
    assert response.status_code == 404
    assert b"secret" not in response.get_data()


# A name holding a NUL is refused with a 400 before any view (tests/security/test_input.py).
@pytest.mark.parametrize("name", ["../../../../tmp/evil.png", "/tmp/evil.png"])  # noqa: S108
def test_uploaded_file_names_are_never_used_as_paths(app, world, name, tmp_path):
    client = client_for(app, world, "refurbisher_a")
    body, content_type = multipart({"alt_text": "Vue"}, "photo", name, png_bytes())
    url = f"/reconditionneur/offres/{world.ids['draft_a']}/photos"
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 302
    upload_dir = Path(app.config["UPLOAD_DIR"])
    stored = {p.relative_to(upload_dir).as_posix() for p in upload_dir.rglob("*") if p.is_file()}
    assert stored, "nothing stored"
    for path in stored:
        assert "evil" not in path
        assert "/" not in path or path.startswith("certificats/") or path.count("/") == 1
    assert not Path("/tmp/evil.png").exists()  # noqa: S108
    assert not list(tmp_path.parent.glob("evil*"))


def test_import_file_names_are_only_a_format_hint(app, world):
    client = client_for(app, world, "buyer1")
    csv = "date;categorie;quantite;montant_ht;nature;fournisseur\n15/03/2025;laptop;1;10;neuf;A\n"
    response = client.post(
        "/acheteur/depenses/import",
        data={"file": (io.BytesIO(csv.encode()), "../../../../etc/passwd")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "root:" not in response.get_data(as_text=True)
