"""The people of the policy matrices, and the check each matrix row makes.

The policies read only the objects they are given, so the matrices build those objects in
memory (never added to a session): a person of each role, and objects owned by ``MINE``
(the buyer's or the refurbisher's organisation) or by someone else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nrhub import access
from nrhub.auth.models import User
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus

# Organisation ids: the coordination, a refurbisher and a buyer (the owners of the objects
# the rows build), another of each, and a buyer still waiting for admission.
HUB, REFURBISHER, BUYER, OTHER_REFURBISHER, OTHER_BUYER, PENDING_BUYER = 1, 2, 3, 4, 5, 6

ROLES = ("coordinator", "refurbisher", "other_refurbisher", "buyer", "other_buyer", "pending")


def _person(org_id: int, kind: OrgKind, status: OrgStatus = OrgStatus.ACTIVE) -> User:
    organisation = Organisation(id=org_id, kind=kind, status=status, name=f"Org {org_id}")
    return User(
        id=org_id,
        organisation=organisation,
        organisation_id=org_id,
        is_removed=False,
        is_org_admin=True,
    )


def people() -> dict[str, User]:
    return {
        "coordinator": _person(HUB, OrgKind.HUB),
        "refurbisher": _person(REFURBISHER, OrgKind.REFURBISHER),
        "other_refurbisher": _person(OTHER_REFURBISHER, OrgKind.REFURBISHER),
        "buyer": _person(BUYER, OrgKind.BUYER),
        "other_buyer": _person(OTHER_BUYER, OrgKind.BUYER),
        "pending": _person(PENDING_BUYER, OrgKind.BUYER, OrgStatus.PENDING),
    }


def check_row(
    function: Callable[..., str | None],
    verb: str,
    obj: Any,
    allowed: frozenset[str] | set[str],
    hidden: frozenset[str] | set[str] = frozenset(),
) -> None:
    """``function`` allows exactly ``allowed``; it refuses ``hidden`` with a 404 reason and
    the others with a 403 one; ``can(verb, obj)`` reaches the same function."""
    assert access.rule_for(verb, obj) is function
    answers = {}
    for role, person in people().items():
        reason = function(person) if obj is None else function(person, obj)
        kind = (
            "allowed" if reason is None else "404" if isinstance(reason, access.Hidden) else "403"
        )
        if reason is not None:
            assert str(reason).strip(), f"{role}: an empty reason"
        answers[role] = kind
        assert access.can(person, verb, obj) is (reason is None)
    expected = {
        role: "allowed" if role in allowed else "404" if role in hidden else "403" for role in ROLES
    }
    assert answers == expected
