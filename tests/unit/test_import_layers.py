"""The imports of nrhub/ go one way, and never in a circle.

Every ``import`` and ``from ... import`` of every module is read with :mod:`ast`, at module
level and inside functions alike (a function-level import is still an arrow). Imports
under ``if TYPE_CHECKING:`` never run: they are left out (a model may name another area's
class for the type checker while the mapper finds it by name).

The layers, lowest first (README, "Architecture"):

    core      nrhub's own helpers (db, errors, formatting, money, mail, the audit log…) and
              the pure modules of the areas (allocation, amounts, pricing, listing rules)
    models    <area>/models.py and the labels of their states
    policy    <area>/policy.py: who may do what         queries   <area>/queries.py: reads
    services  <area>/services.py and the other use-case modules
    forms     <area>/forms.py
    views     <area>/views.py, *_views.py, exports, the API, the pages assembled for them
    app       create_app, the CLI, the demo data, the reference-data loader

A module may import its own layer or a lower one, never a higher one; core imports no
area; a pure module reads neither the database nor Flask's extensions.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "nrhub"

RANK = {"core": 0, "models": 1, "policy": 2, "queries": 2, "services": 3, "forms": 4}
RANK |= {"views": 5, "app": 6}

APP = {"nrhub", "nrhub.cli", "nrhub.reference", "nrhub.reference_loaders"}
# Shared components below the areas (they import no area when they run).
SHARED_PACKAGES = ("nrhub.mail", "nrhub.audit.models", "nrhub.audit.services")
# Pure: no Flask, no database (their docstrings say so).
PURE = {
    "nrhub.campaigns.pricing",
    "nrhub.catalog.rules",
    "nrhub.consolidation.allocation",
    "nrhub.consolidation.amounts",
}
IMPURE = {"nrhub.db", "nrhub.extensions", "nrhub.transactions"}

# The layer of an area's module, by its file name.
LAYER_OF_NAME = {
    "models": "models",
    "labels": "models",
    "search": "models",  # the catalogue's search index, declared with its table
    "demand": "models",  # the offers' demand triggers, declared with their table
    "communes": "models",
    "geo": "core",
    "formatting": "core",
    "messages": "core",  # gettext outside a request
    "policy": "policy",
    "queries": "queries",
    "browse": "queries",
    "preview": "queries",
    "maintenance": "queries",
    "origins": "queries",
    "decp": "queries",
    "ocds": "queries",
    "reference": "queries",  # the reference data files (and their seeding loaders)
    "services": "services",
    "offers": "services",
    "orders": "services",
    "states": "services",
    "stock": "services",
    "claims": "services",
    "reen": "services",
    "widening": "services",
    "files": "services",
    "delivery_services": "services",
    "frameworks": "services",
    "memberships": "services",
    "calloffs": "services",
    "steps": "services",
    "summary": "services",
    "importing": "services",
    "declaration": "services",
    "lockout": "services",
    "passwords": "services",
    "tokens": "services",
    "forms": "forms",
    "views": "views",
    "routes": "views",
    "exports": "views",
    "pages": "views",
    "charts": "views",
    "core": "views",
    "openapi": "views",
    "schemas": "views",
    "web": "views",
    "cli": "app",
}
LAYER_OF_MODULE = {
    "nrhub.repairs.maintenance": "services",
    "nrhub.models": "models",  # every model, for the metadata
    # Documents (Order-X, Factur-X, PDF) are built from plain dataclasses, then assembled
    # from the database by one query module.
    "nrhub.documents.model": "core",
    "nrhub.documents.cii": "core",
    "nrhub.documents.pdf": "core",
    "nrhub.documents.assemble": "queries",
    # The API's shapes (pydantic): read by its services, views and OpenAPI document alike.
    "nrhub.api.schemas": "queries",
    "nrhub.api.formats": "core",  # how the API writes money, dates and times
}

# Arrows against the direction that remain, each with its reason. Keep this short.
ALLOWED: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _known(name: str) -> str | None:
    """The module of ``name`` (a module, or a name defined in one)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(module: str, tree: ast.AST) -> dict[str, int]:
    """nrhub modules imported by ``module``: name → first line."""
    found: dict[str, int] = {}
    is_package = MODULES[module].name == "__init__.py"
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                parts = parts[: len(parts) - node.level + (1 if is_package else 0)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            target = _known(name)
            if target is not None and target != module:
                found[target] = min(found.get(target, node.lineno), node.lineno)
    return found


GRAPH = {m: _imported(m, ast.parse(p.read_text(encoding="utf-8"))) for m, p in MODULES.items()}


def layer(module: str) -> str:
    if module in APP or module.startswith("nrhub.demo"):
        return "app"
    if module in PURE:
        return "core"
    if module in LAYER_OF_MODULE:
        return LAYER_OF_MODULE[module]
    if module.startswith(SHARED_PACKAGES):
        return "core"
    parts = module.split(".")
    if len(parts) == 2:  # nrhub.<helper>.py
        return "core"
    if len(parts) > 3:  # a module of an area's package (stats/queries/, catalog/importing/)
        return LAYER_OF_NAME[parts[2]]
    name = parts[-1]
    if name.endswith("_views"):
        return "views"
    if parts[1] == "api" and name not in ("models", "queries", "services", "tokens"):
        return LAYER_OF_NAME.get(name, "views")
    return LAYER_OF_NAME[name]


def test_every_module_has_a_layer() -> None:
    unknown = []
    for module in MODULES:
        try:
            layer(module)
        except KeyError:
            unknown.append(module)
    assert unknown == [], "give these modules a layer in LAYER_OF_NAME: " + ", ".join(unknown)


def test_the_walker_sees_imports_in_functions_and_skips_type_checking_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import nrhub.db\n"
        "if TYPE_CHECKING:\n"
        "    from nrhub.auth.models import User\n"
        "def f():\n"
        "    from nrhub.campaigns import queries\n"
        "    from nrhub.errors import DomainError\n"
    )
    found = _imported("nrhub.catalog.views", ast.parse(source))
    assert set(found) == {"nrhub.db", "nrhub.campaigns.queries", "nrhub.errors"}


def test_imports_go_down_the_layers() -> None:
    against = []
    for source, targets in GRAPH.items():
        for target, line in targets.items():
            upward = RANK[layer(target)] > RANK[layer(source)]
            impure = source in PURE and target in IMPURE
            if (upward or impure) and (source, target) not in ALLOWED:
                against.append(
                    f"{MODULES[source].relative_to(ROOT)}:{line} ({layer(source)}) imports "
                    f"{target} ({'impure' if impure else layer(target)})"
                )
    assert against == [], "imports against the layers:\n" + "\n".join(against)


def test_no_import_circle() -> None:
    """Strongly connected components of the import graph (Tarjan), without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in GRAPH:
        if root in index:
            continue
        work = [(root, iter(GRAPH[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(GRAPH[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    assert circles == [], "import circles: " + "; ".join(" ↔ ".join(c) for c in circles)
