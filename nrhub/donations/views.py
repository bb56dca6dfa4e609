"""Routes of the donation lots (``/dons``) and of the retired stock."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("donations", __name__)
