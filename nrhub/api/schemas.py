"""Request and response bodies of the API: pydantic models that validate the requests and
give the OpenAPI document its schemas (one source for both). The output models build
themselves from the application's objects (``ListingOut.of(listing)``): the same model
writes the response and describes it.

This module sits below the API's services and views: it reads models, never a service."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel

from nrhub.api.formats import MAX_ID, day, decimal_text, money, timestamp
from nrhub.campaigns.models import OfferStatus

if TYPE_CHECKING:
    from nrhub.campaigns.models import Campaign, Order
    from nrhub.campaigns.queries import OfferFigures
    from nrhub.catalog.models import Category, Listing
    from nrhub.ledger.models import SpendEntry

MONEY_PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,2})?$"  # ASCII digits: pydantic's \d also takes "٣"
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _money() -> Any:
    return Field(pattern=MONEY_PATTERN, examples=["249.90"])


# A listing's decimals are compared by value: "249.9", "249.90" and "249.900" are one price.
PRICE_IN_PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,2}0{0,4})?$"
VAT_IN_PATTERN = r"^[0-9]{1,2}(\.[0-9]{1,2}0{0,4})?$"


def _price_in() -> Any:
    return Field(
        pattern=PRICE_IN_PATTERN,
        examples=["249.90"],
        description="Euros HT, au plus 2 décimales significatives (« 249.9 » = « 249.90 »).",
    )


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error (RFC 9457), ``application/problem+json``."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = Field(description="Message en français.")
    errors: dict[str, list[str]] | None = Field(
        default=None, description="Messages par champ (chemin pointé, ex. items.3.quantity)."
    )


class TokenCreate(_In):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1000)
    label: str = Field(min_length=1, max_length=100, examples=["ERP atelier"])


class TokenCreated(BaseModel):
    id: int
    token: str = Field(description="Affiché une seule fois : conservez-le.")
    expires_at: str = Field(description="ISO 8601 avec décalage horaire.")


class CategoryOut(BaseModel):
    code: str = Field(examples=["laptop"])
    label: str
    label_en: str
    cpv_code: str
    expected_years: int

    @classmethod
    def of(cls, item: Category) -> Self:
        return cls.model_validate(
            dict(
                code=item.code,
                label=item.label_fr,
                label_en=item.label_en,
                cpv_code=item.cpv_code,
                expected_years=item.expected_years,
            )
        )


class CategoryList(BaseModel):
    items: list[CategoryOut]


class PriceTierOut(BaseModel):
    min_quantity: int
    unit_price_ht: str = Field(examples=["225.00"])


class RefurbisherOut(BaseModel):
    id: int
    name: str
    department: str


class ListingOut(BaseModel):
    id: int
    sku: str
    category: str = Field(description="Code de la catégorie.", examples=["laptop"])
    brand: str
    model: str
    description: str
    grade: Literal["A+", "A", "B", "C"]
    state: Literal["refurbished", "used"]
    refurbished_in_france: bool
    data_wiping_attested: bool
    has_recycled_materials: bool = Field(
        description="Le matériel intègre des matières recyclées (décret n° 2024-134) : les "
        "achats de l'offre par la centrale comptent dans la part de matières recyclées."
    )
    processor: str | None
    ram_gb: int | None
    storage_gb: int | None
    screen_inches: str | None
    quantity: int
    unit_price_ht: str = Field(examples=["249.90"])
    vat_rate: str = Field(examples=["20.00"])
    price_tiers: list[PriceTierOut]
    warranty_months: int
    repairability_index: str | None
    os_update_years: int | None
    spare_parts_years: int | None
    status: Literal["draft", "published", "archived"]
    refurbisher: RefurbisherOut
    created_at: str
    updated_at: str
    published_at: str | None

    @classmethod
    def of(cls, item: Listing) -> Self:
        """Needs refurbisher, category and tiers loaded."""
        return cls.model_validate(
            dict(
                id=item.id,
                sku=item.sku,
                category=item.category.code,
                brand=item.brand,
                model=item.model,
                description=item.description,
                grade=str(item.grade),
                state=str(item.state),
                refurbished_in_france=item.refurbished_in_france,
                data_wiping_attested=item.data_wiping_attested,
                has_recycled_materials=item.has_recycled_materials,
                processor=item.processor,
                ram_gb=item.ram_gb,
                storage_gb=item.storage_gb,
                screen_inches=decimal_text(item.screen_inches),
                quantity=item.quantity,
                unit_price_ht=money(item.unit_price),
                vat_rate=money(item.vat_rate),
                price_tiers=[
                    {"min_quantity": t.min_quantity, "unit_price_ht": money(t.unit_price)}
                    for t in item.tiers
                ],
                warranty_months=item.warranty_months,
                repairability_index=decimal_text(item.repairability_index),
                os_update_years=item.os_update_years,
                spare_parts_years=item.spare_parts_years,
                status=str(item.status),
                refurbisher=RefurbisherOut(
                    id=item.refurbisher.id,
                    name=item.refurbisher.name,
                    department=item.refurbisher.department_code,
                ),
                created_at=timestamp(item.created_at),
                updated_at=timestamp(item.updated_at),
                published_at=timestamp(item.published_at),
            )
        )


class ListingPage(BaseModel):
    items: list[ListingOut]
    next_cursor: str | None = Field(description="null sur la dernière page.")


class TierIn(_In):
    min_quantity: int = Field(
        ge=1,
        le=1_000_000,
        description="2 ou plus ; un palier dès 1 unité n'est accepté qu'au prix de base "
        "(il est alors ignoré : c'est le prix unitaire de l'offre).",
    )
    unit_price_ht: str = _price_in()


class RefurbisherIn(_In):
    id: int
    name: str = Field(max_length=300)
    department: str = Field(max_length=3)


class ListingIn(_In):
    """A whole listing (PUT replaces every field). The representation that GET returns is
    accepted as is: its read-only fields (id, sku, refurbisher, dates) are ignored when they
    match the stored listing, and refused (422) when they differ; ``sku`` must be the URL's."""

    id: int | None = Field(default=None, description="Lecture seule.")
    sku: str | None = Field(
        default=None, max_length=64, description="Lecture seule : celle de l'adresse."
    )
    refurbisher: RefurbisherIn | None = Field(default=None, description="Lecture seule.")
    created_at: str | None = Field(default=None, max_length=40, description="Lecture seule.")
    updated_at: str | None = Field(default=None, max_length=40, description="Lecture seule.")
    published_at: str | None = Field(default=None, max_length=40, description="Lecture seule.")
    category: str = Field(min_length=1, max_length=40, examples=["laptop"])
    brand: str = Field(min_length=1, max_length=80)
    model: str = Field(min_length=1, max_length=160)
    grade: Literal["A+", "A", "B", "C"]
    quantity: int = Field(ge=0, le=1_000_000)
    unit_price_ht: str = _price_in()
    state: Literal["refurbished", "used"] = "refurbished"
    description: str = Field(default="", max_length=5000)
    refurbished_in_france: bool = False
    data_wiping_attested: bool = False
    has_recycled_materials: bool = False
    vat_rate: str = Field(
        default="20",
        pattern=VAT_IN_PATTERN,
        description="Taux de TVA en % : 20, 10, 5.5, 2.1 ou 0, comparé par valeur "
        "(« 20.0 » = « 20.00 » = « 20 »).",
    )
    price_tiers: list[TierIn] = Field(default_factory=list, max_length=6)
    warranty_months: int = Field(default=12, ge=0, le=120)
    repairability_index: str | None = Field(default=None, pattern=r"^[0-9]{1,2}(\.[0-9])?$")
    os_update_years: int | None = Field(default=None, ge=0, le=30)
    spare_parts_years: int | None = Field(default=None, ge=0, le=30)
    processor: str | None = Field(default=None, max_length=120)
    ram_gb: int | None = Field(default=None, ge=0, le=4096)
    storage_gb: int | None = Field(default=None, ge=0, le=1_000_000)
    screen_inches: str | None = Field(default=None, pattern=r"^[0-9]{1,3}(\.[0-9])?$")
    status: Literal["draft", "published", "archived"] | None = Field(
        default=None,
        description="À la création : draft par défaut. Au remplacement : inchangé si absent.",
    )


