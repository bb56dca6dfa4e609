"""Demo organisations and people: a hub in Brittany, 5 refurbishers, 10 buyers."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from stdnum import luhn

from nrhub.auth.models import User
from nrhub.auth.passwords import hash_password
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.organisations.models import (
    BuyerType,
    InsertionType,
    LegalForm,
    Organisation,
    OrgKind,
    OrgStatus,
)

DEMO_PASSWORD = "nrhub-demo-2026"  # noqa: S105  (published in the README on purpose)


def demo_siret(prefix13: str) -> str:
    """A valid SIRET built from a fictitious 13-digit prefix.

    Both the SIREN (first 9 digits) and the whole SIRET pass the Luhn check, as
    python-stdnum requires: the 9th digit and the last one are check digits.
    """
    siren = prefix13[:8] + luhn.calc_check_digit(prefix13[:8])
    body = siren + prefix13[9:13]
    return body + luhn.calc_check_digit(body)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    kind: OrgKind
    name: str
    siret_prefix: str
    address: str
    postcode: str
    city: str
    department: str
    people: tuple[tuple[str, str], ...]  # (e-mail, name); the first is the admin
    status: OrgStatus = OrgStatus.ACTIVE
    extra: dict[str, object] = field(default_factory=dict)


HUB = DemoOrg(
    "hub",
    OrgKind.HUB,
    "Centrale d'achat numérique responsable de Bretagne",
    "9990010000001",
    "12 rue de la Monnaie",
    "35000",
    "Rennes",
    "35",
    (
        ("coordination@demo.nrhub.fr", "Morgane Le Gall"),
        ("coordination2@demo.nrhub.fr", "Yann Kerhervé"),
    ),
)

REFURBISHERS = (
    DemoOrg(
        "ordi-breizh",
        OrgKind.REFURBISHER,
        "Ordi'Breizh Réemploi",
        "9990020000001",
        "4 allée du Bâtiment",
        "35200",
        "Rennes",
        "35",
        (
            ("reconditionneur@demo.nrhub.fr", "Gwenaël Tanguy"),
            ("atelier@ordibreizh.demo.nrhub.fr", "Soizic Le Bris"),
        ),
        extra={
            "legal_form": LegalForm.ASSOCIATION,
            "insertion_type": InsertionType.ACI,
            "esus_agreement": True,
        },
    ),
    DemoOrg(
        "coop-ouest",
        OrgKind.REFURBISHER,
        "Coop'Numérique de l'Ouest",
        "9990030000001",
        "27 boulevard de la Prairie-au-Duc",
        "44200",
        "Nantes",
        "44",
        (("reconditionneur2@demo.nrhub.fr", "Camille Guérin"),),
        extra={
            "legal_form": LegalForm.SCIC,
            "insertion_type": InsertionType.NONE,
            "esus_agreement": True,
        },
    ),
    DemoOrg(
        "atelier-leon",
        OrgKind.REFURBISHER,
        "Atelier Solidaire du Léon",
        "9990040000001",
        "8 rue de l'Élorn",
        "29200",
        "Brest",
        "29",
        (("reconditionneur3@demo.nrhub.fr", "Ronan Quéré"),),
        extra={
            "legal_form": LegalForm.ASSOCIATION,
            "insertion_type": InsertionType.EI,
            "esus_agreement": True,
        },
    ),
    DemoOrg(
        "armor-ea",
        OrgKind.REFURBISHER,
        "Armor Informatique Adaptée",
        "9990050000001",
        "ZA des Châtelets, 3 rue des Tisserands",
        "22440",
        "Ploufragan",
        "22",
        (("reconditionneur4@demo.nrhub.fr", "Nolwenn Morvan"),),
        extra={"legal_form": LegalForm.ESS_COMPANY, "insertion_type": InsertionType.EA},
    ),
    DemoOrg(
        "scop-vannes",
        OrgKind.REFURBISHER,
        "Numérique Durable du Golfe",
        "9990060000001",
        "15 avenue Édouard Herriot",
        "56000",
        "Vannes",
        "56",
        (("reconditionneur5@demo.nrhub.fr", "Erwan Le Floch"),),
        extra={"legal_form": LegalForm.SCOP, "insertion_type": InsertionType.NONE},
    ),
)

BUYERS = (
    DemoOrg(
        "vitre",
        OrgKind.BUYER,
        "Commune de Vitré",
        "9991010000001",
        "Place du Château",
        "35500",
        "Vitré",
        "35",
        (
            ("acheteur@demo.nrhub.fr", "Claire Lemoine"),
            ("dsi@vitre.demo.nrhub.fr", "Thomas Briand"),
        ),
        extra={"buyer_type": BuyerType.COMMUNE, "population": 18906},
    ),
    DemoOrg(
        "lannion",
        OrgKind.BUYER,
        "Commune de Lannion",
        "9991020000001",
        "Place du Général Leclerc",
        "22300",
        "Lannion",
        "22",
        (("acheteur2@demo.nrhub.fr", "Anne Le Goff"),),
        extra={"buyer_type": BuyerType.COMMUNE, "population": 20283},
    ),
    DemoOrg(
        "quimperle",
        OrgKind.BUYER,
        "Commune de Quimperlé",
        "9991030000001",
        "32 rue de Pont-Aven",
        "29300",
        "Quimperlé",
        "29",
        (("acheteur3@demo.nrhub.fr", "Loïc Cadiou"),),
        extra={"buyer_type": BuyerType.COMMUNE, "population": 12950},
    ),
    DemoOrg(
        "pontivy",
        OrgKind.BUYER,
        "Commune de Pontivy",
        "9991040000001",
        "Place Aristide Briand",
        "56300",
        "Pontivy",
        "56",
        (("acheteur4@demo.nrhub.fr", "Maëlle Jégo"),),
        extra={"buyer_type": BuyerType.COMMUNE, "population": 15286},
    ),
    DemoOrg(
        "fougeres",
        OrgKind.BUYER,
        "Commune de Fougères",
        "9991050000001",
        "2 rue Porte Saint-Léonard",
        "35300",
        "Fougères",
        "35",
        (("acheteur5@demo.nrhub.fr", "Julien Rouxel"),),
        extra={"buyer_type": BuyerType.COMMUNE, "population": 20418},
    ),
    DemoOrg(
        "plouguerneau",
        OrgKind.BUYER,
        "Commune de Plouguerneau",
        "9991060000001",
        "1 place de l'Europe",
        "29880",
        "Plouguerneau",
        "29",
        (("acheteur6@demo.nrhub.fr", "Katell Abiven"),),
        extra={"buyer_type": BuyerType.COMMUNE, "population": 6625},
    ),
    DemoOrg(
        "saint-meen",
        OrgKind.BUYER,
        "Commune de Saint-Méen-le-Grand",
        "9991070000001",
        "Place de la Mairie",
        "35290",
        "Saint-Méen-le-Grand",
        "35",
        (("acheteur7@demo.nrhub.fr", "Pierre Hamon"),),
        extra={"buyer_type": BuyerType.COMMUNE, "population": 4736},
    ),
    DemoOrg(
        "cc-val-ille",
        OrgKind.BUYER,
        "Communauté de communes du Val d'Ille-Aubigné",
        "9991080000001",
        "1 La Métairie",
        "35520",
        "Montreuil-le-Gast",
        "35",
        (("acheteur8@demo.nrhub.fr", "Sandrine Pichon"),),
        extra={"buyer_type": BuyerType.EPCI, "population": 37000},
    ),
    DemoOrg(
        "ccas-vannes",
        OrgKind.BUYER,
        "CCAS de Vannes",
        "9991090000001",
        "23 rue Alexandre Le Pontois",
        "56000",
        "Vannes",
        "56",
        (("acheteur9@demo.nrhub.fr", "Hélène Le Corre"),),
        extra={"buyer_type": BuyerType.CCAS, "population": 54000},
    ),
    DemoOrg(
        "concarneau",
        OrgKind.BUYER,
        "Commune de Concarneau",
        "9991100000001",
        "Hôtel de ville, place de l'Hôtel de Ville",
        "29900",
        "Concarneau",
        "29",
        (("acheteur10@demo.nrhub.fr", "Bertrand Le Roux"),),
        extra={"buyer_type": BuyerType.COMMUNE, "population": 20000},
    ),
)

# Waiting for the coordinator's validation, so that the journey can be tried.
PENDING = (
    DemoOrg(
        "redon",
        OrgKind.BUYER,
        "Commune de Redon",
        "9991110000001",
        "Place Saint-Sauveur",
        "35600",
        "Redon",
        "35",
        (("acheteur-en-attente@demo.nrhub.fr", "Lucie Bertho"),),
        status=OrgStatus.PENDING,
        extra={"buyer_type": BuyerType.COMMUNE, "population": 9500},
    ),
)

ALL_ORGS = (HUB, *REFURBISHERS, *BUYERS, *PENDING)


def organisation(key: str) -> Organisation:
    """The demo organisation with this key (for the other demo loaders)."""
    spec = next(o for o in ALL_ORGS if o.key == key)
    return db.session.execute(
        select(Organisation).where(Organisation.siret == demo_siret(spec.siret_prefix))
    ).scalar_one()


def load() -> None:
    password_hash: str | None = None
    for spec in ALL_ORGS:
        siret = demo_siret(spec.siret_prefix)
        org = db.session.execute(
            select(Organisation).where(Organisation.siret == siret)
        ).scalar_one_or_none()
        if org is None:
            org = Organisation(
                kind=spec.kind,
                name=spec.name,
                siret=siret,
                address=spec.address,
                postcode=spec.postcode,
                city=spec.city,
                contact_email=spec.people[0][0],
                status=spec.status,
                validated_at=utcnow() if spec.status == OrgStatus.ACTIVE else None,
                **spec.extra,
            )
            org.set_department(spec.department)
            db.session.add(org)
            db.session.flush()
        for index, (email, name) in enumerate(spec.people):
            exists = db.session.execute(
                select(User.id).where(db.func.lower(User.email) == email)
            ).scalar_one_or_none()
            if exists is None:
                password_hash = password_hash or hash_password(DEMO_PASSWORD)
                db.session.add(
                    User(
                        email=email,
                        name=name,
                        password_hash=password_hash,
                        organisation_id=org.id,
                        is_org_admin=index == 0,
                    )
                )
    db.session.flush()  # the caller's unit of work commits


def demo_accounts() -> list[tuple[str, str, str]]:
    labels = {
        OrgKind.HUB: "coordination",
        OrgKind.REFURBISHER: "reconditionneur",
        OrgKind.BUYER: "acheteur",
    }
    return [
        (spec.people[0][0], labels[spec.kind], spec.name)
        for spec in (HUB, REFURBISHERS[0], REFURBISHERS[1], BUYERS[0], BUYERS[1], PENDING[0])
    ]
