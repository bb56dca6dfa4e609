"""The indicators of PRODUCT.md §3, one function each, aggregated by the database.

Every figure of the dashboards, their CSV exports, the declaration file and (later) the
API comes from one of these functions. Amounts are read as integer cents from the
summary table (``spend_summary``, kept equal to the ledger in each write's transaction)
and returned as ``Decimal`` euros.

One module per subject: :mod:`.indicators`, :mod:`.retired`, :mod:`.spending`,
:mod:`.members`, :mod:`.sales`, :mod:`.declarations` (helpers in :mod:`.common`); every
function is importable from here.
"""

from __future__ import annotations

from nrhub.stats.queries.common import (
    ZERO,
    buyer_for,
    current_year,
    share,
)
from nrhub.stats.queries.declarations import (
    DeclarationRow,
    buyer_declaration_rows,
    declaration_rows,
)
from nrhub.stats.queries.indicators import (
    MIN_GROUP_BUYERS,
    OTHERS,
    DepartmentIndicators,
    Indicators,
    indicators,
    indicators_by_department,
    merge_small_groups,
)
from nrhub.stats.queries.members import (
    MEMBER_SORTS,
    MemberRow,
    count_members,
    members_against_target,
    reuse_gap,
)
from nrhub.stats.queries.retired import (
    RetiredReuse,
    retired_reuse,
    retired_reuse_all,
    retired_reuse_by_category,
    retired_reuse_rate,
)
from nrhub.stats.queries.sales import SaleRow, sales_by_buyer_category_year
from nrhub.stats.queries.spending import (
    CategorySpend,
    LegalCategorySpend,
    MonthSpend,
    monthly_spend,
    spend_by_category,
    spend_by_legal_category,
)

__all__ = [
    "MEMBER_SORTS",
    "MIN_GROUP_BUYERS",
    "OTHERS",
    "ZERO",
    "CategorySpend",
    "DeclarationRow",
    "DepartmentIndicators",
    "Indicators",
    "LegalCategorySpend",
    "MemberRow",
    "MonthSpend",
    "RetiredReuse",
    "SaleRow",
    "buyer_declaration_rows",
    "buyer_for",
    "count_members",
    "current_year",
    "declaration_rows",
    "indicators",
    "indicators_by_department",
    "members_against_target",
    "merge_small_groups",
    "monthly_spend",
    "retired_reuse",
    "retired_reuse_all",
    "retired_reuse_by_category",
    "retired_reuse_rate",
    "reuse_gap",
    "sales_by_buyer_category_year",
    "share",
    "spend_by_category",
    "spend_by_legal_category",
]
