"""Use cases of the organisations area: sign-up, coordinator decisions, members, profile."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siret as stdnum_siret

from nrhub.access import require
from nrhub.audit.services import record
from nrhub.auth.models import AccountToken, TokenPurpose, User, new_session_token
from nrhub.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from nrhub.auth.services import find_user_by_email
from nrhub.auth.tokens import consume_token, find_usable_token, issue_token
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.ledger import summary as ledger_summary
from nrhub.mail import Recipient, absolute_url, queue_mail
from nrhub.organisations import geo, policy, queries
from nrhub.organisations.models import (
    BuyerType,
    InsertionType,
    LegalForm,
    Organisation,
    OrgKind,
    OrgStatus,
)


@dataclass(frozen=True)
class OrganisationProfile:
    """What an organisation says about itself (the SIRET and name are set at sign-up)."""

    address: str
    postcode: str
    city: str
    department_code: str
    contact_email: str
    legal_form: LegalForm | None = None
    esus_agreement: bool = False
    esus_expires_on: dt.date | None = None
    insertion_type: InsertionType | None = None
    buyer_type: BuyerType | None = None
    population: int | None = None
    website: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class NewPerson:
    name: str
    email: str
    password: str


def _check_address(profile: OrganisationProfile) -> str:
    department = geo.normalize_department(profile.department_code)
    if department not in geo.departments_of_postcode(profile.postcode):
        raise ValidationError(
            _("Le département ne correspond pas au code postal."), field="department"
        )
    return department


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("Le mot de passe doit comporter au moins 12 caractères."), field="password"
        )


def _apply_profile(org: Organisation, profile: OrganisationProfile) -> None:
    org.address = profile.address.strip()
    org.postcode = profile.postcode.strip()
    org.city = profile.city.strip()
    org.set_department(_check_address(profile))
    org.contact_email = profile.contact_email.strip()
    org.website = (profile.website or "").strip() or None
    org.description = (profile.description or "").strip() or None
    if org.kind == OrgKind.REFURBISHER:
        org.legal_form = profile.legal_form
        org.esus_agreement = profile.esus_agreement
        org.esus_expires_on = profile.esus_expires_on if profile.esus_agreement else None
        org.insertion_type = profile.insertion_type or InsertionType.NONE
    elif org.kind == OrgKind.BUYER:
        org.buyer_type = profile.buyer_type
        org.population = profile.population


def signup_organisation(
    kind: OrgKind,
    name: str,
    siret: str,
    profile: OrganisationProfile,
    person: NewPerson,
    now: dt.datetime | None = None,
) -> User | None:
    """Create a pending organisation with its first person, its admin; tell the coordinators
    and the person.

    Whether the e-mail already has an account must not show (it would tell anyone which
    addresses are members): then nothing is created, the account's owner is e-mailed
    instead, and None is returned; the caller answers the same page either way. Every
    refusal (password, address, SIRET: a public register) comes before the e-mail is
    looked at, so that no answer depends on it.
    """
    now = now or utcnow()
    if kind not in (OrgKind.REFURBISHER, OrgKind.BUYER):
        raise ValidationError(_("Type d'organisation invalide."), field="kind")
    _check_password(person.password)
    _check_address(profile)
    if db.session.execute(select(Organisation.id).where(Organisation.siret == siret)).first():
        raise ConflictError(_("Une organisation avec ce SIRET est déjà inscrite."), field="siret")
    password_hash = hash_password(person.password)  # for both answers: they take as long
    existing = find_user_by_email(person.email)
    if existing is not None:
        _tell_owner_of_signup_attempt(existing, name.strip())
        return None
    org = Organisation(
        kind=kind, name=name.strip(), siret=siret, status=OrgStatus.PENDING, created_at=now
    )
    _apply_profile(org, profile)
    user = User(
        email=person.email.strip(),
        name=person.name.strip(),
        password_hash=password_hash,
        organisation=org,
        is_org_admin=True,
        created_at=now,
        last_login_at=now,
    )
    db.session.add_all([org, user])
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as err:  # a parallel sign-up with the same SIRET or e-mail
        raise ConflictError(
            _("Cette organisation ou cette adresse e-mail est déjà inscrite."), field="email"
        ) from err
    record("organisation.signup", org, by=user, kind=str(kind), siret=siret)
    queue_mail(
        queries.coordinator_recipients(),
        _l("Nouvelle inscription à valider : %(name)s", name=org.name),
        "organisation_signup",
        organisation=org,
        person=user,
        url=absolute_url("organisations.admin_detail", organisation_id=org.id),
    )
    queue_mail(
        Recipient(user.email, user.locale),
        _l("Votre demande d'inscription sur nrhub"),
        "organisation_signup_received",
        organisation=org,
        person=user,
        url=absolute_url("auth.login"),
    )
    return user


def _tell_owner_of_signup_attempt(owner: User, organisation_name: str) -> None:
    """Someone signed up with the e-mail of an existing account: its owner learns it (and
    how to get back in), nobody else does."""
    record(
        "organisation.signup_existing_email",
        owner,
        by=None,
        organisation_id=owner.organisation_id,
        organisation_name=organisation_name,
    )
    queue_mail(
        Recipient(owner.email, owner.locale),
        _l("Votre demande d'inscription sur nrhub"),
        "organisation_signup_existing_account",
        person=owner,
        organisation_name=organisation_name,
        login_url=absolute_url("auth.login"),
        reset_url=absolute_url("auth.forgot_password"),
    )


def create_hub(name: str, siret: str, profile: OrganisationProfile, person: NewPerson) -> User:
    """Create the hub and its first coordinator on a new installation (``flask hub create``).

    There is one hub per installation: a second call is refused. The hub is active at once
    since nobody could validate it.
    """
    try:
        siret = stdnum_siret.validate(siret)
    except StdnumValidationError as err:
        raise ValidationError(_("Le SIRET n'est pas valide."), field="siret") from err
    _check_password(person.password)
    if db.session.execute(select(Organisation.id).where(Organisation.kind == OrgKind.HUB)).first():
        raise ConflictError(_("La centrale existe déjà sur cette installation."), field="siret")
    if find_user_by_email(person.email) is not None:
        raise ConflictError(_("Un compte existe déjà avec cette adresse e-mail."), field="email")
    now = utcnow()
    hub = Organisation(
        kind=OrgKind.HUB,
        name=name.strip(),
        siret=siret,
        status=OrgStatus.ACTIVE,
        created_at=now,
        validated_at=now,
    )
    _apply_profile(hub, profile)
    user = User(
        email=person.email.strip(),
        name=person.name.strip(),
        password_hash=hash_password(person.password),
        organisation=hub,
        is_org_admin=True,
        created_at=now,
    )
    db.session.add_all([hub, user])
    db.session.flush()
    record("organisation.hub_created", hub, by=user, siret=siret)
    return user


def _change_status(
    org: Organisation,
    from_status: OrgStatus,
    to: OrgStatus,
    action: str,
    by: User,
    reason: str | None,
    now: dt.datetime,
) -> None:
    """Move ``org`` from ``from_status`` to ``to`` in one conditional UPDATE: of two
    coordinators deciding at once, one wins and the other gets a conflict; only the winner
    ends sessions, writes the audit and (its caller) sends the e-mail."""
    require(policy.can_review_organisations(by))
    if org.is_hub:
        raise ConflictError(_("Le statut de la centrale elle-même ne peut pas être modifié."))
    table = Organisation.__table__
    values: dict[str, object] = {"status": to, "status_reason": reason}
    if to == OrgStatus.ACTIVE:
        values["validated_at"] = func.coalesce(table.c.validated_at, now)
    moved = db.session.execute(
        update(table)
        .where(table.c.id == org.id, table.c.status == from_status, table.c.kind != OrgKind.HUB)
        .values(values)
    )
    if rows_changed(moved) != 1:
        raise ConflictError(
            _("Cette action n'est pas possible pour une organisation dans cet état.")
        )
    db.session.expire(org, ["status", "status_reason", "validated_at"])
    if to in (OrgStatus.SUSPENDED, OrgStatus.REJECTED):
        # Every open session of its people stops working at once.
        for member in queries.list_members(org.id):
            member.rotate_session()
    record(
        action,
        org,
        by=by,
        organisation_id=org.id,
        previous=str(from_status),
        status=str(to),
        reason=reason,
    )
    db.session.flush()


def _notify(org: Organisation, subject: object, template: str, **context: object) -> None:
    recipients = [Recipient(org.contact_email), *queries.recipients_of([org.id])]
    queue_mail(recipients, subject, template, organisation=org, **context)


def validate_organisation(org: Organisation, *, by: User, now: dt.datetime | None = None) -> None:
    """A pending organisation becomes active: its people can use nrhub."""
    _change_status(
        org, OrgStatus.PENDING, OrgStatus.ACTIVE, "organisation.validate", by, None, now or utcnow()
    )
    _notify(
        org,
        _l("Votre organisation est validée"),
        "organisation_validated",
        url=absolute_url("auth.login"),
    )


def reject_organisation(
    org: Organisation, reason: str, *, by: User, now: dt.datetime | None = None
) -> None:
    """A pending organisation is refused, with a reason sent to it by e-mail."""
    reason = _required_reason(reason)
    _change_status(
        org,
        OrgStatus.PENDING,
        OrgStatus.REJECTED,
        "organisation.reject",
        by,
        reason,
        now or utcnow(),
    )
    _notify(
        org, _l("Votre inscription n'a pas été acceptée"), "organisation_rejected", reason=reason
    )


def suspend_organisation(
    org: Organisation, reason: str, *, by: User, now: dt.datetime | None = None
) -> None:
    """An active organisation is suspended: its people can no longer log in."""
    reason = _required_reason(reason)
    _change_status(
        org,
        OrgStatus.ACTIVE,
        OrgStatus.SUSPENDED,
        "organisation.suspend",
        by,
        reason,
        now or utcnow(),
    )
    _notify(org, _l("Votre organisation est suspendue"), "organisation_suspended", reason=reason)


def reactivate_organisation(org: Organisation, *, by: User, now: dt.datetime | None = None) -> None:
    """A suspended organisation becomes active again."""
    _change_status(
        org,
        OrgStatus.SUSPENDED,
        OrgStatus.ACTIVE,
        "organisation.reactivate",
        by,
        None,
        now or utcnow(),
    )
    _notify(
        org,
        _l("Votre organisation est réactivée"),
        "organisation_reactivated",
        url=absolute_url("auth.login"),
    )


def _required_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif."), field="reason")
    return reason


def update_profile(org: Organisation, profile: OrganisationProfile, *, by: User) -> None:
    """An organisation admin corrects the organisation's contact, address and identity."""
    require(policy.can_administer(by, org))
    ledger_summary.track_buyer_location(org)  # the spend summary follows a move
    _apply_profile(org, profile)
    record("organisation.update_profile", org, by=by, organisation_id=org.id)
    db.session.flush()


