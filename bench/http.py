"""HTTP throughput under a real WSGI server: gunicorn (2 workers) loaded by ``wrk``.

The database is the demo data grown to the benchmark sizes of the other modules (the
indicators bench's 2,000 buyers and 1,000,000 ledger rows, the catalogue bench's 50,000
listings), built with their own data builders. gunicorn then serves it on 127.0.0.1 with
the production settings, and ``wrk`` loads three pages for a bounded time each:

- ``http_hello_rps``: ``GET /sante``, a bare endpoint of the same server (the ceiling);
- ``http_catalogue_rps``: the public catalogue, anonymous;
- ``http_dashboard_rps``: the hub dashboard ``/indicateurs`` as the demo coordinator;
- ``http_catalogue_ratio``, ``http_dashboard_ratio``: each page against the ceiling
  (target ≥ 0.25), the 99th percentile latency of each page (``*_p99_ms``), and the
  workers' CPU time per request (``*_cpu_ms``, steadier than throughput on a busy machine).

Any response other than 200 fails the bench: a fast redirect or 403 would fake throughput.
``wrk`` counts 3xx as success, so every URL is also fetched before and after its run and must
answer 200. Settings: ``BENCH_HTTP_DURATION`` (default ``10s``), ``BENCH_HTTP_CONNECTIONS``
(default 16), ``BENCH_DATABASE_URL`` for PostgreSQL.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench import catalog, stats
from bench.common import bench_app, report
from nrhub.demo import DEMO_PASSWORD, load_demo
from nrhub.extensions import db
from nrhub.ledger.summary import rebuild_summary

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
DURATION = os.environ.get("BENCH_HTTP_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "16"))
USER_AGENT = "nrhub-bench"
COORDINATOR = "coordination@demo.nrhub.fr"
HELLO_URL = "/sante"
CATALOGUE_URL = "/catalogue"
DASHBOARD_URL = f"/indicateurs?annee={stats.YEAR}"
TARGET_RATIO = 0.25


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p99_ms: float
    requests: int
    socket_errors: str | None
    non_2xx_3xx: int


def run() -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit(
            "bench http: the `wrk` load generator is not installed; "
            "install it with `apt-get install wrk` (Debian/Ubuntu) and run `make bench` again."
        )
    with bench_app() as app:
        started = time.perf_counter()
        _build_data()
        print(f"# http data built in {time.perf_counter() - started:.1f} s", flush=True)
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
        db.engine.dispose()  # gunicorn's workers open their own connections
        with tempfile.TemporaryDirectory() as tmp:
            port = _free_port()
            log_path = Path(tmp) / "gunicorn.log"
            server = _start_gunicorn(database_url, port, Path(tmp), log_path)
            try:
                _wait_ready(server, port, log_path)
                _measure(wrk, port, server.pid)
            except Exception:
                print(_log_tail(log_path), file=sys.stderr, flush=True)
                raise
            finally:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def _build_data() -> None:
    """The indicators bench's organisations and ledger first (its builder expects the first
    buyer ids to be its own), then the catalogue bench's refurbishers and listings, then the
    demo (its organisations, accounts, campaigns and ledger) on top."""
    _hub_id, first_buyer = stats._organisations()
    if db.engine.dialect.name == "sqlite":
        stats._ledger(first_buyer)
    else:
        # bench/stats.py fills the ledger with SQLite's printf() and 0/1 booleans.
        print(
            "# WARNING: the indicators bench's ledger builder is SQLite-only: on "
            f"{db.engine.dialect.name} the dashboard is measured on the demo ledger only",
            flush=True,
        )
    all_ids = catalog._organisations()  # every organisation's id: keep the ones just added
    catalog._listings(all_ids[-(catalog.REFURBISHERS + 1) :])
    load_demo()
    rebuild_summary()
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _measure(wrk: str, port: int, server_pid: int) -> None:
    base = f"http://127.0.0.1:{port}"
    session = _login(port, COORDINATOR, DEMO_PASSWORD)
    cookie = f"session={session}"
    pages = [
        ("hello", HELLO_URL, None),
        ("catalogue", CATALOGUE_URL, None),
        ("dashboard", DASHBOARD_URL, cookie),
    ]
    results: dict[str, WrkResult] = {}
    cpu_ms: dict[str, float] = {}
    for name, path, page_cookie in pages:
        # Sequential warm-up of both workers (templates compiled, caches filled): a short
        # wrk run instead would leave a backlog of queued requests to the measured run.
        for _ in range(2 * WORKERS):
            _expect_ok(port, path, page_cookie)
        cpu_before = _workers_cpu_seconds(server_pid)
        results[name] = _run_wrk(wrk, base + path, page_cookie, DURATION)
        cpu_used = _workers_cpu_seconds(server_pid) - cpu_before
        cpu_ms[name] = cpu_used * 1000 / results[name].requests
        # Queued behind what wrk left in flight, so it also drains the server; and a session
        # lost mid-run would have been counted as a fast 302 by wrk.
        _expect_ok(port, path, page_cookie)
    print(f"# load average during the runs: {os.getloadavg()[0]:.1f}", flush=True)
    ceiling = results["hello"].requests_per_second
    for name, result in results.items():
        report(f"http_{name}_rps", result.requests_per_second, "req/s")
    for name in ("catalogue", "dashboard"):
        ratio = results[name].requests_per_second / ceiling
        report(f"http_{name}_ratio", ratio, "x")
        if ratio < TARGET_RATIO:
            print(f"# http_{name}_ratio below the {TARGET_RATIO} target", flush=True)
    for name, result in results.items():
        report(f"http_{name}_p99_ms", result.p99_ms, "ms")
    # Server CPU per request: unlike requests per second, it does not depend on what else
    # runs on the machine (at most the two requests in progress at the end are counted).
    for name, value in cpu_ms.items():
        report(f"http_{name}_cpu_ms", value, "ms")


# ----------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_gunicorn(
    database_url: str, port: int, tmp: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NRHUB_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "MAIL_FILE_PATH": str(tmp / "mail"),
        # One login per account during the bench; keep the production limit otherwise.
        "LOGIN_RATE_LIMIT": "100 per minute",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "nrhub:create_app()",
    ]
    log = log_path.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _workers_cpu_seconds(master_pid: int) -> float:
    """User and system CPU time of gunicorn's workers (children of the master), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        # After the command name: state, ppid, … utime and stime are fields 14 and 15.
        if int(fields[1]) == master_pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _wait_ready(server: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if _get(port, HELLO_URL, None)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"bench http: gunicorn did not start on port {port}")


