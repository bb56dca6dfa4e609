"""The OCDS package checked by the OCDS Data Review Tool's library (libcoveocds): no schema
error, and no conformance error once the hub's real prefix is set.

The library reads the standard's schema from its archive and the extensions' files from
their URLs; here both come from tests/data/ocds-1.1.5 (see its NOTICE), and any other
request fails the test: it runs offline, and a check that could not run is a failure,
never a skip.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import requests
import urllib3
from libcoveocds import api as libcove_api
from requests.adapters import HTTPAdapter

from nrhub.opendata import ocds

OCDS = Path(__file__).resolve().parent.parent / "data" / "ocds-1.1.5"
EXTENSION = OCDS / "extensions" / "sustainability"


def standard_archive() -> bytes:
    """The standard's 1__1__5 archive as the library expects it: a top folder, then
    schema/ with the release schema, the package schemas and the codelists."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        archive.write(
            OCDS / "release-package-schema.json",
            "standard-1__1__5/schema/release-package-schema.json",
        )
        for path in sorted((OCDS / "schema").rglob("*")):
            if path.is_file():
                name = path.relative_to(OCDS / "schema").as_posix()
                archive.write(path, f"standard-1__1__5/schema/{name}")
    return out.getvalue()


# Where the library fetches an extension hosted on GitHub: the archive of its branch.
EXTENSION_ARCHIVE = (
    "https://github.com/open-contracting-extensions/ocds_sustainability_extension/"
    "archive/master.zip"
)


def _local_files() -> dict[str, bytes]:
    """The extension's files by their raw URLs, and its archive."""
    base = ocds.SUSTAINABILITY_EXTENSION.removesuffix("extension.json")
    files = {
        base + path.relative_to(EXTENSION).as_posix(): path.read_bytes()
        for path in sorted(EXTENSION.rglob("*"))
        if path.is_file()
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("ocds_sustainability_extension-master/", "")
        for url, content in files.items():
            name = url.removeprefix(base)
            archive.writestr(f"ocds_sustainability_extension-master/{name}", content)
    files[EXTENSION_ARCHIVE] = out.getvalue()
    return files


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every HTTP request the library makes is answered from the vendored files; an
    unknown URL raises (and is listed), as it would without network."""
    files = _local_files()
    asked: list[str] = []

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(request.url)
        content = files.get(request.url)
        if content is None:
            raise requests.ConnectionError(f"no network in tests: {request.url}")
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(content),
            headers={"Content-Type": "application/octet-stream"},
            status=200,
            preload_content=False,
            request_url=request.url,
        )
        return self.build_response(request, raw)

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return asked


def _review(client, campaign_id: int, output_dir: Path) -> dict:  # type: ignore[no-untyped-def]
    package = client.get(f"/campagnes/{campaign_id}/ocds.json").get_json()
    return libcove_api.ocds_json_output(
        str(output_dir),
        json_data=json.loads(json.dumps(package)),
        lib_cove_ocds_config=libcove_api.LibCoveOCDSConfig(
            {"standard_zip": standard_archive(), "context": "api"}
        ),
    )


def test_libcoveocds_finds_no_error_with_a_registered_prefix(
    consolidated, client, app, offline, tmp_path
):
    app.config["OCDS_OCID_PREFIX"] = "ocds-a1b2c3"
    result = _review(client, consolidated.campaign.id, tmp_path)
    assert result["validation_errors"] == []
    assert not result.get("conformance_errors")
    assert result["extensions"]["extensions"][0]["url"] == ocds.SUSTAINABILITY_EXTENSION
    assert not result["extensions"]["invalid_extension"]
    assert not result.get("additional_closed_codelist_values")
    assert all(url in _local_files() for url in offline), offline


def test_libcoveocds_flags_the_placeholder_prefix(consolidated, client, offline, tmp_path):
    result = _review(client, consolidated.campaign.id, tmp_path)
    assert result["validation_errors"] == []
    assert result.get("conformance_errors")
