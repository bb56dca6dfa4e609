"""Server-side SVG charts (pygal, without JavaScript) and the gauge geometry.

Each chart shows the same figures as the HTML table beside it; the SVG is served by a
route and shown with ``<img>``, so pygal's inline ``<style>`` stays inside the image.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pygal
from pygal.style import Style

from nrhub.formatting import format_money, format_percent
from nrhub.stats.queries import CategorySpend, DepartmentIndicators, MonthSpend, SaleRow

# pygal appends a legacy finder (for its old "pygal.maps" plugins) to sys.meta_path; it
# warns on every later import of a missing optional module (openpyxl tries numpy), which
# our warnings-as-errors test settings turn into failures. We use no pygal plugin.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")  # fmt: skip

# Colour-blind safe (Okabe-Ito), with the values printed on the charts and in the tables.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#000",
    foreground_subtle="#555",
    colors=("#009E73", "#999999", "#0072B2", "#E69F00", "#CC79A7"),
    font_family="system-ui, sans-serif",
    value_font_size=11,
)


def _config(title: str, **extra: object) -> pygal.Config:
    config = pygal.Config()
    config.js = []  # no script: the CSP forbids it and the chart needs none
    config.style = STYLE
    config.title = title
    config.width = 720
    config.height = 360
    config.legend_at_bottom = True
    config.print_values = False
    config.disable_xml_declaration = False
    config.value_formatter = lambda v: format_money(Decimal(str(v)))
    for key, value in extra.items():
        setattr(config, key, value)
    return config


_SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)


def _render(chart: pygal.graph.graph.Graph) -> bytes:
    """The SVG without pygal's configuration script (it would do nothing here)."""
    return _SCRIPT.sub(b"", chart.render(is_unicode=False))


def category_chart(rows: Sequence[CategorySpend], title: str) -> bytes:
    chart = pygal.StackedBar(_config(title, x_label_rotation=20))
    chart.x_labels = [r.label for r in rows]
    chart.add("Réemploi (dons compris)", [float(r.reuse_spend) for r in rows])
    chart.add("Autres achats", [float(r.other_spend) for r in rows])
    return _render(chart)


def monthly_chart(months: Sequence[MonthSpend], title: str) -> bytes:
    chart = pygal.Bar(_config(title))
    chart.x_labels = list(MONTHS)
    chart.add("Dépense totale", [float(m.it_spend) for m in months])
    chart.add("Dont réemploi", [float(m.reuse_spend) for m in months])
    return _render(chart)


def department_chart(rows: Sequence[DepartmentIndicators], title: str) -> bytes:
    config = _config(title, range=(0, 100))
    config.value_formatter = lambda v: f"{v:.1f} %".replace(".", ",")
    chart = pygal.Bar(config)
    chart.x_labels = [r.department_code for r in rows]
    chart.add(
        "Part du réemploi (%)",
        [float((r.reuse_share or 0) * 100) for r in rows],
    )
    return _render(chart)


def sales_chart(rows: Sequence[SaleRow], title: str) -> bytes:
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row.category_label] = totals.get(row.category_label, Decimal(0)) + row.amount
    chart = pygal.Bar(_config(title))
    chart.x_labels = list(totals)
    chart.add("Ventes HT", [float(v) for v in totals.values()])
    return _render(chart)


@dataclass(frozen=True)
class Gauge:
    """A half-circle gauge drawn inline (presentation attributes only, no style)."""

    value_path: str
    target_x1: float
    target_y1: float
    target_x2: float
    target_y2: float
    value_label: str
    target_label: str
    reached: bool


_CX, _CY, _R = 110.0, 110.0, 90.0


def _point(fraction: float, radius: float = _R) -> tuple[float, float]:
    angle = math.pi * (1 - fraction)
    return _CX + radius * math.cos(angle), _CY - radius * math.sin(angle)


def gauge(value: Decimal | None, target_percent: Decimal | None) -> Gauge:
    """Geometry of the reuse-share gauge: the arc up to the share, a mark at the target."""
    fraction = float(min(max(value or Decimal(0), Decimal(0)), Decimal(1)))
    x0, y0 = _point(0)
    x1, y1 = _point(fraction)
    path = f"M {x0:.1f} {y0:.1f} A {_R:.0f} {_R:.0f} 0 0 1 {x1:.1f} {y1:.1f}" if fraction else ""
    target = float((target_percent or Decimal(0)) / 100)
    tx1, ty1 = _point(target, _R - 18)
    tx2, ty2 = _point(target, _R + 18)
    target_ratio = (target_percent or Decimal(0)) / 100
    return Gauge(
        value_path=path,
        target_x1=round(tx1, 1),
        target_y1=round(ty1, 1),
        target_x2=round(tx2, 1),
        target_y2=round(ty2, 1),
        value_label=format_percent(value) if value is not None else "—",
        target_label=format_percent(target_ratio, 0) if target_percent is not None else "—",
        reached=value is not None and target_percent is not None and value >= target_ratio,
    )
