"""One person of each kind, for the permission matrices and journeys of the foundation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from nrhub.auth.models import User
from nrhub.extensions import db
from nrhub.organisations.models import OrgStatus
from tests import factories

ROLES = ("anonymous", "pending", "refurbisher", "buyer", "coordinator")


@dataclass
class People:
    coordinator: User
    refurbisher: User
    buyer: User
    buyer_colleague: User
    pending: User
    other_buyer: User

    def get(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


def make_people() -> People:
    hub = factories.HubFactory()
    buyer_org = factories.BuyerFactory(name="Commune de Vitré")
    people = People(
        coordinator=factories.UserFactory(email="coord@example.fr", organisation=hub),
        refurbisher=factories.UserFactory(
            email="reco@example.fr", organisation=factories.RefurbisherFactory()
        ),
        buyer=factories.UserFactory(email="achat@example.fr", organisation=buyer_org),
        buyer_colleague=factories.UserFactory(
            email="collegue@example.fr", organisation=buyer_org, is_org_admin=False
        ),
        pending=factories.UserFactory(
            email="attente@example.fr",
            organisation=factories.BuyerFactory(status=OrgStatus.PENDING, validated_at=None),
        ),
        other_buyer=factories.UserFactory(
            email="autre@example.fr", organisation=factories.BuyerFactory(name="Commune voisine")
        ),
    )
    db.session.commit()
    return people


def outbox(app: Flask) -> list[Any]:
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    return state.outbox


def clear_outbox(app: Flask) -> None:
    outbox(app).clear()
