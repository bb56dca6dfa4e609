"""Routes of the stats area (to be built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stats", __name__)
