"""Demo data of the ledger area: purchases outside the hub and donations received by
several demo buyers, in the previous and the current year (idempotent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from nrhub.catalog.models import Category
from nrhub.clauses.services import NO_ENVIRONMENTAL, NO_SOCIAL
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.ledger.models import SpendEntry, SpendOrigin
from nrhub.ledger.reference import donation_grid
from nrhub.ledger.services import record_spend
from nrhub.organisations.models import Organisation

# (buyer key, years ago, month, day, category, quantity, amount, origin, reuse, recycled,
#  supplier, social, environmental, comment)
PURCHASES = (
    ("vitre", 1, 3, 14, "laptop", 40, "34800.00", "external", False, False,
     "UGAP (marché national)", NO_SOCIAL, NO_ENVIRONMENTAL, "Renouvellement des portables"),
    ("vitre", 1, 9, 22, "monitor", 25, "4125.00", "external", False, True,
     "Fournisseur régional d'écrans", NO_SOCIAL, "Critère environnemental", "Écrans 24 pouces"),
    ("vitre", 1, 11, 5, "smartphone", 15, "2250.00", "external", True, False,
     "Recyclerie numérique", "Clause sociale", "Clause environnementale",
     "Smartphones reconditionnés, marché avec clause d'insertion"),
    ("vitre", 0, 2, 10, "desktop", 12, "9600.00", "external", False, False,
     "Fournisseur national", NO_SOCIAL, NO_ENVIRONMENTAL, "Postes de l'accueil"),
    ("vitre", 0, 4, 18, "laptop", 6, "", "donation", True, False,
     "Conseil départemental d'Ille-et-Vilaine", NO_SOCIAL, NO_ENVIRONMENTAL,
     "Don de portables réformés de moins de 5 ans"),
    ("lannion", 1, 5, 6, "laptop", 20, "17400.00", "external", False, False,
     "Fournisseur national", NO_SOCIAL, NO_ENVIRONMENTAL, "Portables des écoles"),
    ("lannion", 1, 12, 31, "tablet", 10, "1900.00", "external", True, False,
     "Atelier de réemploi", "Marché réservé", NO_ENVIRONMENTAL, "Tablettes reconditionnées"),
    ("lannion", 0, 3, 3, "printer", 4, "2360.00", "external", False, True,
     "Fournisseur d'impression", NO_SOCIAL, "Clause environnementale", "Imprimantes"),
    ("quimperle", 0, 1, 20, "laptop", 10, "8700.00", "external", False, False,
     "Fournisseur national", NO_SOCIAL, NO_ENVIRONMENTAL, "Portables des services"),
    ("quimperle", 0, 2, 14, "monitor", 8, "", "donation", True, False,
     "Communauté d'agglomération", NO_SOCIAL, NO_ENVIRONMENTAL, "Don d'écrans"),
    ("pontivy", 1, 6, 12, "network_equipment", 6, "3120.00", "external", False, False,
     "Intégrateur réseau", NO_SOCIAL, NO_ENVIRONMENTAL, "Commutateurs"),
    ("cc-val-ille", 1, 10, 2, "laptop", 30, "9300.00", "external", True, False,
     "Reconditionneur hors centrale", NO_SOCIAL, "Clause environnementale",
     "Portables reconditionnés grade A"),
)  # fmt: skip

MARK = "[démo] "


def load() -> None:
    """Idempotent: a row already loaded (same buyer, date and comment) is skipped."""
    from nrhub.demo.organisations import organisation

    today = paris_today()
    categories = {c.code: c for c in db.session.execute(select(Category)).scalars()}
    for spec in PURCHASES:
        key, ago, month, day, code, quantity, amount, origin, reuse, recycled = spec[:10]
        supplier, social, environmental, comment = spec[10:]
        spent_on = dt.date(today.year - ago, month, day)
        if spent_on > today:
            spent_on = today
        buyer: Organisation = organisation(key)
        text = MARK + comment
        exists = db.session.execute(
            select(SpendEntry.id).where(SpendEntry.buyer_id == buyer.id, SpendEntry.comment == text)
        ).first()
        if exists:
            continue
        bracket = "lt5" if origin == "donation" else None
        value = (
            (donation_grid().value(code, "lt5") or Decimal(0)) * quantity
            if origin == "donation"
            else Decimal(amount)
        )
        record_spend(
            buyer=buyer,
            spent_on=spent_on,
            category_id=categories[code].id,
            quantity=quantity,
            amount=value,
            supplier_name=supplier,
            origin=SpendOrigin(origin),
            is_reuse=reuse,
            has_recycled_materials=recycled,
            social_consideration=social,
            environmental_consideration=environmental,
            donation_age_bracket=bracket,
            comment=text,
            by=None,
        )
    db.session.flush()  # the caller's unit of work commits
