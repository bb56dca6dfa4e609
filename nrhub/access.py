"""Who may do what: the registry behind the areas' policies and the templates' ``can()``.

Each area states its access rules in ``<area>/policy.py`` as plain functions
``can_<verb>(person, obj) -> str | None``: ``None`` when the person may act, else the
reason (French, through gettext). Services turn a reason into a refusal with
:func:`require`; views and the API answer 403 (or 404 when the object must stay hidden,
which the ``get_*_for`` queries already do); templates ask ``can("verb", obj)``.

A policy function is registered here under its verb and the type of its object (``None``
for a verb without object), so that one ``can()`` serves every area and two areas may use
the same verb for different objects. This module imports no area: the areas' policies
import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from nrhub.errors import NotFoundError, PermissionDeniedError

Rule = Callable[..., "str | None"]
R = TypeVar("R", bound=Rule)

_RULES: dict[tuple[str, type | None], Rule] = {}


class Hidden(str):
    """A refusal for an object the person must not learn exists: answered as a 404."""

    __slots__ = ()


def rule(verb: str, of: type | None = None) -> Callable[[R], R]:
    """Register a policy function as the answer to ``can(verb, <an instance of of>)``."""

    def register(function: R) -> R:
        key = (verb, of)
        known = _RULES.get(key)
        if known is not None and known is not function:
            raise RuntimeError(f"two policies answer can({verb!r}, {of!r})")
        _RULES[key] = function
        return function

    return register


def rule_for(verb: str, obj: object = None) -> Rule:
    """The policy function answering ``verb`` for ``obj`` (its class or a base class)."""
    kinds: tuple[type | None, ...] = (None,) if obj is None else type(obj).__mro__
    for kind in kinds:
        found = _RULES.get((verb, kind))
        if found is not None:
            return found
    raise LookupError(f"no policy answers can({verb!r}, {type(obj).__name__})")


def reason(person: Any, verb: str, obj: object = None) -> str | None:
    """Why ``person`` may not ``verb`` ``obj`` (``None``: allowed). Anonymous people may not."""
    function = rule_for(verb, obj)
    if person is None or not getattr(person, "is_authenticated", False):
        return ""
    return function(person) if obj is None else function(person, obj)


def can(person: Any, verb: str, obj: object = None) -> bool:
    return reason(person, verb, obj) is None


def require(refusal: str | None) -> None:
    """Raise the refusal a policy function returned (403, or 404 for a :class:`Hidden`)."""
    if refusal is None:
        return
    if isinstance(refusal, Hidden):
        raise NotFoundError(str(refusal))
    raise PermissionDeniedError(refusal)


def verbs() -> list[tuple[str, type | None]]:
    """Every registered (verb, object type): for the tests."""
    return sorted(_RULES, key=lambda key: (key[0], key[1].__name__ if key[1] else ""))
