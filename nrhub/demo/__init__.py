"""Realistic French demo data, loaded by ``flask --app nrhub demo`` (idempotent)."""

from __future__ import annotations

from nrhub.demo import campaigns, catalog, consolidation, ledger, organisations
from nrhub.demo import commitments as commitments_demo
from nrhub.demo import donations as donations_demo
from nrhub.demo import invoices as invoices_demo
from nrhub.demo import repairs as repairs_demo
from nrhub.reference import load_reference_data

DEMO_PASSWORD = organisations.DEMO_PASSWORD

# Order matters: each loader reads what the previous ones created.
LOADERS = (
    organisations,
    catalog,
    campaigns,
    commitments_demo,
    consolidation,
    invoices_demo,
    ledger,
    repairs_demo,
    donations_demo,
)


def load_demo() -> list[tuple[str, str, str]]:
    """Load every area's demo data; return the demo accounts (e-mail, role, organisation)."""
    load_reference_data()  # categories, clauses, targets: also seeded by the migrations
    for loader in LOADERS:
        loader.load()
    return organisations.demo_accounts()
