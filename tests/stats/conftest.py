"""The statistics tests share the ledger tests' clause and campaign fixtures."""

from tests.ledger.conftest import (  # noqa: F401
    campaign_factory,
    clause_factory,
    make_campaign,
    make_clause,
)
