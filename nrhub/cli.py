"""Flask commands: demo data and administration."""

from __future__ import annotations

import click
from flask import Flask

from nrhub.extensions import db
from nrhub.transactions import unit_of_work


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command() -> None:
        """Load the French demo data (idempotent) and print the demo accounts."""
        from nrhub.demo import DEMO_PASSWORD, load_demo

        with unit_of_work():
            accounts = load_demo()
        click.echo(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
        for email, role, organisation in accounts:
            click.echo(f"  {role:<16} {email:<38} {organisation}")

    @app.cli.command("create-hub")
    @click.option("--nom", "name", required=True, help="Nom de la centrale d'achat.")
    @click.option("--siret", required=True)
    @click.option("--adresse", "address", required=True)
    @click.option("--code-postal", "postcode", required=True)
    @click.option("--ville", "city", required=True)
    @click.option("--departement", "department", required=True, help="Ex. 35, 2A.")
    @click.option("--email", required=True, help="Adresse du premier coordinateur.")
    @click.option("--personne", "person_name", required=True, help="Nom du coordinateur.")
    @click.password_option("--mot-de-passe", "password", help="Demandé si absent.")
    def create_hub_command(**values: str) -> None:
        """Create the hub and its first coordinator on a fresh installation."""
        from nrhub.errors import DomainError
        from nrhub.organisations.services import NewPerson, OrganisationProfile, create_hub

        profile = OrganisationProfile(
            address=values["address"],
            postcode=values["postcode"],
            city=values["city"],
            department_code=values["department"],
            contact_email=values["email"],
        )
        person = NewPerson(values["person_name"], values["email"], values["password"])
        try:
            with unit_of_work():
                user = create_hub(values["name"], values["siret"], profile, person)
        except DomainError as err:
            raise click.ClickException(str(err)) from err
        click.echo(f"Centrale créée ; coordinateur : {user.email}")

    @app.cli.command("create-db")
    def create_db_command() -> None:
        """Create the tables without migrations (throw-away databases only)."""
        db.create_all()

    @app.cli.group("mail")
    def mail_cli() -> None:
        """E-mails waiting in the outbox."""

    @mail_cli.command("send")
    def mail_send_command() -> None:
        """Send the e-mails waiting in the outbox (run from cron, every minute for instance)."""
        from nrhub.mail import send_outbox

        sent = send_outbox()
        click.echo(f"{sent} courriel(s) envoyé(s).")

    from nrhub.campaigns.cli import campaigns_cli

    app.cli.add_command(campaigns_cli)

    # Cron, once a day: flask --app nrhub donations widen (see nrhub/donations/cli.py).
    from nrhub.donations.cli import donations_cli

    app.cli.add_command(donations_cli)
