"""The OCDS package checked by the OCDS Data Review Tool's library (libcoveocds), when it is
installed: no schema error, and no conformance error once the hub's real prefix is set."""

from __future__ import annotations

import json

import pytest

libcove_api = pytest.importorskip("libcoveocds.api")


def _review(client, campaign_id: int) -> dict:  # type: ignore[no-untyped-def]
    package = client.get(f"/campagnes/{campaign_id}/ocds.json").get_json()
    try:
        return libcove_api.ocds_json_output(json_data=json.loads(json.dumps(package)))
    except OSError as err:  # the library fetches the OCDS schema over the network
        pytest.skip(f"OCDS schema not reachable: {err}")


def test_libcoveocds_finds_no_error_with_a_registered_prefix(consolidated, client, app):
    app.config["OCDS_OCID_PREFIX"] = "ocds-a1b2c3"
    result = _review(client, consolidated.campaign.id)
    assert result["validation_errors"] == []
    assert not result.get("conformance_errors")


def test_libcoveocds_flags_the_placeholder_prefix(consolidated, client):
    result = _review(client, consolidated.campaign.id)
    assert result.get("conformance_errors")