class StockItem(_In):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=0, le=1_000_000)


class StockSync(_In):
    items: list[StockItem] = Field(min_length=1, max_length=5000)


class StockResult(BaseModel):
    updated: int = Field(description="Offres dont la quantité a changé.")
    unchanged: int = Field(description="Offres déjà à la bonne quantité.")


# --- campaigns and orders ----------------------------------------------------------------


class CampaignOfferOut(BaseModel):
    """An offer of the campaign with its pooled figures (the campaign page's own)."""

    id: int
    listing_id: int
    refurbisher_id: int
    status: Literal["pending", "accepted", "refused", "withdrawn", "cancelled"]
    accepted: bool
    committed: int = Field(description="Unités engagées par le reconditionneur.")
    ordered: int = Field(description="Quantité mutualisée commandée par tous les acheteurs.")
    unit_price_ht: str = Field(description="Prix unitaire de base de l'offre.")
    pooled_unit_price_ht: str = Field(description="Prix unitaire atteint par la quantité.")
    units_to_next_tier: int | None = Field(description="null : pas de palier suivant.")
    next_tier_unit_price_ht: str | None

    @classmethod
    def of(cls, row: OfferFigures) -> Self:
        return cls.model_validate(
            dict(
                id=row.offer_id,
                listing_id=row.listing_id,
                refurbisher_id=row.refurbisher_id,
                status=str(row.status),
                accepted=row.status == OfferStatus.ACCEPTED,
                committed=row.committed,
                ordered=row.ordered,
                unit_price_ht=money(row.base_price),
                pooled_unit_price_ht=money(row.unit_price),
                units_to_next_tier=row.units_to_next_tier,
                next_tier_unit_price_ht=money(row.next_tier_price),
            )
        )


