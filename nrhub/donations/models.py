"""Models of the donation lots and of the retired stock."""

from __future__ import annotations
