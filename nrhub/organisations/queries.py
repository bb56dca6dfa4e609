"""Reads of the organisations area."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from nrhub.auth.models import AccountToken, TokenPurpose, User
from nrhub.db import utcnow
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.mail import Recipient
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus

PAGE_SIZE = 50


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    member_count: int


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError(_("Organisation introuvable."))
    return organisation


def list_organisations(status: str | None = None, kind: str | None = None) -> list[OrganisationRow]:
    """Every organisation, pending ones first, then by name, with its number of members."""
    members = (
        select(User.organisation_id, func.count(User.id).label("n"))
        .where(User.is_removed.is_(False))
        .group_by(User.organisation_id)
        .subquery()
    )
    query = select(Organisation, func.coalesce(members.c.n, 0)).outerjoin(
        members, members.c.organisation_id == Organisation.id
    )
    if status:
        query = query.where(Organisation.status == status)
    if kind:
        query = query.where(Organisation.kind == kind)
    pending_first = case((Organisation.status == OrgStatus.PENDING, 0), else_=1)
    query = query.order_by(pending_first, Organisation.name, Organisation.id)
    return [OrganisationRow(org, int(n)) for org, n in db.session.execute(query).all()]


def count_pending_organisations() -> int:
    return int(
        db.session.execute(
            select(func.count(Organisation.id)).where(Organisation.status == OrgStatus.PENDING)
        ).scalar_one()
    )


def list_members(organisation_id: int) -> list[User]:
    """The organisation's current members (removed people are left out)."""
    return list(
        db.session.execute(
            select(User)
            .where(User.organisation_id == organisation_id, User.is_removed.is_(False))
            .order_by(User.name, User.id)
        ).scalars()
    )


def get_member(organisation_id: int, user_id: int) -> User:
    """A current member of this organisation; 404 for anyone else."""
    user = db.session.execute(
        select(User).where(
            User.id == user_id,
            User.organisation_id == organisation_id,
            User.is_removed.is_(False),
        )
    ).scalar_one_or_none()
    if user is None:
        raise NotFoundError(_("Personne introuvable dans votre organisation."))
    return user


def list_open_invitations(organisation_id: int) -> list[AccountToken]:
    return list(
        db.session.execute(
            select(AccountToken)
            .where(
                AccountToken.organisation_id == organisation_id,
                AccountToken.purpose == TokenPurpose.INVITATION,
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > utcnow(),
            )
            .order_by(AccountToken.created_at.desc())
        ).scalars()
    )


def coordinator_recipients() -> list[Recipient]:
    """Where to tell the hub that something needs a coordinator: each coordinator, with the
    language of their account."""
    return [
        Recipient(email, locale)
        for email, locale in db.session.execute(
            select(User.email, User.locale)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(
                Organisation.kind == OrgKind.HUB,
                Organisation.status == OrgStatus.ACTIVE,
                User.is_removed.is_(False),
            )
            .order_by(User.id)
        )
    ]


def member_recipients(organisation_ids: Iterable[int]) -> dict[int, list[Recipient]]:
    """Who receives an organisation's e-mails: its current people, each with the language
    of their account (one query for all the organisations)."""
    ids = sorted(set(organisation_ids))
    found: dict[int, list[Recipient]] = defaultdict(list)
    if not ids:
        return found
    for org_id, email, locale in db.session.execute(
        select(User.organisation_id, User.email, User.locale)
        .where(User.organisation_id.in_(ids), User.is_removed.is_(False))
        .order_by(User.id)
    ):
        found[org_id].append(Recipient(email, locale))
    return found


def recipients_of(organisation_ids: Iterable[int]) -> list[Recipient]:
    """The people of all these organisations, as one list of recipients."""
    by_org = member_recipients(organisation_ids)
    return [person for org_id in sorted(by_org) for person in by_org[org_id]]


def organisation_choices() -> list[tuple[int, str]]:
    """(id, name) of every organisation, by name, for filters."""
    return [
        (int(i), str(n))
        for i, n in db.session.execute(
            select(Organisation.id, Organisation.name).order_by(Organisation.name)
        ).all()
    ]
