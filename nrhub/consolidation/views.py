"""Routes of the consolidation area (to be built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("consolidation", __name__)