def invite_member(
    org: Organisation, email: str, *, by: User, now: dt.datetime | None = None
) -> str:
    """Send a single-use invitation link (valid 7 days); return its raw token."""
    require(policy.can_administer(by, org))
    email = email.strip()
    if find_user_by_email(email) is not None:
        raise ConflictError(_("Un compte existe déjà avec cette adresse e-mail."), field="email")
    token, raw = issue_token(
        TokenPurpose.INVITATION,
        email,
        organisation_id=org.id,
        created_by_id=by.id,
        now=now,
    )
    db.session.flush()
    record("organisation.invite", token, by=by, organisation_id=org.id, email=email)
    queue_mail(
        Recipient(email, by.locale),  # the invitee's language is unknown: the inviter's
        _l("Invitation à rejoindre %(name)s sur nrhub", name=org.name),
        "organisation_invitation",
        organisation=org,
        inviter=by,
        url=absolute_url("organisations.accept_invitation", token=raw),
        expires_at=token.expires_at,
    )
    return raw


def invitation_for(raw: str, now: dt.datetime | None = None) -> AccountToken:
    """The usable invitation behind a link, else NotFoundError."""
    token = find_usable_token(raw, TokenPurpose.INVITATION, now)
    if token is None or token.organisation is None:
        raise NotFoundError(
            _("Ce lien d'invitation n'est pas valable : il a déjà servi ou a expiré.")
        )
    return token


