"""Wide data tables scroll in their own region, named by their caption (WCAG 1.4.10)."""

from __future__ import annotations

import re

from nrhub.organisations.services import invite_member
from tests.conftest import login
from tests.web.people import make_people


def test_each_table_region_is_named_by_its_own_caption(app, client):
    people = make_people()
    invite_member(people.buyer.organisation, "nouvelle@example.fr", by=people.buyer)
    login(client, "achat@example.fr")
    html = client.get("/organisation/membres").get_data(as_text=True)
    regions = re.findall(
        r'<div class="table-scroll stack" role="region" aria-labelledby="([^"]+)" tabindex="0">\s*'
        r'<table class="data[^"]*">\s*<caption id="([^"]+)">',
        html,
    )
    assert len(regions) == 2  # the members and the invitations
    assert all(region == caption for region, caption in regions)
    ids = [caption for _region, caption in regions]
    assert len(set(ids)) == len(ids)
    # Every data table of the page is in such a region.
    assert html.count('<table class="data') == len(regions)
