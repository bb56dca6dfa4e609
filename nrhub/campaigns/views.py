"""Routes of the campaigns area (to be built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("campaigns", __name__)
