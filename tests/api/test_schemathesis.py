"""Property-based run of the whole OpenAPI document against the Flask app (WSGI): for every
operation, generated requests (valid and invalid) sent with a coordinator's token and with
a buyer's or a refurbisher's never get a server error nor a response outside the schema.

Bounded and deterministic: few examples per operation, derandomised, no example database,
no shrinking (a failure still prints the request that caused it)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config import TestingConfig
from nrhub import create_app
from nrhub.api.core import KEY_PATTERN
from nrhub.extensions import db
from tests.api.conftest import bearer
from tests.factories import ListingFactory


def _served_document() -> dict[str, Any]:
    """GET /api/v1/openapi.json, read once at collection from an app without a database."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    return app.test_client().get("/api/v1/openapi.json").get_json()  # type: ignore[no-any-return]


# Each test sends its requests to its own app (WSGI, in process): passed to each call, and
# set on the schema for the probes some checks send. (schemathesis.pytest.from_fixture
# would load it from a fixture, but its lazy loader relies on a pytest internal,
# Item._nodeid, that pytest 9 no longer has.)
schema = schemathesis.openapi.from_dict(_served_document())


def _member_role(case) -> str:  # type: ignore[no-untyped-def]
    """The member role this operation is written for (refurbisher or buyer)."""
    description = case.operation.definition.raw.get("description", "")
    return "refurbisher" if "Rôle : refurbisher" in description else "buyer"


# Business rules no JSON schema can state (one field against another, against the
# calendar or against stored data: closing after opening, a price tier below the base
# price, a known category code, an amount unless a donation, a valid SIRET key...). A
# request that fits the schema but breaks one of them gets 422 naming the refused field;
# these are the fields each operation may name. Anything else refusing valid data fails.
RULE_FIELDS = {
    "POST /api/v1/campaigns": {
        "title", "opens_at", "closes_at", "delivery_from", "delivery_to", "categories",
        "clause_ids",
    },
    "POST /api/v1/campaigns/{id}/transitions": {"reason"},
    "POST /api/v1/campaigns/{id}/offers": {"quantity", "tiers", "listing_id"},
    "POST /api/v1/deliveries/{id}/shipment": {"shipped_on", "serials"},
    "POST /api/v1/deliveries/{id}/receipt": {"received_on", "lines", "comment"},
    "POST /api/v1/expenses": {
        "spent_on", "category", "quantity", "amount_ht", "donation_age_bracket",
        "supplier_siret", "clause_ids",
    },
    "PUT /api/v1/listings/by-sku/{sku}": {
        "sku", "category", "brand", "model", "unit_price_ht", "price_tiers", "status",
        "repairability_index", "screen_inches", "vat_rate",
        # Read-only fields of the GET representation: refused when they differ from the
        # stored listing, or when there is none yet.
        "id", "refurbisher", "created_at", "updated_at", "published_at",
    },
    "POST /api/v1/stock": {"items"},
    "PUT /api/v1/campaigns/{id}/order": {"lines"},
}  # fmt: skip
ACCEPTED = {401, 403, 404, 409, 429}  # besides 2xx and 3xx: schemathesis' own list


def _field(path: str) -> str:
    return path.split(".")[0]


def valid_data_accepted_or_refused_by_a_rule(ctx, response, case):  # type: ignore[no-untyped-def]
    """positive_data_acceptance, except a 422 naming a field that RULE_FIELDS allows."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status in ACCEPTED or status >= 500:  # 5xx: not_a_server_error
        return None
    allowed = RULE_FIELDS.get(case.operation.label, set())
    errors = (response.json() or {}).get("errors") or {} if status == 422 else {}
    fields = {_field(path) for path in errors}
    assert fields and fields <= allowed, (
        f"Valid data refused with {status} by {case.operation.label}: {response.text[:300]}"
    )
    return None


def _unique_idempotency_key(case) -> None:  # type: ignore[no-untyped-def]
    """A well-formed generated key gets a unique suffix: reusing a key for another request
    is rightly refused (422) and would only test the generator's repetitions."""
    key = (case.headers or {}).get("Idempotency-Key")
    if key is not None and re.fullmatch(KEY_PATTERN, key):
        case.headers["Idempotency-Key"] = f"{key[:160]}-{uuid.uuid4().hex}"


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    # Health checks judge the generator, not the API: the function-scoped app fixture
    # (each operation gets a fresh database) and slow shared CI cores would trip them.
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case, app, people):  # type: ignore[no-untyped-def]
    if not people.get("_ready"):  # once per operation: a listing, and the tokens
        ListingFactory(refurbisher=people["refurbisher"].organisation, sku="T480-1", quantity=5)
        db.session.commit()
        people["_ready"] = {r: bearer(people[r]) for r in ("coordinator", "buyer", "refurbisher")}
    case.operation.schema.app = app  # parametrize works on a copy of the schema
    for role in ("coordinator", _member_role(case)):
        _unique_idempotency_key(case)
        case.call_and_validate(
            app=app,
            headers=people["_ready"][role],
            excluded_checks=[positive_data_acceptance],
            additional_checks=[valid_data_accepted_or_refused_by_a_rule],
        )
