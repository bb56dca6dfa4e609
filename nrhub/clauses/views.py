"""Routes of the clauses area (to be built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("clauses", __name__)