class CampaignSummaryOut(BaseModel):
    id: int
    title: str
    description: str
    state: Literal[
        "draft",
        "call_for_stock",
        "open",
        "closed",
        "consolidated",
        "in_delivery",
        "done",
        "cancelled",
    ]
    opens_at: str
    closes_at: str
    offers_due_at: str | None = Field(
        description="Date limite de l'appel de stock (null : pas d'appel publié)."
    )
    delivery_from: str | None = Field(description="Date ISO 8601 (AAAA-MM-JJ).")
    delivery_to: str | None
    categories: list[str] = Field(description="Codes de catégorie.", examples=[["laptop"]])
    clause_ids: list[int]

    @staticmethod
    def fields_of(item: Campaign) -> dict[str, Any]:
        """Needs categories and clauses loaded."""
        return {
            "id": item.id,
            "title": item.title,
            "description": item.description,
            "state": str(item.state),
            "opens_at": timestamp(item.opens_at),
            "closes_at": timestamp(item.closes_at),
            "offers_due_at": timestamp(item.offers_due_at),
            "delivery_from": day(item.delivery_from),
            "delivery_to": day(item.delivery_to),
            "categories": [c.code for c in item.categories],
            "clause_ids": [c.id for c in item.clauses],
        }

    @classmethod
    def of(cls, item: Campaign) -> Self:
        return cls.model_validate(cls.fields_of(item))


class CampaignOut(CampaignSummaryOut):
    offers: list[CampaignOfferOut] = Field(
        description="Acheteurs : offres acceptées ; reconditionneur : ses offres ; "
        "coordinateur : toutes."
    )

    @classmethod
    def with_offers(cls, item: Campaign, offers: list[OfferFigures]) -> Self:
        return cls.model_validate(
            {**cls.fields_of(item), "offers": [CampaignOfferOut.of(o) for o in offers]}
        )


class CampaignPage(BaseModel):
    items: list[CampaignSummaryOut]
    next_cursor: str | None = Field(description="null sur la dernière page.")


class OrderLineIn(_In):
    offer_id: Id
    quantity: int = Field(ge=0, le=100_000, description="0 retire la ligne.")


class OrderIn(_In):
    """The wanted quantities; offers not mentioned keep their line."""

    lines: list[OrderLineIn] = Field(min_length=1, max_length=1000)


class OrderLineOut(BaseModel):
    id: int
    offer_id: int
    quantity: int


