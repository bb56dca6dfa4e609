"""Routes of the maintenance offers and of the repair requests."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("repairs", __name__)
