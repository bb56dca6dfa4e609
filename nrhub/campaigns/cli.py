"""``flask --app nrhub campaigns ...`` commands.

Cron, every five minutes for instance::

    */5 * * * * cd /srv/nrhub && .venv/bin/flask --app nrhub campaigns tick
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

campaigns_cli = AppGroup("campaigns", help="Campagnes d'achat groupé.")


@campaigns_cli.command("tick")
def tick_command() -> None:
    """Close the open campaigns whose ordering window has ended (run from cron).

    Opening stays a coordinator's decision: an open campaign whose window has not started
    yet is scheduled, and orders are checked against the window at each request anyway.
    """
    from nrhub.campaigns.services import tick_campaigns
    from nrhub.db import utcnow
    from nrhub.transactions import unit_of_work

    with unit_of_work():
        report = tick_campaigns(utcnow())
    for title in report.closed:
        click.echo(f"Clôturée : {title}")
    for title in report.ordering_now:
        click.echo(f"Commandes en cours : {title}")
    if not report.closed:
        click.echo("Aucune campagne à clôturer.")