def _log_tail(log_path: Path) -> str:
    text = log_path.read_text(errors="replace")[-4000:]
    return f"# gunicorn log (end):\n{text}" if text else "# gunicorn log is empty"


# ----------------------------------------------------------------------------- client


def _get(port: int, path: str, cookie: str | None) -> tuple[int, dict[str, str], str]:
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return response.status, dict(response.getheaders()), body
    finally:
        conn.close()


def _expect_ok(port: int, path: str, cookie: str | None) -> None:
    status, headers, _body = _get(port, path, cookie)
    if status != 200:
        where = headers.get("Location", "")
        raise RuntimeError(f"bench http: GET {path} answered {status} {where}, not 200")
    if cookie and "Set-Cookie" in headers:
        # wrk never keeps cookies: each measured request would sign a new session.
        print(f"# WARNING: GET {path} sets a cookie again on a settled session", flush=True)


def _session_cookie(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0].removeprefix("session=")
    return None


def _login(port: int, email: str, password: str) -> str:
    """Log in through the real form (CSRF token included); return the session cookie.

    The cookie is handled by hand: production cookies are ``Secure`` and the bench talks
    plain HTTP on the loopback."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/connexion", headers={"User-Agent": USER_AGENT})
        response = conn.getresponse()
        page = response.read().decode("utf-8")
        anonymous = _session_cookie(response.getheaders())
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if response.status != 200 or match is None or anonymous is None:
            raise RuntimeError(f"bench http: no login form ({response.status})")
        form = urllib.parse.urlencode(
            {"csrf_token": match.group(1), "email": email, "password": password, "next": ""}
        )
        conn.request(
            "POST",
            "/connexion",
            body=form,
            headers={
                "User-Agent": USER_AGENT,
                "Cookie": f"session={anonymous}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = conn.getresponse()
        response.read()
        session = _session_cookie(response.getheaders())
        if response.status != 302 or session is None:
            raise RuntimeError(f"bench http: login of {email} failed ({response.status})")
        # Follow the redirect as a browser does: the page shows « Vous êtes connecté » and
        # hands back the session without that message. Kept, the message would be shown
        # and the cookie signed again on every measured request.
        conn.request(
            "GET",
            response.getheader("Location") or "/",
            headers={"User-Agent": USER_AGENT, "Cookie": f"session={session}"},
        )
        response = conn.getresponse()
        response.read()
        return _session_cookie(response.getheaders()) or session
    finally:
        conn.close()


# ----------------------------------------------------------------------------- wrk


def _run_wrk(wrk: str, url: str, cookie: str | None, duration: str) -> WrkResult:
    command = [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--timeout", "30s", "--latency"]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    completed = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"bench http: wrk failed on {url}:\n{completed.stderr}")
    result = parse_wrk(completed.stdout)
    if result.requests == 0:
        raise RuntimeError(f"bench http: no request completed on {url}:\n{completed.stdout}")
    if result.non_2xx_3xx:
        raise RuntimeError(
            f"bench http: {result.non_2xx_3xx} non-2xx/3xx responses out of "
            f"{result.requests} on {url}:\n{completed.stdout}"
        )
    if result.socket_errors:
        print(f"# wrk socket errors on {url}: {result.socket_errors}", flush=True)
    return result


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(output: str) -> WrkResult:
    """Requests per second, 99th percentile latency and failures from ``wrk --latency``."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in ", output, re.MULTILINE)
    if rps is None or p99 is None or total is None:
        raise RuntimeError(f"bench http: unexpected wrk output:\n{output}")
    errors = re.search(r"^\s+Socket errors: (.+)$", output, re.MULTILINE)
    non_2xx = re.search(r"^\s+Non-2xx or 3xx responses: (\d+)", output, re.MULTILINE)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p99_ms=float(p99.group(1)) * _UNITS_MS[p99.group(2)],
        requests=int(total.group(1)),
        socket_errors=errors.group(1) if errors else None,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
    )