def accept_invitation(raw: str, name: str, password: str, now: dt.datetime | None = None) -> User:
    """The invited person sets a name and password and joins the organisation."""
    now = now or utcnow()
    token = invitation_for(raw, now)
    _check_password(password)
    org = token.organisation
    assert org is not None
    if org.status not in (OrgStatus.ACTIVE, OrgStatus.PENDING):
        raise ConflictError(_("Cette organisation n'accepte plus de nouveaux membres."))
    if find_user_by_email(token.email) is not None:
        raise ConflictError(_("Un compte existe déjà avec cette adresse e-mail."))
    if not consume_token(token, now):
        raise NotFoundError(
            _("Ce lien d'invitation n'est pas valable : il a déjà servi ou a expiré.")
        )
    user = User(
        email=token.email,
        name=name.strip(),
        password_hash=hash_password(password),
        organisation_id=org.id,
        is_org_admin=False,
        created_at=now,
        last_login_at=now,
    )
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as err:  # a parallel sign-up took the address
        raise ConflictError(_("Un compte existe déjà avec cette adresse e-mail.")) from err
    record("organisation.join", user, by=user, invitation_id=token.id)
    db.session.flush()
    return user


def remove_member(member: User, *, by: User) -> None:
    """An admin removes a colleague (never themself); the person's sessions end. One
    conditional UPDATE: removing twice at once removes once."""
    require(policy.can_administer(by, member.organisation))
    if member.id == by.id:
        raise ConflictError(_("Vous ne pouvez pas vous retirer vous-même de l'organisation."))
    removed = db.session.execute(
        update(User)
        .where(User.id == member.id, User.is_removed.is_(False))
        .values(is_removed=True, is_org_admin=False, session_token=new_session_token())
        .execution_options(synchronize_session=False)
    )
    if rows_changed(removed) != 1:
        raise ConflictError(_("Cette personne a déjà été retirée."))
    db.session.expire(member, ["is_removed", "is_org_admin", "session_token"])
    record("organisation.remove_member", member, by=by, email=member.email)
    db.session.flush()
