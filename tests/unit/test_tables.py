"""Stacked cards on a phone: each cell of a data table is labelled with its column header."""

from __future__ import annotations

from markupsafe import Markup

from nrhub.tables import column_labels, stack_labels

TABLE = Markup(
    "<table class='data'><caption id='t'>Campagnes</caption>"
    '<thead><tr><th scope="col">Campagne</th><th scope="col" class="num">'
    '<a href="?tri=x">Unités</a> <span aria-label="tri croissant">▲</span></th>'
    '<th scope="col">Prix &amp; TVA</th></tr></thead>'
    '<tbody><tr><th scope="row">Hiver</th><td class="num">37</td><td>20 %</td></tr>'
    '<tr><td colspan="3">Aucune autre.</td></tr></tbody>'
    '<tfoot><tr><th colspan="2">Total</th><td>1 €</td></tr></tfoot></table>'
)


def test_column_labels_are_the_header_texts():
    assert column_labels(str(TABLE)) == ["Campagne", "Unités", "Prix & TVA"]


def test_each_single_column_cell_gets_its_label_escaped():
    html = str(stack_labels(TABLE))
    assert '<th scope="row" data-label="Campagne">Hiver</th>' in html
    assert '<td class="num" data-label="Unités">37</td>' in html
    assert '<td data-label="Prix &amp; TVA">20 %</td>' in html
    # A cell over several columns names none; the foot's cells follow the columns.
    assert '<td colspan="3">Aucune autre.</td>' in html
    assert '<th colspan="2">Total</th><td data-label="Prix &amp; TVA">1 €</td>' in html
    # The header itself is left as it was.
    assert '<th scope="col">Campagne</th>' in html


def test_a_table_without_header_is_left_alone():
    table = Markup("<table><tbody><tr><td>x</td></tr></tbody></table>")
    assert stack_labels(table) == table