class OrderOut(BaseModel):
    id: int
    campaign_id: int
    status: Literal["active", "cancelled"]
    lines: list[OrderLineOut]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, item: Order) -> Self:
        """Needs lines loaded."""
        return cls.model_validate(
            dict(
                id=item.id,
                campaign_id=item.campaign_id,
                status=str(item.status),
                lines=[
                    OrderLineOut(id=line.id, offer_id=line.offer_id, quantity=line.quantity)
                    for line in sorted(item.lines, key=lambda line: line.offer_id)
                ],
                created_at=timestamp(item.created_at),
                updated_at=timestamp(item.updated_at),
            )
        )


# --- indicators ----------------------------------------------------------------------


SHARE = "Part entre 0 et 1 (chaîne décimale), null faute de données."


class IndicatorsQuery(BaseModel):
    year: int | None = Field(default=None, ge=2000, le=2100)
    organisation: int | None = Field(default=None, ge=1, le=MAX_ID)


class OrganisationRef(BaseModel):
    id: int
    name: str
    siret: str | None


class CategoryIndicatorsOut(BaseModel):
    code: str
    label: str
    quantity: int
    it_spend: str
    reuse_spend: str
    donation_spend: str
    reuse_share: str | None = Field(description=SHARE)


class LegalCategoryIndicatorsOut(BaseModel):
    type_produit_acquis: str = Field(description="Catégorie du schéma national de déclaration.")
    total: str
    reuse: str = Field(description="Dons reçus inclus (valeur forfaitaire).")
    donations: str
    recycled: str
    reuse_share: str | None = Field(description=SHARE)
    reuse_target: str | None = Field(description="Objectif de réemploi (0 à 1), null sans taux.")
    recycled_share: str | None = Field(description=SHARE)
    recycled_target: str | None = Field(
        description="Objectif de matières recyclées (0 à 1), null sans taux."
    )


class IndicatorsOut(BaseModel):
    organisation: OrganisationRef | None = Field(description="null : tout le réseau.")
    year: int
    it_spend: str
    reuse_spend: str = Field(description="Dons reçus inclus (valeur forfaitaire).")
    donation_spend: str
    recycled_spend: str
    spend_with_clause: str
    reuse_share: str | None = Field(description=SHARE)
    target: str | None = Field(description="Objectif légal de la part du réemploi (0 à 1).")
    clauses_count: int
    social_clauses: int
    environmental_clauses: int
    spend_with_clause_share: str | None = Field(description=SHARE)
    reuse_quantity: int
    co2e_avoided_kg: str
    local_share: str | None = Field(description=SHARE)
    regional_share: str | None = Field(description=SHARE)
    ess_share: str | None = Field(description=SHARE)
    retired_reuse_rate: str | None = Field(description=SHARE)
    recycled_share: str | None = Field(description=SHARE)
    recycled_target: str | None = Field(
        description="Objectif légal de la part intégrant des matières recyclées (0 à 1)."
    )
    by_legal_category: list[LegalCategoryIndicatorsOut]
    by_category: list[CategoryIndicatorsOut]


# --- coordination: campaigns, offers, consolidation -----------------------------------


class CampaignIn(_In):
    """A new campaign (the web campaign form's fields); it starts as a draft."""

    title: str = Field(min_length=1, max_length=200, examples=["Ordinateurs portables 2027"])
    description: str = Field(default="", max_length=10000)
    opens_at: AwareDatetime = Field(description="ISO 8601 avec décalage horaire.")
    closes_at: AwareDatetime = Field(description="ISO 8601 avec décalage horaire.")
    delivery_from: dt.date | None = Field(default=None, description="AAAA-MM-JJ.")
    delivery_to: dt.date | None = Field(default=None, description="AAAA-MM-JJ.")
    categories: list[str] = Field(
        min_length=1, max_length=50, description="Codes de catégorie.", examples=[["laptop"]]
    )
    clause_ids: list[Id] = Field(default_factory=list, max_length=200)


class TransitionIn(_In):
    to: Literal["call_for_stock", "open", "closed", "cancelled"]
    reason: str | None = Field(
        default=None, max_length=2000, description="Obligatoire pour cancelled (5 caractères)."
    )
    offers_due_at: AwareDatetime | None = Field(
        default=None,
        description="Obligatoire pour call_for_stock : date limite des engagements de stock "
        "(ISO 8601 avec décalage horaire).",
    )


class DecisionIn(_In):
    accept: bool


