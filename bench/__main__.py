"""Run every area's benchmark on SQLite, then on PostgreSQL when ``BENCH_DATABASE_URL`` is set.

Usage: ``python -m bench [--backend sqlite|postgresql] [module ...]``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

from bench.common import MODULES, backends, database_version, note, using


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("modules", nargs="*", metavar="module", help=", ".join(MODULES))
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help="only this one")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s): {', '.join(unknown)}; choose among {', '.join(MODULES)}")
    selected = args.modules or list(MODULES)
    passes = [b for b in backends() if args.backend in (None, b.dialect)]
    if args.backend == "postgresql" and not passes:
        raise SystemExit("--backend postgresql needs BENCH_DATABASE_URL")
    if len(passes) == 1 and passes[0].url is None and args.backend is None:
        note("PostgreSQL lines (*_pg_*) not measured: BENCH_DATABASE_URL is not set")
    for backend in passes:
        with using(backend):
            note(f"database {database_version(backend)}")
            started = time.perf_counter()
            for name in selected:
                module = importlib.import_module(f"bench.{name}")
                note(name)
                module_started, cpu_before = time.perf_counter(), _cpu_seconds()
                module.run()
                note(
                    f"{name} done in {time.perf_counter() - module_started:.0f} s, "
                    f"{_cpu_seconds() - cpu_before:.0f} s of CPU "
                    "(bench, gunicorn, wrk; not PostgreSQL)"
                )
            load = " ".join(f"{value:.2f}" for value in os.getloadavg())
            note(
                f"{backend.dialect} pass done in {time.perf_counter() - started:.0f} s "
                f"(load average {load})"
            )
    return 0


def _cpu_seconds() -> float:
    """CPU time of this process and of its ended children (gunicorn and its workers, wrk):
    on a busy machine, closer than the wall clock to what an idle one would take."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
