"""Request and response bodies of the API: pydantic models that validate the requests and
give the OpenAPI document its schemas (one source for both). The output models build
themselves from the application's objects (``ListingOut.of(listing)``): the same model
writes the response and describes it.

This module sits below the API's services and views: it reads models, never a service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel

from nrhub.api.formats import MAX_ID, day, decimal_text, money, share_text, timestamp
from nrhub.campaigns.models import OfferStatus
from nrhub.consolidation.amounts import ZERO
from nrhub.consolidation.models import DeliveryStatus

if TYPE_CHECKING:
    from decimal import Decimal

    from nrhub.api.models import ApiToken
    from nrhub.campaigns.models import Campaign, Order
    from nrhub.campaigns.queries import OfferFigures
    from nrhub.catalog.models import Category, Listing
    from nrhub.consolidation.models import Delivery, DeliveryLine, PurchaseOrder
    from nrhub.consolidation.preview import BuyerAllocation, ConsolidationPreview, OfferPreview
    from nrhub.ledger.models import SpendEntry
    from nrhub.organisations.models import Organisation
    from nrhub.stats.pages import LegalCategoryRow
    from nrhub.stats.queries import CategorySpend, Indicators

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

    @classmethod
    def of(cls, item: ApiToken, raw: str) -> Self:
        return cls.model_validate(
            {"id": item.id, "token": raw, "expires_at": timestamp(item.expires_at)}
        )


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

    @classmethod
    def of(cls, items: Iterable[Category]) -> Self:
        return cls(items=[CategoryOut.of(c) for c in items])


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

    @classmethod
    def of(cls, items: list[Listing], next_cursor: str | None) -> Self:
        return cls(items=[ListingOut.of(i) for i in items], next_cursor=next_cursor)


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

    @classmethod
    def of(cls, items: list[Campaign], next_cursor: str | None) -> Self:
        return cls(items=[CampaignSummaryOut.of(c) for c in items], next_cursor=next_cursor)


# Read-only fields of an answer, accepted back in the matching PUT so that a client may send
# what it read: ignored, except a campaign id, which must be the address's.
ECHOED = "Lecture seule, tel que renvoyé par GET : ignoré."


class EchoesCampaign(_In):
    campaign_id: int | None = Field(
        default=None, description="Lecture seule : s'il est donné, celui de l'adresse."
    )
    updated_at: str | None = Field(default=None, description=ECHOED)


class OrderLineIn(_In):
    id: int | None = Field(default=None, description=ECHOED)
    offer_id: Id
    quantity: int = Field(ge=0, le=100_000, description="0 retire la ligne.")


class OrderIn(EchoesCampaign):
    """The wanted quantities; offers not mentioned keep their line. The body GET returns is
    accepted as is (its read-only fields are ignored)."""

    id: int | None = Field(default=None, description=ECHOED)
    status: str | None = Field(default=None, description=ECHOED)
    created_at: str | None = Field(default=None, description=ECHOED)
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


def _percent_share(percent: Decimal | None) -> str | None:
    """A target in percent as the API's 0-to-1 share text (None: no target)."""
    return share_text(None if percent is None else percent / 100)


class IndicatorsQuery(BaseModel):
    year: int | None = Field(default=None, ge=2000, le=2100)
    organisation: int | None = Field(default=None, ge=1, le=MAX_ID)


class OrganisationRef(BaseModel):
    id: int
    name: str
    siret: str | None

    @classmethod
    def of(cls, item: Organisation) -> Self:
        return cls(id=item.id, name=item.name, siret=item.siret)


