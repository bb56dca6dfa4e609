"""The API's blueprint."""

from __future__ import annotations

from flask import Blueprint

from nrhub.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
