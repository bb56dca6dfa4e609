"""Flask commands: demo data and administration."""

from __future__ import annotations

import click
from flask import Flask

from nrhub.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command() -> None:
        """Load the French demo data (idempotent) and print the demo accounts."""
        from nrhub.demo import DEMO_PASSWORD, load_demo

        accounts = load_demo()
        click.echo(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
        for email, role, organisation in accounts:
            click.echo(f"  {role:<16} {email:<38} {organisation}")

    @app.cli.command("create-db")
    def create_db_command() -> None:
        """Create the tables without migrations (throw-away databases only)."""
        db.create_all()

    from nrhub.campaigns.cli import campaigns_cli

    app.cli.add_command(campaigns_cli)

    # Cron, once a day: flask --app nrhub donations widen (see nrhub/donations/cli.py).
    from nrhub.donations.cli import donations_cli

    app.cli.add_command(donations_cli)
