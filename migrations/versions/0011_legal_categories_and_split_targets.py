"""legal categories as data, split targets marked "à vérifier"

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Issue 14. Each product category names its ``type_produit_acquis`` (arrêté of 29 February
2024: printers are "Matériel de reprographie et d'impression"; network equipment and
accessories belong to none of the 17 categories, empty value) with its source; the ledger's
rows follow their category, so moving the category moves every existing row of the ledger
and of its summaries. Legal targets may leave a rate unknown and carry a "to verify" flag;
the targets of décret 2024-134 (which repealed décret 2021-254) are re-sourced and those of
"Matériel de reprographie et d'impression" added. The clause that cited décret 2021-254
"modifié" now cites décret 2024-134 (only if nobody edited it). A declared purchase names
its contract (reference, title, date) so that a contract's clauses count once. Each
buyer's yearly declaration has a status (file downloaded, marked as published). A buyer
records retired equipment sent out by the other REEN routes (retired_outcome). Plain statements and
literal data: no application model or loader is imported.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import nrhub.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (code, legal category or "" for none, source of the mapping)
CATEGORIES = [
    (
        "laptop",
        "Matériel informatique et téléphonie",
        "Arrêté du 29 février 2024 précisant la liste des produits relevant de chaque catégorie de produits soumise à l'obligation d'acquisition de biens issus du réemploi ou de la réutilisation ou intégrant des matières recyclées (JORF du 7 mars 2024, NOR TRED2403741A, pris pour l'article 2 du décret n° 2024-134) : « Matériel informatique et téléphonie » couvre les téléphones fixes et mobiles, les terminaux informatiques, les serveurs, les écrans, les ordinateurs fixes et portables (avec ou sans écran), les tablettes et les vidéoprojecteurs. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte ; résumé : https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-liste-produits-remploi-matieres-recyclees-43641.php4",
    ),
    (
        "desktop",
        "Matériel informatique et téléphonie",
        "Arrêté du 29 février 2024 précisant la liste des produits relevant de chaque catégorie de produits soumise à l'obligation d'acquisition de biens issus du réemploi ou de la réutilisation ou intégrant des matières recyclées (JORF du 7 mars 2024, NOR TRED2403741A, pris pour l'article 2 du décret n° 2024-134) : « Matériel informatique et téléphonie » couvre les téléphones fixes et mobiles, les terminaux informatiques, les serveurs, les écrans, les ordinateurs fixes et portables (avec ou sans écran), les tablettes et les vidéoprojecteurs. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte ; résumé : https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-liste-produits-remploi-matieres-recyclees-43641.php4",
    ),
    (
        "monitor",
        "Matériel informatique et téléphonie",
        "Arrêté du 29 février 2024 précisant la liste des produits relevant de chaque catégorie de produits soumise à l'obligation d'acquisition de biens issus du réemploi ou de la réutilisation ou intégrant des matières recyclées (JORF du 7 mars 2024, NOR TRED2403741A, pris pour l'article 2 du décret n° 2024-134) : « Matériel informatique et téléphonie » couvre les téléphones fixes et mobiles, les terminaux informatiques, les serveurs, les écrans, les ordinateurs fixes et portables (avec ou sans écran), les tablettes et les vidéoprojecteurs. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte ; résumé : https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-liste-produits-remploi-matieres-recyclees-43641.php4",
    ),
    (
        "tablet",
        "Matériel informatique et téléphonie",
        "Arrêté du 29 février 2024 précisant la liste des produits relevant de chaque catégorie de produits soumise à l'obligation d'acquisition de biens issus du réemploi ou de la réutilisation ou intégrant des matières recyclées (JORF du 7 mars 2024, NOR TRED2403741A, pris pour l'article 2 du décret n° 2024-134) : « Matériel informatique et téléphonie » couvre les téléphones fixes et mobiles, les terminaux informatiques, les serveurs, les écrans, les ordinateurs fixes et portables (avec ou sans écran), les tablettes et les vidéoprojecteurs. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte ; résumé : https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-liste-produits-remploi-matieres-recyclees-43641.php4",
    ),
    (
        "smartphone",
        "Matériel informatique et téléphonie",
        "Arrêté du 29 février 2024 précisant la liste des produits relevant de chaque catégorie de produits soumise à l'obligation d'acquisition de biens issus du réemploi ou de la réutilisation ou intégrant des matières recyclées (JORF du 7 mars 2024, NOR TRED2403741A, pris pour l'article 2 du décret n° 2024-134) : « Matériel informatique et téléphonie » couvre les téléphones fixes et mobiles, les terminaux informatiques, les serveurs, les écrans, les ordinateurs fixes et portables (avec ou sans écran), les tablettes et les vidéoprojecteurs. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte ; résumé : https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-liste-produits-remploi-matieres-recyclees-43641.php4",
    ),
    (
        "landline_phone",
        "Matériel informatique et téléphonie",
        "Arrêté du 29 février 2024 précisant la liste des produits relevant de chaque catégorie de produits soumise à l'obligation d'acquisition de biens issus du réemploi ou de la réutilisation ou intégrant des matières recyclées (JORF du 7 mars 2024, NOR TRED2403741A, pris pour l'article 2 du décret n° 2024-134) : « Matériel informatique et téléphonie » couvre les téléphones fixes et mobiles, les terminaux informatiques, les serveurs, les écrans, les ordinateurs fixes et portables (avec ou sans écran), les tablettes et les vidéoprojecteurs. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte ; résumé : https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-liste-produits-remploi-matieres-recyclees-43641.php4",
    ),
    (
        "server",
        "Matériel informatique et téléphonie",
        "Arrêté du 29 février 2024 précisant la liste des produits relevant de chaque catégorie de produits soumise à l'obligation d'acquisition de biens issus du réemploi ou de la réutilisation ou intégrant des matières recyclées (JORF du 7 mars 2024, NOR TRED2403741A, pris pour l'article 2 du décret n° 2024-134) : « Matériel informatique et téléphonie » couvre les téléphones fixes et mobiles, les terminaux informatiques, les serveurs, les écrans, les ordinateurs fixes et portables (avec ou sans écran), les tablettes et les vidéoprojecteurs. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte ; résumé : https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-liste-produits-remploi-matieres-recyclees-43641.php4",
    ),
    (
        "network_equipment",
        "",
        "Aucune des 17 catégories : commutateurs, routeurs et bornes Wi-Fi ne figurent pas dans la liste « Matériel informatique et téléphonie » de l'arrêté du 29 février 2024 (NOR TRED2403741A) ; hors déclaration et hors it_spend, à revoir si un texte les y ajoute. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte",
    ),
    (
        "video_projector",
        "Matériel informatique et téléphonie",
        "Arrêté du 29 février 2024 précisant la liste des produits relevant de chaque catégorie de produits soumise à l'obligation d'acquisition de biens issus du réemploi ou de la réutilisation ou intégrant des matières recyclées (JORF du 7 mars 2024, NOR TRED2403741A, pris pour l'article 2 du décret n° 2024-134) : « Matériel informatique et téléphonie » couvre les téléphones fixes et mobiles, les terminaux informatiques, les serveurs, les écrans, les ordinateurs fixes et portables (avec ou sans écran), les tablettes et les vidéoprojecteurs. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte ; résumé : https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-liste-produits-remploi-matieres-recyclees-43641.php4",
    ),
    (
        "printer",
        "Matériel de reprographie et d'impression",
        "Arrêté du 29 février 2024 (NOR TRED2403741A) : les imprimantes relèvent de la catégorie « Matériel de reprographie et d'impression » et non du « Matériel informatique et téléphonie », dont la liste ne les cite pas. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte",
    ),
    (
        "accessory",
        "",
        "Aucune des 17 catégories : câbles, chargeurs, claviers, souris et petits accessoires ne figurent pas dans la liste de l'arrêté du 29 février 2024 (NOR TRED2403741A) ; ces achats sont au registre mais hors déclaration et hors it_spend. https://www.legifrance.gouv.fr/eli/arrete/2024/2/29/TRED2403741A/jo/texte",
    ),
]

# (code, to verify, source) of the seeded targets that stay
TARGETS = [
    (
        "agec-58-it-2021",
        False,
        "Loi n° 2020-105 du 10 février 2020 (AGEC), art. 58, et décret n° 2021-254 du 9 mars 2021, abrogé par le décret n° 2024-134 à compter du 1er juillet 2024 : au moins 20 % de la dépense annuelle HT de matériel informatique et de téléphonie issue du réemploi ou de la réutilisation (taux rappelé par le guide « Commande publique locale et durable »). S'applique aux années 2021 à 2023. https://www.legifrance.gouv.fr/jorf/article_jo/JORFARTI000041553823",
    ),
    (
        "decret-2024-134-it-2024",
        True,
        "Décret n° 2024-134 du 21 février 2024 (JORF du 23 février 2024, en vigueur le 1er juillet 2024), annexe, « Matériel informatique et téléphonie », jalon 2024 : deux colonnes distinctes, « % issu du réemploi ou de la réutilisation » et « % intégrant des matières recyclées ». À VÉRIFIER dans l'annexe : le taux de réemploi saisi (20 %) reprend le taux global publié par une agence technique départementale ; le taux de matières recyclées n'a pas pu être confirmé et reste non renseigné. Texte : https://www.legifrance.gouv.fr/eli/decret/2024/2/21/2024-134/jo/texte ; présentation des deux colonnes : https://code-commande-publique.com/le-decret-n-2024-134-du-21-fevrier-2024 ; https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-produits-remploi-matieres-recyclees-43598.php4",
    ),
    (
        "decret-2024-134-it-2027",
        True,
        "Décret n° 2024-134 du 21 février 2024 (JORF du 23 février 2024, en vigueur le 1er juillet 2024), annexe, « Matériel informatique et téléphonie », jalon 2027 : deux colonnes distinctes, « % issu du réemploi ou de la réutilisation » et « % intégrant des matières recyclées ». À VÉRIFIER dans l'annexe : le taux de réemploi saisi (25 %) reprend le taux global publié par une agence technique départementale ; le taux de matières recyclées n'a pas pu être confirmé et reste non renseigné. Texte : https://www.legifrance.gouv.fr/eli/decret/2024/2/21/2024-134/jo/texte ; présentation des deux colonnes : https://code-commande-publique.com/le-decret-n-2024-134-du-21-fevrier-2024 ; https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-produits-remploi-matieres-recyclees-43598.php4",
    ),
    (
        "decret-2024-134-it-2030",
        True,
        "Décret n° 2024-134 du 21 février 2024 (JORF du 23 février 2024, en vigueur le 1er juillet 2024), annexe, « Matériel informatique et téléphonie », jalon 2030 : deux colonnes distinctes, « % issu du réemploi ou de la réutilisation » et « % intégrant des matières recyclées ». À VÉRIFIER dans l'annexe : le taux de réemploi saisi (30 %) reprend le taux global publié par une agence technique départementale ; le taux de matières recyclées n'a pas pu être confirmé et reste non renseigné. Texte : https://www.legifrance.gouv.fr/eli/decret/2024/2/21/2024-134/jo/texte ; présentation des deux colonnes : https://code-commande-publique.com/le-decret-n-2024-134-du-21-fevrier-2024 ; https://www.actu-environnement.com/ae/news/obligation-achat-commande-publique-produits-remploi-matieres-recyclees-43598.php4",
    ),
    (
        "reen-2023-266-2023",
        False,
        "Loi n° 2021-1485 du 15 novembre 2021 (REEN), art. 16, et décret n° 2023-266 du 12 avril 2023, art. 2 : part des matériels informatiques réformés (catégories 2° et 6° du II de l'article R. 543-172 du code de l'environnement, hors matériels de plus de dix ans et matériels contenant des informations classifiées ou soumises à des obligations de sécurité propres aux personnes publiques) orientés vers le réemploi ou la réutilisation, rapportée au parc réformé au 1er janvier : 25 % en 2023. https://www.legifrance.gouv.fr/eli/decret/2023/4/12/2023-266/jo/texte",
    ),
    (
        "reen-2023-266-2024",
        False,
        "Loi n° 2021-1485 du 15 novembre 2021 (REEN), art. 16, et décret n° 2023-266 du 12 avril 2023, art. 2 : part des matériels informatiques réformés (catégories 2° et 6° du II de l'article R. 543-172 du code de l'environnement, hors matériels de plus de dix ans et matériels contenant des informations classifiées ou soumises à des obligations de sécurité propres aux personnes publiques) orientés vers le réemploi ou la réutilisation, rapportée au parc réformé au 1er janvier : 35 % en 2024. https://www.legifrance.gouv.fr/eli/decret/2023/4/12/2023-266/jo/texte",
    ),
    (
        "reen-2023-266-2025",
        False,
        "Loi n° 2021-1485 du 15 novembre 2021 (REEN), art. 16, et décret n° 2023-266 du 12 avril 2023, art. 2 : part des matériels informatiques réformés (catégories 2° et 6° du II de l'article R. 543-172 du code de l'environnement, hors matériels de plus de dix ans et matériels contenant des informations classifiées ou soumises à des obligations de sécurité propres aux personnes publiques) orientés vers le réemploi ou la réutilisation, rapportée au parc réformé au 1er janvier : 50 % à partir de 2025. https://www.legifrance.gouv.fr/eli/decret/2023/4/12/2023-266/jo/texte",
    ),
]

NEW_TARGETS = [
    {
        "code": "decret-2024-134-printing-2024",
        "kind": "spend_share",
        "legal_category": "Matériel de reprographie et d'impression",
        "first_year": 2024,
        "reuse_rate_bp": None,
        "recycled_rate_bp": None,
        "to_verify": True,
        "source": "Décret n° 2024-134 du 21 février 2024, annexe, « Matériel de reprographie et d'impression », jalon 2024. À VÉRIFIER : les taux de réemploi et de matières recyclées de cette ligne n'ont pas pu être confirmés dans une source primaire ; saisissez-les depuis l'annexe. Texte : https://www.legifrance.gouv.fr/eli/decret/2024/2/21/2024-134/jo/texte ; https://code-commande-publique.com/le-decret-n-2024-134-du-21-fevrier-2024",
    },
    {
        "code": "decret-2024-134-printing-2027",
        "kind": "spend_share",
        "legal_category": "Matériel de reprographie et d'impression",
        "first_year": 2027,
        "reuse_rate_bp": None,
        "recycled_rate_bp": None,
        "to_verify": True,
        "source": "Décret n° 2024-134 du 21 février 2024, annexe, « Matériel de reprographie et d'impression », jalon 2027. À VÉRIFIER : les taux de réemploi et de matières recyclées de cette ligne n'ont pas pu être confirmés dans une source primaire ; saisissez-les depuis l'annexe. Texte : https://www.legifrance.gouv.fr/eli/decret/2024/2/21/2024-134/jo/texte ; https://code-commande-publique.com/le-decret-n-2024-134-du-21-fevrier-2024",
    },
    {
        "code": "decret-2024-134-printing-2030",
        "kind": "spend_share",
        "legal_category": "Matériel de reprographie et d'impression",
        "first_year": 2030,
        "reuse_rate_bp": None,
        "recycled_rate_bp": None,
        "to_verify": True,
        "source": "Décret n° 2024-134 du 21 février 2024, annexe, « Matériel de reprographie et d'impression », jalon 2030. À VÉRIFIER : les taux de réemploi et de matières recyclées de cette ligne n'ont pas pu être confirmés dans une source primaire ; saisissez-les depuis l'annexe. Texte : https://www.legifrance.gouv.fr/eli/decret/2024/2/21/2024-134/jo/texte ; https://code-commande-publique.com/le-decret-n-2024-134-du-21-fevrier-2024",
    },
]

CLAUSE_CODE = "reemploi-part-minimale"
CLAUSE_OLD = (
    "Au moins 25 % de la valeur hors taxes des équipements informatiques et de téléphonie livrés au titre du marché sont issus du réemploi ou de la réutilisation (équipements reconditionnés ou d'occasion remis en état). Le titulaire indique, pour chaque ligne de livraison, si l'équipement est issu du réemploi et fournit sur demande les justificatifs de provenance. Le pouvoir adjudicateur peut relever cette part au fil des bons de commande pour atteindre les taux annuels qui lui sont applicables, fixés par l'annexe du décret n° 2021-254 modifié.",
    "Loi n° 2020-105 du 10 février 2020 (AGEC), art. 58 ; décret n° 2021-254 du 9 mars 2021 modifié par le décret n° 2024-134 du 21 février 2024 (annexe, « Matériel informatique et téléphonie ») ; Code de la commande publique, art. L. 2112-2. Guide « Commande publique locale et durable, dans une démarche de réemploi, de réparation et de lutte contre l'obsolescence » (Mission interministérielle numérique responsable et réseau des Interconnectés, 2023).",
)
CLAUSE_NEW = (
    "Au moins 25 % de la valeur hors taxes des équipements informatiques et de téléphonie livrés au titre du marché sont issus du réemploi ou de la réutilisation (équipements reconditionnés ou d'occasion remis en état). Le titulaire indique, pour chaque ligne de livraison, si l'équipement est issu du réemploi et fournit sur demande les justificatifs de provenance. Le pouvoir adjudicateur peut relever cette part au fil des bons de commande pour atteindre les taux annuels qui lui sont applicables, fixés par l'annexe du décret n° 2024-134 du 21 février 2024 (colonne « % issu du réemploi ou de la réutilisation »).",
    "Loi n° 2020-105 du 10 février 2020 (AGEC), art. 58 ; décret n° 2024-134 du 21 février 2024, en vigueur le 1er juillet 2024, qui abroge le décret n° 2021-254 du 9 mars 2021 (annexe, « Matériel informatique et téléphonie », https://www.legifrance.gouv.fr/eli/decret/2024/2/21/2024-134/jo/texte) ; Code de la commande publique, art. L. 2112-2. Guide « Commande publique locale et durable, dans une démarche de réemploi, de réparation et de lutte contre l'obsolescence » (Mission interministérielle numérique responsable et réseau des Interconnectés, 2023).",
)


def upgrade():
    op.create_table(
        "retired_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("outcome_on", sa.Date(), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("reen_category", sa.String(length=10), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("receiver", sa.String(length=200), nullable=False),
        sa.Column("reuse_committed", sa.Boolean(), nullable=False),
        sa.Column("proof_name", sa.String(length=40), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", nrhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("units > 0", name=op.f("ck_retired_outcome_units_positive")),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["organisation.id"], name=op.f("fk_retired_outcome_buyer_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_retired_outcome_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retired_outcome")),
    )
    op.create_index("ix_retired_outcome_buyer_year", "retired_outcome", ["buyer_id", "year"], unique=False)
    op.create_table(
        "declaration_status",
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("downloaded_at", nrhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", nrhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["organisation.id"], name=op.f("fk_declaration_status_buyer_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["user_account.id"], name=op.f("fk_declaration_status_done_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("buyer_id", "year", name=op.f("pk_declaration_status")),
    )
    with op.batch_alter_table("spend_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contract_reference", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("contract_title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contract_date", sa.Date(), nullable=True))
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legal_category_source", sa.Text(), server_default="", nullable=False)
        )
    with op.batch_alter_table("legal_target", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("to_verify", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_constraint("reuse_range", type_="check")
        batch_op.alter_column("reuse_rate_bp", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            "reuse_range",
            "reuse_rate_bp IS NULL OR (reuse_rate_bp >= 0 AND reuse_rate_bp <= 10000)",
        )

    bind = op.get_bind()
    category = sa.table(
        "category",
        sa.column("code", sa.String),
        sa.column("legal_category", sa.String),
        sa.column("legal_category_source", sa.Text),
    )
    for code, legal_category, source in CATEGORIES:
        bind.execute(
            category.update()
            .where(category.c.code == code)
            .values(legal_category=legal_category, legal_category_source=source)
        )

    target = sa.table(
        "legal_target",
        sa.column("code", sa.String),
        sa.column("kind", sa.String),
        sa.column("legal_category", sa.String),
        sa.column("first_year", sa.Integer),
        sa.column("reuse_rate_bp", sa.Integer),
        sa.column("recycled_rate_bp", sa.Integer),
        sa.column("to_verify", sa.Boolean),
        sa.column("source", sa.Text),
        sa.column("updated_at", sa.DateTime),
    )
    for code, to_verify, source in TARGETS:
        bind.execute(
            target.update().where(target.c.code == code).values(to_verify=to_verify, source=source)
        )
    existing = {
        (row.code, (row.kind, row.legal_category, row.first_year))
        for row in bind.execute(
            sa.select(target.c.code, target.c.kind, target.c.legal_category, target.c.first_year)
        )
    }
    codes = {code for code, _key in existing}
    keys = {key for _code, key in existing}
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    for row in NEW_TARGETS:
        if row["code"] in codes or (row["kind"], row["legal_category"], row["first_year"]) in keys:
            continue
        bind.execute(target.insert().values(**row, updated_at=now))

    clause = sa.table(
        "clause",
        sa.column("code", sa.String),
        sa.column("text", sa.Text),
        sa.column("source", sa.Text),
    )
    for column, index in (("text", 0), ("source", 1)):
        bind.execute(
            clause.update()
            .where(clause.c.code == CLAUSE_CODE, clause.c[column] == CLAUSE_OLD[index])
            .values({column: CLAUSE_NEW[index]})
        )


def downgrade():
    bind = op.get_bind()
    target = sa.table("legal_target", sa.column("reuse_rate_bp", sa.Integer))
    bind.execute(target.delete().where(target.c.reuse_rate_bp.is_(None)))
    with op.batch_alter_table("legal_target", schema=None) as batch_op:
        batch_op.drop_constraint("reuse_range", type_="check")
        batch_op.alter_column("reuse_rate_bp", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            "reuse_range", "reuse_rate_bp >= 0 AND reuse_rate_bp <= 10000"
        )
        batch_op.drop_column("to_verify")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_column("legal_category_source")
    op.drop_index("ix_retired_outcome_buyer_year", table_name="retired_outcome")
    op.drop_table("retired_outcome")
    op.drop_table("declaration_status")
    with op.batch_alter_table("spend_entry", schema=None) as batch_op:
        batch_op.drop_column("contract_date")
        batch_op.drop_column("contract_title")
        batch_op.drop_column("contract_reference")
