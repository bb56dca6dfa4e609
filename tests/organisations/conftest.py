"""Fixtures of the foundation tests (the shared ones are in tests/conftest.py)."""