class CategoryIndicatorsOut(BaseModel):
    code: str
    label: str
    quantity: int
    it_spend: str
    reuse_spend: str
    donation_spend: str
    reuse_share: str | None = Field(description=SHARE)

    @classmethod
    def of(cls, row: CategorySpend) -> Self:
        return cls.model_validate(
            {
                "code": row.code,
                "label": row.label,
                "quantity": row.quantity,
                "it_spend": money(row.it_spend),
                "reuse_spend": money(row.reuse_spend),
                "donation_spend": money(row.donation_spend),
                "reuse_share": share_text(row.reuse_share),
            }
        )


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

    @classmethod
    def of(cls, row: LegalCategoryRow) -> Self:
        return cls.model_validate(
            {
                "type_produit_acquis": row.spend.legal_category,
                "total": money(row.spend.total),
                "reuse": money(row.spend.reuse),
                "donations": money(row.spend.donations),
                "recycled": money(row.spend.recycled),
                "reuse_share": share_text(row.spend.reuse_share),
                "reuse_target": _percent_share(row.reuse_target),
                "recycled_share": share_text(row.spend.recycled_share),
                "recycled_target": _percent_share(row.recycled_target),
            }
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

    @classmethod
    def of(
        cls,
        organisation: Organisation | None,
        ind: Indicators,
        *,
        target_percent: Decimal | None,
        retired_reuse_rate: Decimal | None,
        by_category: list[CategorySpend],
        recycled_target_percent: Decimal | None,
        legal_rows: list[LegalCategoryRow],
    ) -> Self:
        """The figures of one year for a buyer (``organisation``) or the whole hub (None)."""
        return cls.model_validate(
            {
                "organisation": None if organisation is None else OrganisationRef.of(organisation),
                "year": ind.year,
                "it_spend": money(ind.it_spend),
                "reuse_spend": money(ind.reuse_spend),
                "donation_spend": money(ind.donation_spend),
                "recycled_spend": money(ind.recycled_spend),
                "spend_with_clause": money(ind.spend_with_clause),
                "reuse_share": share_text(ind.reuse_share),
                "target": _percent_share(target_percent),
                "clauses_count": ind.clauses_count,
                "social_clauses": ind.social_clauses,
                "environmental_clauses": ind.environmental_clauses,
                "spend_with_clause_share": share_text(ind.spend_with_clause_share),
                "reuse_quantity": ind.reuse_quantity,
                "co2e_avoided_kg": decimal_text(ind.co2e_avoided_kg),
                "local_share": share_text(ind.local_share),
                "regional_share": share_text(ind.regional_share),
                "ess_share": share_text(ind.ess_share),
                "retired_reuse_rate": share_text(retired_reuse_rate),
                "recycled_share": share_text(ind.recycled_share),
                "recycled_target": _percent_share(recycled_target_percent),
                "by_legal_category": [LegalCategoryIndicatorsOut.of(r) for r in legal_rows],
                "by_category": [CategoryIndicatorsOut.of(r) for r in by_category],
            }
        )


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

    @classmethod
    def of(cls, item: Organisation) -> Self:
        return cls(id=item.id, name=item.name)


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

    @classmethod
    def of(cls, item: BuyerAllocation) -> Self:
        return cls.model_validate(
            {
                "line_id": item.line_id,
                "buyer": NamedRef(id=item.buyer_id, name=item.buyer_name),
                "asked": item.asked,
                "computed": item.computed,
                "quantity": item.quantity,
                "amount_ht": money(item.amount_ht),
                "maintenance_ht": money(item.maintenance_ht),
                "overridden": item.override is not None,
            }
        )


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

    @classmethod
    def of(cls, row: OfferPreview) -> Self:
        return cls.model_validate(
            {
                "offer_id": row.offer.id,
                "listing_id": row.offer.listing_id,
                "refurbisher": NamedRef(
                    id=row.offer.refurbisher_id, name=row.offer.refurbisher_name
                ),
                "designation": row.offer.designation,
                "sku": row.offer.sku,
                "committed": row.committed,
                "demand": row.demand,
                "allocated": row.allocated,
                "unallocated": row.unallocated,
                "unit_price_ht": money(row.unit_price),
                "total_ht": money(row.total_ht),
                "maintenance_ht": money(row.maintenance_ht),
                "allocations": [AllocationOut.of(b) for b in row.buyers],
            }
        )


class BuyerTotalOut(BaseModel):
    buyer: NamedRef
    quantity: int
    amount_ht: str

    @classmethod
    def totals(cls, offers: tuple[OfferPreview, ...]) -> list[Self]:
        """Units and amount of each buyer over every offer, by buyer name."""
        totals: dict[int, tuple[NamedRef, int, Decimal]] = {}
        for row in offers:
            for b in row.buyers:
                ref, quantity, amount = totals.get(
                    b.buyer_id, (NamedRef(id=b.buyer_id, name=b.buyer_name), 0, ZERO)
                )
                totals[b.buyer_id] = (ref, quantity + b.quantity, amount + b.amount_ht)
        return [
            cls.model_validate({"buyer": ref, "quantity": quantity, "amount_ht": money(amount)})
            for ref, quantity, amount in sorted(totals.values(), key=lambda t: (t[0].name, t[0].id))
        ]


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

    @classmethod
    def of(cls, preview: ConsolidationPreview) -> Self:
        return cls.model_validate(
            {
                "confirmed": False,
                "campaign_id": preview.campaign_id,
                "rule": str(preview.rule),
                "demand": preview.demand,
                "committed": preview.committed,
                "allocated": preview.allocated,
                "total_ht": money(preview.total_ht),
                "maintenance_ht": money(preview.maintenance_ht),
                "offers": [OfferAllocationOut.of(row) for row in preview.offers],
                "buyers": BuyerTotalOut.totals(preview.offers),
            }
        )


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

    @classmethod
    def of(cls, line: DeliveryLine, sent: bool) -> Self:
        """Needs the purchase-order line loaded; ``sent``: the delivery has left."""
        return cls.model_validate(
            {
                "id": line.id,
                "offer_id": line.purchase_order_line.offer_id,
                "quantity": line.quantity,
                "unit_price_ht": money(line.unit_price),
                "shipped": line.quantity if sent else 0,
                "received": line.received_quantity,
                "not_delivered": line.not_delivered_quantity,
            }
        )


class PurchaseOrderDeliveryOut(BaseModel):
    """A delivery as its purchase order lists it."""

    id: int
    buyer: NamedRef
    state: Literal["pending", "shipped", "partial", "received"] = Field(
        description="partial : reçue en partie, des unités sont encore attendues."
    )
    total_ht: str
    shipped_on: str | None
    received_on: str | None
    lines: list[DeliveryLineOut]

    @staticmethod
    def fields_of(item: Delivery) -> dict[str, Any]:
        """Needs buyer and lines (with their purchase-order line) loaded."""
        sent = item.status != DeliveryStatus.PENDING
        return {
            "id": item.id,
            "buyer": NamedRef.of(item.buyer),
            "state": str(item.status),
            "total_ht": money(item.total_ht),
            "shipped_on": day(item.shipped_on),
            "received_on": day(item.received_on),
            "lines": [DeliveryLineOut.of(line, sent) for line in item.lines],
        }

    @classmethod
    def of(cls, item: Delivery) -> Self:
        return cls.model_validate(cls.fields_of(item))


class DeliveryOut(PurchaseOrderDeliveryOut):
    """A delivery on its own, with its purchase order, campaign and refurbisher."""

    purchase_order_id: int
    campaign_id: int
    refurbisher: NamedRef

    @classmethod
    def of(cls, item: Delivery) -> Self:
        """Needs buyer, refurbisher and lines (with purchase-order lines) loaded."""
        return cls.model_validate(
            {
                **cls.fields_of(item),
                "purchase_order_id": item.purchase_order_id,
                "campaign_id": item.campaign_id,
                "refurbisher": NamedRef.of(item.refurbisher),
            }
        )


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

    @classmethod
    def of(cls, item: PurchaseOrder, buyer_id: int | None = None) -> Self:
        """Needs refurbisher, lines and deliveries (buyer, lines) loaded. For a buyer
        (``buyer_id``), only its own delivery and what it contains: another buyer's share
        of the purchase order is never shown."""
        deliveries = [d for d in item.deliveries if buyer_id is None or d.buyer_id == buyer_id]
        quantities = {line.id: line.quantity for line in item.lines}
        total_ht = item.total_ht
        if buyer_id is not None:
            quantities = {}
            for d in deliveries:
                for dline in d.lines:
                    key = dline.purchase_order_line_id
                    if key is not None:  # a delivery line always has one (nullable column)
                        quantities[key] = quantities.get(key, 0) + dline.quantity
            total_ht = sum((d.total_ht for d in deliveries), ZERO)
        return cls.model_validate(
            {
                "id": item.id,
                "number": item.number,
                "campaign_id": item.campaign_id,
                "refurbisher": NamedRef.of(item.refurbisher),
                "created_at": timestamp(item.created_at),
                "total_ht": money(total_ht),
                "lines": [
                    {
                        "offer_id": line.offer_id,
                        "listing_id": line.listing_id,
                        "sku": line.sku,
                        "designation": line.designation,
                        "quantity": quantities[line.id],
                        "unit_price_ht": money(line.unit_price),
                        "vat_rate": money(line.vat_rate),
                    }
                    for line in item.lines
                    if line.id in quantities
                ],
                "deliveries": [PurchaseOrderDeliveryOut.of(d) for d in deliveries],
            }
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

    @classmethod
    def of(cls, items: list[SpendEntry], next_cursor: str | None) -> Self:
        return cls(items=[ExpenseOut.of(e) for e in items], next_cursor=next_cursor)


class ExpensesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    year: int | None = Field(default=None, ge=2000, le=2100)
