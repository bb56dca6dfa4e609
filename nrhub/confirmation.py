"""A confirmation page before an action that cannot be undone in one click.

The page is plain HTML (it works without JavaScript): the question, what will happen, a
form that posts to the action with its CSRF token, and a way back that changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import render_template


def render_confirmation(
    *,
    title: str,
    explanations: Sequence[str],
    action: str,
    button: str,
    back: str,
    hidden: Mapping[str, Any] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The confirmation page: ``explanations`` say what the action does; ``hidden`` fields
    travel with the confirmation (e.g. the consolidation's rule)."""
    return (
        render_template(
            "confirm.html",
            title=title,
            explanations=explanations,
            action=action,
            button=button,
            back=back,
            hidden=dict(hidden or {}),
        ),
        status,
    )
