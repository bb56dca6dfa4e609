"""Models of the maintenance offers and of the repair requests."""

from __future__ import annotations
