"""``flask --app nrhub donations ...`` commands.

Cron, once a day for instance::

    15 6 * * * cd /srv/nrhub && .venv/bin/flask --app nrhub donations widen
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

donations_cli = AppGroup("donations", help="Lots de réemploi (dons de matériel réformé).")


@donations_cli.command("widen")
def widen_command() -> None:
    """Widen the reach of lots still unclaimed after the hub's delay (run from cron):
    department, then region, then every refurbisher; the newly reached are e-mailed."""
    from nrhub.db import utcnow
    from nrhub.donations.widening import widen_lots
    from nrhub.transactions import unit_of_work

    with unit_of_work():
        report = widen_lots(utcnow())
    for item in report.widened:
        click.echo(
            f"Lot n° {item.lot_id} : diffusion élargie ({item.reach.value}), "
            f"{item.refurbishers} reconditionneur(s) nouvellement concerné(s), "
            f"{item.emails} courriel(s)."
        )
    if not report.widened:
        click.echo("Aucun lot à élargir.")
