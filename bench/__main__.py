"""Run every area's benchmark in a temporary database (``BENCH_DATABASE_URL`` for PostgreSQL)."""

from __future__ import annotations

import importlib
import sys

from bench.common import MODULES


def main(argv: list[str]) -> int:
    selected = argv or list(MODULES)
    for name in selected:
        module = importlib.import_module(f"bench.{name}")
        print(f"# {name}", flush=True)
        module.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