class OfferTierIn(_In):
    min_quantity: int = Field(ge=2, le=100_000)
    unit_price_ht: str = _money()


class OfferIn(_In):
    """Commit units of one of your published listings (taken from its free stock)."""

    listing_id: Id
    quantity: int = Field(ge=1, le=100_000)
    tiers: list[OfferTierIn] = Field(
        default_factory=list, max_length=5, description="Paliers propres à la campagne."
    )


class ConsolidationIn(_In):
    rule: Literal["proportional", "fifo"] = "proportional"
    confirm: bool = Field(
        default=False, description="false : aperçu sans rien écrire ; true : consolider."
    )


class NamedRef(BaseModel):
    id: int
    name: str


class AllocationOut(BaseModel):
    line_id: int = Field(description="Ligne de commande de l'acheteur.")
    buyer: NamedRef
    asked: int
    computed: int = Field(description="Quantité donnée par la règle.")
    quantity: int = Field(description="Quantité attribuée (ajustements compris).")
    amount_ht: str
    maintenance_ht: str = Field(
        description="Maintenance choisie avec la ligne, pour les unités attribuées (0.00 sans)."
    )
    overridden: bool


class OfferAllocationOut(BaseModel):
    offer_id: int
    listing_id: int
    refurbisher: NamedRef
    designation: str
    sku: str
    committed: int
    demand: int
    allocated: int
    unallocated: int
    unit_price_ht: str = Field(description="Prix mutualisé atteint par la quantité attribuée.")
    total_ht: str = Field(description="Matériel seul.")
    maintenance_ht: str
    allocations: list[AllocationOut]


class BuyerTotalOut(BaseModel):
    buyer: NamedRef
    quantity: int
    amount_ht: str


class ConsolidationPreviewOut(BaseModel):
    confirmed: Literal[False]
    campaign_id: int
    rule: Literal["proportional", "fifo"]
    demand: int
    committed: int
    allocated: int
    total_ht: str = Field(description="Matériel seul.")
    maintenance_ht: str = Field(description="Maintenance choisie, sur les bons de commande aussi.")
    offers: list[OfferAllocationOut]
    buyers: list[BuyerTotalOut] = Field(description="Par acheteur : unités et montant HT.")


class PoLineOut(BaseModel):
    offer_id: int
    listing_id: int
    sku: str
    designation: str
    quantity: int
    unit_price_ht: str
    vat_rate: str


class DeliveryLineOut(BaseModel):
    id: int
    offer_id: int
    quantity: int = Field(description="Unités attribuées à livrer.")
    unit_price_ht: str
    shipped: int = Field(description="Unités expédiées (0 avant l'expédition).")
    received: int | None = Field(
        description="Unités reçues jusqu'ici (somme des réceptions) ; null avant la première."
    )
    not_delivered: int = Field(
        description="Unités enregistrées par l'acheteur comme non livrées (déduites du montant)."
    )


class DeliveryOut(BaseModel):
    id: int
    purchase_order_id: int
    campaign_id: int
    buyer: NamedRef
    refurbisher: NamedRef
    state: Literal["pending", "shipped", "partial", "received"] = Field(
        description="partial : reçue en partie, des unités sont encore attendues."
    )
    total_ht: str
    shipped_on: str | None
    received_on: str | None
    lines: list[DeliveryLineOut]


class PurchaseOrderDeliveryOut(BaseModel):
    id: int
    buyer: NamedRef
    state: Literal["pending", "shipped", "partial", "received"] = Field(
        description="partial : reçue en partie, des unités sont encore attendues."
    )
    total_ht: str
    shipped_on: str | None
    received_on: str | None
    lines: list[DeliveryLineOut]


class PurchaseOrderOut(BaseModel):
    id: int
    number: str = Field(examples=["BC-2026-0001"])
    campaign_id: int
    refurbisher: NamedRef
    created_at: str
    total_ht: str = Field(description="Acheteur : le total de ses seules livraisons.")
    lines: list[PoLineOut] = Field(description="Acheteur : seulement ce qui lui est livré.")
    deliveries: list[PurchaseOrderDeliveryOut] = Field(
        description="Acheteur : seulement sa livraison."
    )


class PurchaseOrderPage(BaseModel):
    items: list[PurchaseOrderOut]
    next_cursor: str | None = Field(description="null sur la dernière page.")


