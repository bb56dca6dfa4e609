"""French labels of the clause vocabularies (kind, form, strength, theme)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from nrhub.clauses.models import ClauseForm, ClauseKind, ClauseStrength, ClauseTheme

KIND_LABELS = {
    ClauseKind.SOCIAL: _l("Sociale"),
    ClauseKind.ENVIRONMENTAL: _l("Environnementale"),
}

FORM_LABELS = {
    ClauseForm.CLAUSE: _l("Clause (condition d'exécution)"),
    ClauseForm.CRITERION: _l("Critère d'attribution"),
    ClauseForm.RESERVED: _l("Marché réservé"),
}

STRENGTH_LABELS = {
    ClauseStrength.INCENTIVE: _l("Incitative"),
    ClauseStrength.COERCIVE: _l("Coercitive"),
}

THEME_LABELS = {
    ClauseTheme.REUSE: _l("Réemploi"),
    ClauseTheme.REPAIRABILITY: _l("Réparabilité"),
    ClauseTheme.SECURITY_UPDATES: _l("Mises à jour de sécurité (5 ans et plus)"),
    ClauseTheme.SPARE_PARTS: _l("Pièces détachées"),
    ClauseTheme.MAINTENANCE: _l("Maintenance au-delà de la garantie"),
    ClauseTheme.DATA_WIPING: _l("Effacement des données"),
    ClauseTheme.TAKE_BACK: _l("Reprise des équipements"),
    ClauseTheme.LEASING: _l("Location et réemploi"),
    ClauseTheme.INSERTION: _l("Insertion professionnelle"),
    ClauseTheme.RESERVED: _l("Marché réservé"),
    ClauseTheme.OTHER: _l("Autre"),
}


def labels() -> dict[str, dict[Any, object]]:
    """The label tables, as templates use them."""
    return {
        "kind": dict(KIND_LABELS),
        "form": dict(FORM_LABELS),
        "strength": dict(STRENGTH_LABELS),
        "theme": dict(THEME_LABELS),
    }
