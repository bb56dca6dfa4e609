"""The audit log in French sentences: what happened, to which object, with which details.

An event is stored with codes (``repair.status``, ``repair_request``, ``previous``); people
read "Statut de la demande de réparation n° 6 : en cours → réparée". Every action the
application records has a label here (a test reads the code for the actions it records);
a detail without a French name is left out rather than shown as a code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from nrhub.formatting import current_language, format_date, format_money, format_number

# What each stored object type is called, with its article ("la demande …").
OBJECT_NAMES = {
    "user_account": _l("le compte"),
    "account_token": _l("le lien de connexion"),
    "organisation": _l("l'organisation"),
    "listing": _l("l'offre du catalogue"),
    "listing_photo": _l("la photo d'offre"),
    "stock_import": _l("l'import de stock"),
    "maintenance_offer": _l("l'offre de maintenance"),
    "repair_request": _l("la demande de réparation"),
    "api_token": _l("le jeton d'API"),
    "spend_entry": _l("la dépense"),
    "spend_import": _l("l'import de dépenses"),
    "legal_target": _l("l'objectif légal"),
    "donation_lot": _l("le lot de réemploi"),
    "donation_claim": _l("la réservation de lot"),
    "donation_settings": _l("les réglages des dons"),
    "retired_stock": _l("le parc réformé"),
    "retired_outcome": _l("la sortie d'équipements réformés"),
    "campaign": _l("la campagne"),
    "campaign_offer": _l("l'offre de campagne"),
    "purchase_request": _l("la commande"),
    "purchase_order": _l("le bon de commande"),
    "allocation_override": _l("l'ajustement d'attribution"),
    "delivery": _l("la livraison"),
    "clause": _l("la clause"),
    "membership_agreement": _l("la convention d'adhésion"),
    "framework_agreement": _l("l'accord-cadre"),
    "framework_lot": _l("le lot d'accord-cadre"),
}

ACTION_LABELS = {
    "auth.login": _l("Connexion"),
    "auth.logout": _l("Déconnexion"),
    "auth.locked": _l("Compte bloqué après plusieurs échecs"),
    "auth.reset_requested": _l("Demande de réinitialisation du mot de passe"),
    "auth.password_reset": _l("Mot de passe réinitialisé"),
    "auth.password_change": _l("Mot de passe changé"),
    "auth.update_account": _l("Compte modifié"),
    "organisation.signup": _l("Inscription d'une organisation"),
    "organisation.signup_existing_email": _l("Inscription avec une adresse déjà connue"),
    "organisation.hub_created": _l("Création de la centrale"),
    "organisation.validate": _l("Organisation validée"),
    "organisation.reject": _l("Inscription refusée"),
    "organisation.suspend": _l("Organisation suspendue"),
    "organisation.reactivate": _l("Organisation réactivée"),
    "organisation.update_profile": _l("Profil de l'organisation modifié"),
    "organisation.invite": _l("Invitation envoyée"),
    "organisation.join": _l("Invitation acceptée"),
    "organisation.remove_member": _l("Membre retiré"),
    "api_token.created": _l("Jeton d'API créé"),
    "api_token.revoked": _l("Jeton d'API révoqué"),
    "listing.created": _l("Offre créée"),
    "listing.updated": _l("Offre modifiée"),
    "listing.quantity_changed": _l("Quantité d'une offre modifiée"),
    "listing.price_changed": _l("Prix d'une offre modifié"),
    "listing.draft": _l("Offre remise en brouillon"),
    "listing.published": _l("Offre publiée"),
    "listing.archived": _l("Offre archivée"),
    "listing.photo_added": _l("Photo d'offre ajoutée"),
    "listing.photo_removed": _l("Photo d'offre retirée"),
    "listing.import_applied": _l("Import de stock appliqué"),
    "maintenance.created": _l("Offre de maintenance créée"),
    "maintenance.updated": _l("Offre de maintenance modifiée"),
    "maintenance.deleted": _l("Offre de maintenance supprimée"),
    "repair.opened": _l("Demande de réparation ouverte"),
    "repair.message": _l("Message sur une demande de réparation"),
    "repair.status": _l("Statut d'une demande de réparation changé"),
    "spend.declared": _l("Dépense déclarée"),
    "spend.updated": _l("Dépense modifiée"),
    "spend.deleted": _l("Dépense supprimée"),
    "spend.imported": _l("Dépenses importées"),
    "target.created": _l("Objectif légal créé"),
    "target.updated": _l("Objectif légal modifié"),
    "target.deleted": _l("Objectif légal supprimé"),
    "donation_lot.created": _l("Lot de réemploi proposé"),
    "donation_lot.updated": _l("Lot de réemploi modifié"),
    "donation_lot.withdrawn": _l("Lot de réemploi retiré"),
    "donation_lot.photo_added": _l("Photo de lot ajoutée"),
    "donation_lot.photo_removed": _l("Photo de lot retirée"),
    "donation_claim.created": _l("Lot réservé"),
    "donation_claim.accepted": _l("Réservation acceptée"),
    "donation_claim.refused": _l("Réservation refusée"),
    "donation_claim.cancelled": _l("Réservation annulée"),
    "donation_claim.picked_up": _l("Lot enlevé"),
    "donation_claim.outcome": _l("Devenir du lot déclaré"),
    "donation_settings.saved": _l("Réglages des dons enregistrés"),
    "retired_stock.saved": _l("Parc réformé déclaré"),
    "retired_outcome.recorded": _l("Sortie d'équipements réformés déclarée"),
    "clause.created": _l("Clause créée"),
    "clause.updated": _l("Clause modifiée"),
    "membership.recorded": _l("Convention d'adhésion enregistrée"),
    "membership.updated": _l("Convention d'adhésion modifiée"),
    "framework.created": _l("Accord-cadre enregistré"),
    "framework.updated": _l("Accord-cadre modifié"),
    "framework.lot_added": _l("Lot d'accord-cadre ajouté"),
    "framework.lot_updated": _l("Lot d'accord-cadre modifié"),
    "framework.holder_added": _l("Titulaire ajouté à un lot"),
    "framework.holder_removed": _l("Titulaire retiré d'un lot"),
    "campaign.created": _l("Campagne préparée"),
    "campaign.updated": _l("Campagne modifiée"),
    "campaign.call_published": _l("Appel à stock publié"),
    "campaign.opened": _l("Campagne ouverte"),
    "campaign.closed": _l("Campagne clôturée"),
    "campaign.cancelled": _l("Campagne annulée"),
    "campaign.consolidated": _l("Campagne consolidée"),
    "campaign_offer.committed": _l("Stock engagé sur une campagne"),
    "campaign_offer.quantity_changed": _l("Quantité engagée modifiée"),
    "campaign_offer.accepted": _l("Offre de campagne acceptée"),
    "campaign_offer.refused": _l("Offre de campagne refusée"),
    "campaign_offer.withdrawn": _l("Offre de campagne retirée"),
    "order.created": _l("Commande enregistrée"),
    "order.updated": _l("Commande modifiée"),
    "order.reactivated": _l("Commande reprise"),
    "order.cancelled": _l("Commande annulée"),
    "consolidation.override": _l("Attribution ajustée"),
    "consolidation.override_removed": _l("Ajustement d'attribution retiré"),
    "delivery.shipped": _l("Livraison expédiée"),
    "delivery.received": _l("Livraison reçue"),
    "delivery.not_delivered": _l("Unités déclarées non livrées"),
    "commitment.recorded": _l("Engagement budgétaire enregistré"),
    "invoice.issued": _l("Facture émise"),
    "invoice.credit_note_issued": _l("Avoir émis"),
}

# Status values, by the object type that holds them.
_STATUS_NAMES: dict[str, Mapping[str, Any]] = {
    "repair_request": {
        "open": _l("ouverte"),
        "in_progress": _l("en cours"),
        "repaired": _l("réparée"),
        "replaced": _l("remplacée"),
        "refused": _l("refusée"),
    },
    "organisation": {
        "pending": _l("en attente de validation"),
        "active": _l("active"),
        "suspended": _l("suspendue"),
        "rejected": _l("refusée"),
    },
    "listing": {
        "draft": _l("brouillon"),
        "published": _l("publiée"),
        "archived": _l("archivée"),
    },
}

_STATUS_SENTENCES = {
    "repair_request": _l("Statut de la demande de réparation n° %(id)s : %(before)s → %(after)s"),
    "organisation": _l("Statut de l'organisation n° %(id)s : %(before)s → %(after)s"),
    "listing": _l("Statut de l'offre du catalogue n° %(id)s : %(before)s → %(after)s"),
}

# Details shown in the journal, by key, with the kind of their value.
_DETAIL_LABELS: dict[str, tuple[Any, str]] = {
    "quantity": (_l("quantité"), "number"),
    "units": (_l("unités"), "number"),
    "before": (_l("avant"), "number"),
    "after": (_l("après"), "number"),
    "rows": (_l("lignes"), "number"),
    "photos": (_l("photos"), "number"),
    "reused": (_l("unités réemployées"), "number"),
    "recycled": (_l("unités recyclées"), "number"),
    "shipped_units": (_l("unités expédiées"), "number"),
    "received_units": (_l("unités reçues"), "number"),
    "allocated_units": (_l("unités attribuées"), "number"),
    "returned_units": (_l("unités rendues"), "number"),
    "computed_quantity": (_l("quantité calculée"), "number"),
    "units_released": (_l("unités libérées"), "number"),
    "offers_released": (_l("offres libérées"), "number"),
    "orders_cancelled": (_l("commandes annulées"), "number"),
    "pending_offers_released": (_l("offres en attente libérées"), "number"),
    "claims_refused": (_l("réservations refusées"), "number"),
    "serial_count": (_l("numéros de série"), "number"),
    "year": (_l("année"), "text"),
    "first_year": (_l("à partir de"), "text"),
    "weight_kg": (_l("poids (kg)"), "number"),
    "price": (_l("prix HT"), "money"),
    "unit_price": (_l("prix unitaire HT"), "money"),
    "amount": (_l("montant HT"), "money"),
    "sku": (_l("référence"), "text"),
    "title": (_l("titre"), "text"),
    "label": (_l("nom"), "text"),
    "prefix": (_l("début du jeton"), "text"),
    "email": (_l("adresse e-mail"), "text"),
    "siret": (_l("SIRET"), "text"),
    "organisation_name": (_l("organisation"), "text"),
    "reason": (_l("motif"), "text"),
    "comment": (_l("commentaire"), "text"),
    "shipped_on": (_l("expédiée le"), "date"),
    "received_on": (_l("reçue le"), "date"),
    "spent_on": (_l("date"), "date"),
    "on": (_l("le"), "date"),
    "purchase_orders": (_l("bons de commande"), "text"),
    "early": (_l("avant l'échéance"), "bool"),
    "certificate": (_l("certificat"), "bool"),
    "credentials_revoked": (_l("accès révoqués"), "number"),
}


class EventText(NamedTuple):
    sentence: str
    details: str


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else _("Autre action")


def object_name(object_type: str, object_id: int | None) -> str:
    """ "la demande de réparation n° 6" (the code of an unknown type is never shown)."""
    name = OBJECT_NAMES.get(object_type)
    text = str(name) if name is not None else _("l'élément")
    return f"{text} n° {object_id}" if object_id is not None else text


def _status(object_type: str, value: Any) -> str:
    names = _STATUS_NAMES.get(object_type, {})
    name = names.get(str(value))
    return str(name) if name is not None else "—"


def _value(kind: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    locale = current_language()
    try:
        if kind == "money":
            return format_money(Decimal(str(value)), locale)
        if kind == "number":
            return format_number(
                Decimal(str(value)), 0 if float(value) == int(value) else 1, locale
            )
        if kind == "date":
            return format_date(dt.date.fromisoformat(str(value)[:10]), locale)
    except (InvalidOperation, ValueError, TypeError):
        return None
    if kind == "bool":
        return _("oui") if value else _("non")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _details(details: Mapping[str, Any]) -> str:
    parts = []
    for key, value in details.items():
        known = _DETAIL_LABELS.get(key)
        if known is None:
            continue
        label, kind = known
        shown = _value(kind, value)
        if shown is not None:
            parts.append(f"{label} : {shown}")
    return ", ".join(parts)


def describe(
    action: str, object_type: str, object_id: int | None, details: Mapping[str, Any] | None
) -> EventText:
    """The journal's line for one event: a sentence naming its object, and its details."""
    details = dict(details or {})
    obj = object_name(object_type, object_id)
    label = action_label(action)
    # A change of status reads "Statut de la demande de réparation n° 6 : en cours → réparée".
    before = details.pop("previous", details.pop("old_status", None))
    after = details.pop("status", None)
    if action.startswith("listing.") and before is not None and after is None:
        after = action.removeprefix("listing.")
    status_sentence = _STATUS_SENTENCES.get(object_type)
    if before is not None and after is not None and status_sentence is not None:
        sentence = str(status_sentence) % {
            "id": object_id,
            "before": _status(object_type, before),
            "after": _status(object_type, after),
        }
    elif action.endswith("quantity_changed"):
        old, new = (
            details.pop("old", details.pop("before", None)),
            details.pop("new", details.pop("after", None)),
        )
        sentence = _(
            "%(label)s : %(obj)s, %(old)s → %(new)s",
            label=label,
            obj=obj,
            old=_value("number", old) or "—",
            new=_value("number", new) or "—",
        )
    elif action == "listing.price_changed":
        sentence = _(
            "%(label)s : %(obj)s, %(old)s → %(new)s HT",
            label=label,
            obj=obj,
            old=_value("money", details.pop("old", None)) or "—",
            new=_value("money", details.pop("new", None)) or "—",
        )
    else:
        sentence = _("%(label)s : %(obj)s", label=label, obj=obj)
    return EventText(sentence, _details(details))