class ConsolidationConfirmedOut(BaseModel):
    confirmed: Literal[True]
    campaign_id: int
    rule: Literal["proportional", "fifo"]
    created: bool = Field(description="false : la campagne était déjà consolidée.")
    consolidation_id: int
    purchase_orders: list[PurchaseOrderOut]


class ConsolidationOut(RootModel[ConsolidationPreviewOut | ConsolidationConfirmedOut]):
    """The preview (confirm false) or the confirmed result (confirm true)."""


class ShipmentIn(_In):
    shipped_on: dt.date | None = Field(default=None, description="Par défaut : aujourd'hui.")
    serials: str | None = Field(default=None, max_length=20000, description="Un par ligne.")


class ReceiptLineIn(_In):
    line_id: Id
    quantity: int = Field(ge=0, le=100_000)


class ReceiptIn(_In):
    """Units received now on every line still expecting some (at most what is expected)."""

    received_on: dt.date
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=1000)
    comment: str | None = Field(
        default=None, max_length=2000, description="Facultatif : ce qui manque ou a été refusé."
    )


class NotDeliveredIn(_In):
    reason: str = Field(
        min_length=5,
        max_length=2000,
        description="Pourquoi les unités manquantes ne viendront pas.",
    )


# --- expenses ----------------------------------------------------------------------------

SOCIAL = Literal[
    "Clause sociale", "Critère social", "Marché réservé", "Pas de considération sociale"
]
ENVIRONMENTAL = Literal[
    "Clause environnementale",
    "Critère environnemental",
    "Pas de considération environnementale",
]


class ExpenseIn(_In):
    """A purchase made outside the hub, or a donation received (the web ledger form)."""

    spent_on: dt.date
    category: str = Field(min_length=1, max_length=40, examples=["laptop"])
    quantity: int = Field(ge=1, le=1_000_000)
    nature: Literal["new", "reuse", "donation"] = "new"
    amount_ht: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$",
        description="Obligatoire sauf pour un don (valorisé par la grille forfaitaire).",
    )
    donation_age_bracket: str | None = Field(default=None, max_length=20)
    supplier_name: str = Field(default="", max_length=200)
    supplier_siret: str | None = Field(default=None, pattern=r"^[0-9]{14}$")
    has_recycled_materials: bool = False
    social_consideration: SOCIAL = "Pas de considération sociale"
    environmental_consideration: ENVIRONMENTAL = "Pas de considération environnementale"
    clause_ids: list[Id] = Field(default_factory=list, max_length=100)
    comment: str | None = Field(default=None, max_length=2000)


class ExpenseOut(BaseModel):
    id: int
    spent_on: str
    year: int
    category: str
    quantity: int
    amount_ht: str
    origin: Literal["hub", "external", "donation"]
    is_reuse: bool
    has_recycled_materials: bool
    supplier_name: str
    supplier_siret: str | None
    social_consideration: str
    environmental_consideration: str
    campaign_id: int | None
    clause_ids: list[int]
    donation_age_bracket: str | None
    comment: str | None
    created_at: str

    @classmethod
    def of(cls, item: SpendEntry) -> Self:
        """Needs category and clauses loaded."""
        return cls.model_validate(
            {
                "id": item.id,
                "spent_on": day(item.spent_on),
                "year": item.year,
                "category": item.category.code,
                "quantity": item.quantity,
                "amount_ht": money(item.amount),
                "origin": str(item.origin),
                "is_reuse": item.is_reuse,
                "has_recycled_materials": item.has_recycled_materials,
                "supplier_name": item.supplier_name,
                "supplier_siret": item.supplier_siret,
                "social_consideration": item.social_consideration,
                "environmental_consideration": item.environmental_consideration,
                "campaign_id": item.campaign_id,
                "clause_ids": [c.id for c in item.clauses],
                "donation_age_bracket": item.donation_age_bracket,
                "comment": item.comment,
                "created_at": timestamp(item.created_at),
            }
        )


class ExpensePage(BaseModel):
    items: list[ExpenseOut]
    next_cursor: str | None = Field(description="null sur la dernière page.")


class ExpensesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    year: int | None = Field(default=None, ge=2000, le=2100)
