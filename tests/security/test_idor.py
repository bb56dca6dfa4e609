"""Every id-bearing URL, fed with another organisation's ids: 403 or 404, never the data.

``CASES`` says, for every rule of the URL map that takes an integer, whose object its ids
name (``owner``, who must see it, as a check that the ids are right) and who must be refused
(``outsiders``). A new rule with an integer that is in neither ``CASES`` nor ``SHARED`` makes
:func:`test_every_id_bearing_rule_is_covered` fail: add it here when you add the route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.routing import IntegerConverter

from nrhub.extensions import limiter
from tests.security.conftest import World, client_for, fingerprint

Ids = Callable[[World], dict[str, int]]


@dataclass(frozen=True)
class Case:
    ids: Ids
    outsiders: tuple[str, ...]
    owner: str | None = None  # who may GET it (200): proves the ids point at a real object
    query: Callable[[World], str] = lambda w: ""
    # Per outsider: other ids to try (e.g. one's own listing with another's photo).
    mixed: dict[str, Ids] = field(default_factory=dict)
    api: bool = False
    body: Callable[[World], dict[str, Any]] | None = None  # JSON for API writes


def order_body(w: World) -> dict[str, Any]:
    return {"lines": [{"offer_id": w.ids["accepted_offer"], "quantity": 1}]}


def ids(**names: str) -> Ids:
    return lambda w: {arg: w.ids[key] for arg, key in names.items()}


NOT_COORDINATOR = ("refurbisher_a", "buyer1", "buyer2")
LISTING_A = ids(listing_id="draft_a")
OFFER_A = ids(campaign_id="open_campaign", offer_id="accepted_offer")
PENDING_OFFER_A = ids(campaign_id="open_campaign", offer_id="pending_offer")
ORDER_1 = ids(campaign_id="open_campaign", order_id="open_order")
LINE = ids(campaign_id="closed_campaign", line_id="closed_line")
DELIVERY_A1 = ids(delivery_id="delivery_a1")
ENTRY_1 = ids(entry_id="entry1")
PO_A = ids(purchase_order_id="po_a")
LOT_1 = ids(lot_id="lot1")
CLAIM_A1 = ids(claim_id="claim_a1")
MAINTENANCE_A = ids(listing_id="draft_a", offer_id="maintenance_a")
REPAIR_1 = ids(request_id="repair1")
FRAMEWORK = ids(agreement_id="framework")
FRAMEWORK_LOT = ids(agreement_id="framework", lot_id="framework_lot")
INVOICE_A1 = ids(invoice_id="invoice_a1")


def other_buyer_query(w: World) -> str:
    return f"?organisation={w.ids['buyer1']}"


CASES: dict[str, Case] = {
    # Catalogue: refurbisher A's draft listing and its photo.
    "catalog.detail": Case(
        LISTING_A, ("refurbisher_b", "buyer1", "coordinator"), owner="refurbisher_a"
    ),
    "catalog.edit": Case(LISTING_A, ("refurbisher_b", "buyer1"), owner="refurbisher_a"),
    "catalog.photos": Case(LISTING_A, ("refurbisher_b", "buyer1"), owner="refurbisher_a"),
    "catalog.publish": Case(LISTING_A, ("refurbisher_b", "buyer1")),
    "catalog.archive": Case(LISTING_A, ("refurbisher_b", "buyer1")),
    "catalog.delete_photo": Case(
        ids(listing_id="draft_a", photo_id="photo_a"),
        ("refurbisher_b", "buyer1"),
        mixed={"refurbisher_b": ids(listing_id="draft_b", photo_id="photo_a")},
    ),
    # Campaigns: a draft only the coordinator sees; A's offers; buyer 1's order.
    "campaigns.detail": Case(
        ids(campaign_id="draft_campaign"), NOT_COORDINATOR, owner="coordinator"
    ),
    "campaigns.edit": Case(ids(campaign_id="draft_campaign"), NOT_COORDINATOR),
    "campaigns.cancel": Case(ids(campaign_id="open_campaign"), NOT_COORDINATOR),
    "campaigns.open_": Case(ids(campaign_id="draft_campaign"), NOT_COORDINATOR),
    "campaigns.publish_call": Case(ids(campaign_id="draft_campaign"), NOT_COORDINATOR),
    "campaigns.close": Case(ids(campaign_id="open_campaign"), NOT_COORDINATOR),
    "campaigns.place_order": Case(ids(campaign_id="draft_campaign"), ("buyer1", "buyer2")),
    "campaigns.commit_offer": Case(
        ids(campaign_id="draft_campaign"), ("refurbisher_a", "refurbisher_b")
    ),
    "campaigns.change_offer": Case(OFFER_A, ("refurbisher_b", "buyer1")),
    "campaigns.withdraw_offer": Case(OFFER_A, ("refurbisher_b", "buyer1")),
    "campaigns.accept_offer": Case(PENDING_OFFER_A, (*NOT_COORDINATOR, "refurbisher_b")),
    "campaigns.refuse_offer": Case(PENDING_OFFER_A, (*NOT_COORDINATOR, "refurbisher_b")),
    "campaigns.order_detail": Case(
        ORDER_1, ("buyer2", "refurbisher_a", "refurbisher_b"), owner="buyer1"
    ),
    "campaigns.cancel_order": Case(ORDER_1, ("buyer2", "refurbisher_a", "refurbisher_b")),
    # Consolidation: coordinator only; A's purchase order; A's delivery to buyer 1.
    "consolidation.consolidate": Case(ids(campaign_id="closed_campaign"), NOT_COORDINATOR),
    "consolidation.confirm": Case(ids(campaign_id="closed_campaign"), NOT_COORDINATOR),
    "consolidation.override": Case(LINE, NOT_COORDINATOR),
    "consolidation.remove_override": Case(LINE, NOT_COORDINATOR),
    "consolidation.purchase_order": Case(
        PO_A, ("refurbisher_b", "buyer1", "buyer2"), owner="refurbisher_a"
    ),
    "consolidation.purchase_order_export": Case(
        PO_A, ("refurbisher_b", "buyer1", "buyer2"), owner="refurbisher_a"
    ),
    "consolidation.delivery": Case(DELIVERY_A1, ("refurbisher_b", "buyer2"), owner="buyer1"),
    "consolidation.delivery_export": Case(DELIVERY_A1, ("refurbisher_b", "buyer2"), owner="buyer1"),
    "consolidation.ship": Case(DELIVERY_A1, ("refurbisher_b", "buyer2", "buyer1")),
    "consolidation.receive": Case(DELIVERY_A1, ("buyer2", "refurbisher_b")),
    "consolidation.not_delivered": Case(DELIVERY_A1, ("buyer2", "refurbisher_b")),
    # Legal documents: A's delivery to buyer 1 and A's invoice of it.
    "invoices.order_pdf": Case(DELIVERY_A1, ("refurbisher_b", "buyer2"), owner="buyer1"),
    "invoices.order_xml": Case(DELIVERY_A1, ("refurbisher_b", "buyer2"), owner="buyer1"),
    "invoices.delivery_invoices": Case(DELIVERY_A1, ("refurbisher_b", "buyer2"), owner="buyer1"),
    "invoices.issue_invoice": Case(DELIVERY_A1, ("refurbisher_b", "buyer2", "buyer1")),
    "invoices.commitment": Case(ids(campaign_id="draft_campaign"), ("buyer1", "refurbisher_a")),
    "invoices.invoice": Case(INVOICE_A1, ("refurbisher_b", "buyer2"), owner="buyer1"),
    "invoices.invoice_pdf": Case(INVOICE_A1, ("refurbisher_b", "buyer2"), owner="buyer1"),
    "invoices.invoice_xml": Case(INVOICE_A1, ("refurbisher_b", "buyer2"), owner="buyer1"),
    "invoices.credit_note": Case(INVOICE_A1, ("refurbisher_b", "buyer2", "buyer1")),
    # Ledger: buyer 1's entry; the legal targets are the coordinator's.
    "ledger.edit": Case(ENTRY_1, ("buyer2", "refurbisher_a", "coordinator"), owner="buyer1"),
    "ledger.delete": Case(ENTRY_1, ("buyer2", "refurbisher_a", "coordinator")),
    "ledger.target_edit": Case(ids(target_id="target"), NOT_COORDINATOR),
    "ledger.target_delete": Case(ids(target_id="target"), NOT_COORDINATOR),
    # Organisations: the coordination screens; buyer 1's colleague.
    "organisations.admin_detail": Case(
        ids(organisation_id="buyer2"), NOT_COORDINATOR, owner="coordinator"
    ),
    "organisations.validate": Case(ids(organisation_id="pending_org"), NOT_COORDINATOR),
    "organisations.reject": Case(ids(organisation_id="pending_org"), NOT_COORDINATOR),
    "organisations.suspend": Case(ids(organisation_id="buyer2"), NOT_COORDINATOR),
    "organisations.reactivate": Case(ids(organisation_id="suspended_org"), NOT_COORDINATOR),
    "organisations.remove_member": Case(
        ids(user_id="colleague1"), ("buyer2", "refurbisher_a", "coordinator")
    ),
    # Clause library: the coordinator edits it.
    "clauses.edit": Case(ids(clause_id="clause"), NOT_COORDINATOR),
    # API tokens: buyer 1's token.
    "api_pages.revoke": Case(ids(token_id="token1"), ("buyer2", "refurbisher_a", "coordinator")),
    # Indicators: the year is no secret, buyer 1's figures are (?organisation=).
    "stats.declaration": Case(
        ids(year="year"), ("buyer2", "refurbisher_a"), owner="buyer1", query=other_buyer_query
    ),
    "stats.report": Case(
        ids(year="year"), ("buyer2", "refurbisher_a"), owner="buyer1", query=other_buyer_query
    ),
    # A buyer marks its own declaration (no organisation in the URL): others are refused.
    "stats.declaration_done": Case(ids(year="year"), ("refurbisher_a", "coordinator")),
    # API: the same objects through Bearer tokens.
    "api.listing": Case(
        ids(id="draft_a"), ("refurbisher_b", "buyer1", "coordinator"), "refurbisher_a", api=True
    ),
    "api.campaign": Case(
        ids(id="draft_campaign"), ("buyer1", "refurbisher_a"), "coordinator", api=True
    ),
    "api.get_order": Case(ids(id="draft_campaign"), ("buyer1", "buyer2"), api=True),
    "api.put_order": Case(
        ids(id="draft_campaign"), ("buyer1", "buyer2"), api=True, body=order_body
    ),
    # Buyers delivered by a purchase order see it, reduced to their share (tested below).
    "api.purchase_order": Case(ids(id="po_a"), ("refurbisher_b",), "refurbisher_a", api=True),
    "api.ship_delivery": Case(
        ids(id="delivery_a1"),
        ("refurbisher_b", "buyer2", "buyer1"),
        api=True,
        body=lambda w: {"serials": "SN-1"},
    ),
    "api.receive_delivery": Case(
        ids(id="delivery_a1"),
        ("buyer2", "refurbisher_b", "refurbisher_a"),
        api=True,
        body=lambda w: {"received_on": "2026-10-20", "lines": [{"line_id": 1, "quantity": 1}]},
    ),
    "api.record_not_delivered": Case(
        ids(id="delivery_a1"),
        ("buyer2", "refurbisher_b", "refurbisher_a"),
        api=True,
        body=lambda w: {"reason": "Colis perdu"},
    ),
    "api.get_commitment": Case(ids(id="draft_campaign"), ("buyer1", "buyer2"), api=True),
    "api.put_commitment": Case(
        ids(id="draft_campaign"),
        ("buyer1", "buyer2"),
        api=True,
        body=lambda w: {
            "engagement_number": "EJ-1",
            "budget_nature": "2183",
            "budget_chapter": "21",
            "delivery_address": "1 place de la Mairie, 35000 Rennes",
        },
    ),
    "api.delivery_order_x": Case(
        ids(id="delivery_a1"), ("refurbisher_b", "buyer2"), "buyer1", api=True
    ),
    "api.issue_invoice": Case(
        ids(id="delivery_a1"),
        ("refurbisher_b", "buyer2", "buyer1"),
        api=True,
        body=lambda w: {"number": "FA-X", "issued_on": "2026-10-20"},
    ),
    "api.invoice": Case(ids(id="invoice_a1"), ("refurbisher_b", "buyer2"), "buyer1", api=True),
    "api.invoice_pdf": Case(ids(id="invoice_a1"), ("refurbisher_b", "buyer2"), "buyer1", api=True),
    "api.invoice_xml": Case(ids(id="invoice_a1"), ("refurbisher_b", "buyer2"), "buyer1", api=True),
    "api.issue_credit_note": Case(
        ids(id="invoice_a1"),
        ("refurbisher_b", "buyer2", "buyer1"),
        api=True,
        body=lambda w: {
            "number": "AV-X",
            "issued_on": "2026-10-21",
            "reason": "Unité refusée",
            "lines": [{"line_id": 1, "quantity": 1}],
        },
    ),
    "api.commit_offer": Case(
        ids(id="draft_campaign"),
        ("refurbisher_a", "refurbisher_b", "buyer1"),
        api=True,
        body=lambda w: {"listing_id": w.ids["draft_a"], "quantity": 1},
    ),
    "api.decide_offer": Case(
        ids(id="pending_offer"), NOT_COORDINATOR, api=True, body=lambda w: {"accept": True}
    ),
    "api.campaign_transition": Case(
        ids(id="draft_campaign"), NOT_COORDINATOR, api=True, body=lambda w: {"to": "open"}
    ),
    "api.consolidate": Case(
        ids(id="closed_campaign"), NOT_COORDINATOR, api=True, body=lambda w: {"confirm": True}
    ),
    # Donations: buyer 1's lot, wholly claimed by refurbisher A.
    "donations.detail": Case(LOT_1, ("buyer2", "refurbisher_b"), owner="buyer1"),
    "donations.withdraw": Case(LOT_1, ("buyer2", "refurbisher_b")),
    "donations.photos": Case(LOT_1, ("buyer2", "refurbisher_b"), owner="buyer1"),
    # Lot 1 has an accepted claim: its donor is sent back to the lot (302), so no owner.
    "donations.edit": Case(LOT_1, ("buyer2", "refurbisher_a", "refurbisher_b", "coordinator")),
    # The world has no lot photo: any id will do, the lot is refused first.
    "donations.delete_photo": Case(
        ids(lot_id="lot1", photo_id="photo_a"),
        ("buyer2", "refurbisher_a", "refurbisher_b", "coordinator"),
    ),
    "donations.claim": Case(LOT_1, ("refurbisher_b", "buyer2")),
    "donations.accept": Case(CLAIM_A1, ("buyer2", "refurbisher_b")),
    "donations.refuse": Case(CLAIM_A1, ("buyer2", "refurbisher_b")),
    "donations.cancel": Case(CLAIM_A1, ("refurbisher_b", "buyer2")),
    "donations.pickup": Case(CLAIM_A1, ("refurbisher_b", "buyer2"), owner="refurbisher_a"),
    "donations.outcome": Case(CLAIM_A1, ("refurbisher_b", "buyer2")),
    "donations.certificate": Case(CLAIM_A1, ("refurbisher_b", "buyer2")),
    # Buyer 1's retired equipment sold, with its proof: its buyer and the coordinators only.
    "donations.outcome_proof": Case(
        ids(outcome_id="outcome1"), ("buyer2", "refurbisher_a"), owner="buyer1"
    ),
    # Repairs: A's maintenance offer on its draft; buyer 1's request to A.
    "repairs.maintenance_list": Case(LISTING_A, ("refurbisher_b", "buyer1"), "refurbisher_a"),
    "repairs.maintenance_edit": Case(
        MAINTENANCE_A,
        ("refurbisher_b", "buyer1"),
        "refurbisher_a",
        mixed={"refurbisher_b": ids(listing_id="draft_b", offer_id="maintenance_a")},
    ),
    "repairs.maintenance_delete": Case(
        MAINTENANCE_A,
        ("refurbisher_b", "buyer1"),
        mixed={"refurbisher_b": ids(listing_id="draft_b", offer_id="maintenance_a")},
    ),
    "repairs.buyer_detail": Case(REPAIR_1, ("buyer2", "refurbisher_a"), owner="buyer1"),
    "repairs.buyer_message": Case(REPAIR_1, ("buyer2", "refurbisher_a")),
    "repairs.refurbisher_detail": Case(
        REPAIR_1, ("refurbisher_b", "buyer1"), owner="refurbisher_a"
    ),
    "repairs.refurbisher_message": Case(REPAIR_1, ("refurbisher_b", "buyer1")),
    "repairs.refurbisher_status": Case(REPAIR_1, ("refurbisher_b", "buyer1")),
    "repairs.coordinator_detail": Case(REPAIR_1, NOT_COORDINATOR, owner="coordinator"),
    # Legal frame: buyer 1's membership agreement; a framework lot held by refurbisher A.
    "agreements.membership_create": Case(ids(buyer_id="buyer1"), NOT_COORDINATOR),
    "agreements.membership_edit": Case(ids(agreement_id="membership1"), NOT_COORDINATOR),
    "agreements.membership_document": Case(
        ids(agreement_id="membership1"), ("buyer2", "refurbisher_a")
    ),
    "agreements.framework_detail": Case(FRAMEWORK, ("refurbisher_b",), owner="refurbisher_a"),
    "agreements.framework_edit": Case(FRAMEWORK, NOT_COORDINATOR),
    "agreements.lot_create": Case(FRAMEWORK, NOT_COORDINATOR),
    "agreements.lot_edit": Case(FRAMEWORK_LOT, NOT_COORDINATOR),
    "agreements.holder_add": Case(FRAMEWORK_LOT, NOT_COORDINATOR),
    "agreements.holder_remove": Case(
        ids(agreement_id="framework", lot_id="framework_lot", holder_id="framework_holder"),
        NOT_COORDINATOR,
    ),
    "api.framework_agreement": Case(
        ids(id="framework"), ("refurbisher_b",), "refurbisher_a", api=True
    ),
    # Open data: a draft campaign's essential data are not public yet.
    "opendata.essential_data": Case(
        ids(campaign_id="draft_campaign"), ("anonymous", "buyer1", "refurbisher_a")
    ),
    "opendata.release_package": Case(
        ids(campaign_id="draft_campaign"), ("anonymous", "buyer1", "refurbisher_a")
    ),
}

# Integer rules whose objects every member may see by design (nothing to steal).
SHARED = {
    "clauses.detail": "the clause library is shared by all members",
    "catalog.refurbisher_profile": "a refurbisher's public profile",
}

SHARED_IDS = {
    "clauses.detail": ids(clause_id="clause"),
    "catalog.refurbisher_profile": ids(refurbisher_id="refurbisher_a"),
}

# Rules with no integer but an id in their string or query: checked by name.
EXTRA = {
    "api.declaration": Case(
        lambda w: {"year": "2026"},  # type: ignore[dict-item]
        ("buyer2", "refurbisher_a"),
        "buyer1",
        query=other_buyer_query,
        api=True,
    ),
    "stats.dashboard": Case(lambda w: {}, ("buyer2", "refurbisher_a"), query=other_buyer_query),
    "stats.export": Case(
        lambda w: {"table": "categories"}, ("buyer2",), "buyer1", query=other_buyer_query
    ),
    "catalog.photo": Case(
        lambda w: {"name": w.names["photo_a"]},  # type: ignore[dict-item]
        ("refurbisher_b", "buyer1", "coordinator", "anonymous"),
        "refurbisher_a",
    ),
}


def id_bearing_rules(app):  # type: ignore[no-untyped-def]
    return {
        rule.endpoint: rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    }


def test_every_id_bearing_rule_is_covered(app):
    unknown = sorted(set(id_bearing_rules(app)) - set(CASES) - set(SHARED))
    assert not unknown, (
        "Routes with an integer id not covered by tests/security/test_idor.py "
        f"(add them to CASES or SHARED): {unknown}"
    )
    stale = sorted(set(CASES) - set(id_bearing_rules(app)))
    assert not stale, f"CASES names routes that no longer exist: {stale}"


def _methods(rule) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(m for m in rule.methods if m in ("GET", "POST", "PUT", "DELETE", "PATCH"))


def _caller(app, world: World, who: str, case: Case):  # type: ignore[no-untyped-def]
    """A function making requests as ``who`` (logged in already, so that logging in is not
    counted as a change)."""
    client = app.test_client()
    if case.api:
        headers = {"Authorization": f"Bearer {world.bearer[who]}"} if who != "anonymous" else {}
        body = case.body(world) if case.body else None
        return lambda method, url: client.open(url, method=method, headers=headers, json=body)
    client = client_for(app, world, who)
    return lambda method, url: client.open(url, method=method, data={})


def _check(app, world: World, endpoint: str, case: Case) -> None:  # type: ignore[no-untyped-def]
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    for method in _methods(rule):
        for who in case.outsiders:
            for build in (case.ids, case.mixed.get(who)):
                if build is None:
                    continue
                url = _url(app, endpoint, build(world)) + case.query(world)
                call = _caller(app, world, who, case)
                before = fingerprint()
                response = call(method, url)
                where = f"{who} {method} {url}"
                assert response.status_code in (403, 404), (
                    f"{where} → {response.status_code}: {response.get_data(as_text=True)[:300]}"
                )
                if method != "GET":
                    assert fingerprint() == before, f"{where} changed data"
        if case.owner and method == "GET":
            url = _url(app, endpoint, case.ids(world)).split("?")[0]
            if case.query and case.owner.startswith("buyer"):
                url += case.query(world)
            response = _caller(app, world, case.owner, case)(method, url)
            response.close()
            assert response.status_code == 200, (case.owner, url, response.status_code)


def _url(app, endpoint: str, values: dict[str, int]) -> str:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _check_all(app, world: World, cases: dict[str, Case]) -> None:  # type: ignore[no-untyped-def]
    """Every case against one world (building it is the slow part), every failure listed."""
    failures = []
    for endpoint in sorted(cases):
        limiter.reset()  # each case logs its visitors in afresh: the login limit is not tested here
        try:
            _check(app, world, endpoint, cases[endpoint])
        except AssertionError as error:
            failures.append(f"{endpoint}: {error}")
    assert not failures, "\n".join(failures)


def test_other_organisations_ids_are_refused(app, world):
    _check_all(app, world, CASES)


def test_other_organisations_ids_in_names_and_queries_are_refused(app, world):
    _check_all(app, world, EXTRA)


def test_shared_objects_are_readable_by_every_member(app, world):
    refused = []
    for endpoint in sorted(SHARED):
        limiter.reset()
        url = _url(app, endpoint, SHARED_IDS[endpoint](world))
        response = client_for(app, world, "buyer2").get(url)
        if response.status_code != 200:
            refused.append(f"{url} → {response.status_code}")
    assert not refused, refused


def test_a_buyer_sees_only_its_own_delivery_of_a_shared_purchase_order(app, world):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.bearer['buyer2']}"}
    response = client.get(f"/api/v1/purchase-orders/{world.ids['po_a']}", headers=headers)
    assert response.status_code == 200
    buyers = {d["buyer"]["id"] for d in response.get_json()["deliveries"]}
    assert buyers == {world.ids["buyer2"]}
