"""The previewed lines kept on disk under a random token bound to the organisation."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from nrhub.auth.models import User
from nrhub.catalog.importing.lines import ParsedLine
from nrhub.catalog.rules import ListingData, TierData
from nrhub.db import utcnow
from nrhub.errors import NotFoundError

TOKEN_LIFETIME = dt.timedelta(hours=2)


TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def import_dir() -> Path:
    configured = current_app.config.get("IMPORT_DIR")
    if configured:
        return Path(configured)
    return Path(current_app.config["UPLOAD_DIR"]).parent / "imports"


_FIELDS = tuple(ListingData.__dataclass_fields__)


def serialise(data: ListingData) -> dict[str, Any]:
    # The fields read directly: dataclasses.asdict deep-copies every value, which took
    # as long as parsing the file for 10,000 lines.
    values = {name: getattr(data, name) for name in _FIELDS}
    values["tiers"] = [[t.min_quantity, str(t.unit_price)] for t in data.tiers]
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def deserialise(values: dict[str, Any]) -> ListingData:
    decimals = ("unit_price", "vat_rate", "screen_inches", "repairability_index")
    converted = dict(values)
    for name in decimals:
        if converted.get(name) is not None:
            converted[name] = Decimal(converted[name])
    converted["tiers"] = tuple(TierData(int(q), Decimal(p)) for q, p in values["tiers"])
    return ListingData(**converted)


def save_lines(by: User, filename: str, items: list[ParsedLine]) -> str:
    token = secrets.token_urlsafe(24)
    directory = import_dir()
    directory.mkdir(parents=True, exist_ok=True)
    payload = {
        "organisation_id": by.organisation_id,
        "user_id": by.id,
        "created_at": utcnow().isoformat(),
        "filename": filename,
        "rows": [
            {
                "line": i.line,
                "status": i.status,
                "category_id": i.category_id,
                "data": serialise(i.data),
            }
            for i in items
        ],
    }
    (directory / f"{token}.json").write_text(json.dumps(payload), encoding="utf-8")
    purge_old(directory)
    return token


def purge_old(directory: Path) -> None:
    limit = (utcnow() - TOKEN_LIFETIME).timestamp()
    for path in directory.glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def load_lines(token: str, by: User) -> tuple[Path, dict[str, Any]]:
    missing = NotFoundError(_("Cet aperçu d'import n'existe plus : envoyez le fichier de nouveau."))
    if not TOKEN_PATTERN.fullmatch(token or ""):
        raise missing
    path = import_dir() / f"{token}.json"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise missing from err
    if payload.get("organisation_id") != by.organisation_id:
        raise missing
    created = dt.datetime.fromisoformat(payload["created_at"])
    if utcnow() - created > TOKEN_LIFETIME:
        path.unlink(missing_ok=True)
        raise missing
    return path, payload
