"""French names of the repair statuses (translated at display time)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from nrhub.repairs.models import RepairStatus

STATUS_LABELS = {
    RepairStatus.OPEN: _l("ouverte"),
    RepairStatus.IN_PROGRESS: _l("en cours"),
    RepairStatus.REPAIRED: _l("réparée"),
    RepairStatus.REPLACED: _l("remplacée"),
    RepairStatus.REFUSED: _l("refusée"),
}

ACTION_LABELS = {
    RepairStatus.IN_PROGRESS: _l("Prendre en charge"),
    RepairStatus.REPAIRED: _l("Marquer réparée"),
    RepairStatus.REPLACED: _l("Marquer remplacée"),
    RepairStatus.REFUSED: _l("Refuser"),
}


def status_label(status: RepairStatus | str) -> str:
    return str(STATUS_LABELS[RepairStatus(status)])


def labels() -> dict[str, dict[str, str]]:
    return {
        "status": {s.value: str(label) for s, label in STATUS_LABELS.items()},
        "action": {s.value: str(label) for s, label in ACTION_LABELS.items()},
    }
