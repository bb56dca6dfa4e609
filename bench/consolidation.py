"""Benchmarks of the consolidation area (to be built)."""

from __future__ import annotations


def run() -> None:
    print("# (no benchmark yet)")
