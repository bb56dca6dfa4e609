"""Request and response bodies of the API: pydantic models that validate the requests and
give the OpenAPI document its schemas (one source for both)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MONEY_PATTERN = r"^\d{1,6}(\.\d{1,2})?$"


def _money() -> Any:
    return Field(pattern=MONEY_PATTERN, examples=["249.90"])


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


class ListingPage(BaseModel):
    items: list[ListingOut]
    next_cursor: str | None = Field(description="null sur la dernière page.")


class TierIn(_In):
    min_quantity: int = Field(ge=2, le=1_000_000)
    unit_price_ht: str = _money()


class ListingIn(_In):
    """A whole listing (PUT replaces every field; the SKU is the one of the URL)."""

    category: str = Field(min_length=1, max_length=40, examples=["laptop"])
    brand: str = Field(min_length=1, max_length=80)
    model: str = Field(min_length=1, max_length=160)
    grade: Literal["A+", "A", "B", "C"]
    quantity: int = Field(ge=0, le=1_000_000)
    unit_price_ht: str = _money()
    state: Literal["refurbished", "used"] = "refurbished"
    description: str = Field(default="", max_length=5000)
    refurbished_in_france: bool = False
    data_wiping_attested: bool = False
    vat_rate: Literal["20", "20.00", "10", "10.00", "5.5", "5.50", "2.1", "2.10", "0", "0.00"] = (
        "20"
    )
    price_tiers: list[TierIn] = Field(default_factory=list, max_length=6)
    warranty_months: int = Field(default=12, ge=0, le=120)
    repairability_index: str | None = Field(default=None, pattern=r"^\d{1,2}(\.\d)?$")
    os_update_years: int | None = Field(default=None, ge=0, le=30)
    spare_parts_years: int | None = Field(default=None, ge=0, le=30)
    processor: str | None = Field(default=None, max_length=120)
    ram_gb: int | None = Field(default=None, ge=0, le=4096)
    storage_gb: int | None = Field(default=None, ge=0, le=1_000_000)
    screen_inches: str | None = Field(default=None, pattern=r"^\d{1,3}(\.\d)?$")
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


class CampaignSummaryOut(BaseModel):
    id: int
    title: str
    description: str
    state: Literal["draft", "open", "closed", "consolidated", "in_delivery", "done", "cancelled"]
    opens_at: str
    closes_at: str
    delivery_from: str | None = Field(description="Date ISO 8601 (AAAA-MM-JJ).")
    delivery_to: str | None
    categories: list[str] = Field(description="Codes de catégorie.", examples=[["laptop"]])
    clause_ids: list[int]


class CampaignOut(CampaignSummaryOut):
    offers: list[CampaignOfferOut] = Field(
        description="Acheteurs : offres acceptées ; reconditionneur : ses offres ; "
        "coordinateur : toutes."
    )


class CampaignPage(BaseModel):
    items: list[CampaignSummaryOut]
    next_cursor: str | None = Field(description="null sur la dernière page.")


class OrderLineIn(_In):
    offer_id: int = Field(ge=1)
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


# --- indicators ----------------------------------------------------------------------


SHARE = "Part entre 0 et 1 (chaîne décimale), null faute de données."


class IndicatorsQuery(BaseModel):
    year: int | None = Field(default=None, ge=2000, le=2100)
    organisation: int | None = Field(default=None, ge=1)


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
    by_category: list[CategoryIndicatorsOut]
