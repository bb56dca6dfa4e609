"""gunicorn on the bench database, and the HTTP clients that load it (``wrk``, a few
requests by hand): shared by the HTTP bench and the campaign rush."""

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
USER_AGENT = "nrhub-bench"
HELLO_URL = "/sante"


@dataclass(frozen=True)
class Server:
    port: int
    pid: int
    secret_key: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        text = self.log_path.read_text(errors="replace")[-4000:]
        return f"# gunicorn log (end):\n{text}" if text else "# gunicorn log is empty"


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit(
            "bench: the `wrk` load generator is not installed; "
            "install it with `apt-get install wrk` (Debian/Ubuntu) and run `make bench` again."
        )
    return wrk


@contextmanager
def gunicorn(database_url: str, **settings: str) -> Iterator[Server]:
    """gunicorn with ``WORKERS`` workers and the production settings on ``database_url``
    (``settings``: more environment variables); stopped on leaving the block."""
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        secret_key = secrets.token_urlsafe(32)
        log_path = Path(tmp) / "gunicorn.log"
        env = {
            **os.environ,
            "NRHUB_ENV": "production",
            "SECRET_KEY": secret_key,
            "OCDS_OCID_PREFIX": "ocds-bench0",  # production refuses the placeholder
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(Path(tmp) / "uploads"),
            "MAIL_FILE_PATH": str(Path(tmp) / "mail"),
            # One login per account during the bench; keep the production limit otherwise.
            "LOGIN_RATE_LIMIT": "100 per minute",
            **settings,
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
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        server = Server(port, process.pid, secret_key, log_path)
        try:
            _wait_ready(process, port)
            yield server
        except Exception:
            print(server.log_tail(), file=sys.stderr, flush=True)
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if get(port, HELLO_URL, None)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"bench: gunicorn did not start on port {port}")


def workers_cpu_seconds(master_pid: int) -> float:
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


# ----------------------------------------------------------------------------- client


def get(port: int, path: str, cookie: str | None) -> tuple[int, dict[str, str], str]:
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


def expect_ok(port: int, path: str, cookie: str | None) -> None:
    status, headers, _body = get(port, path, cookie)
    if status != 200:
        where = headers.get("Location", "")
        raise RuntimeError(f"bench: GET {path} answered {status} {where}, not 200")
    if cookie and "Set-Cookie" in headers:
        # wrk never keeps cookies: each measured request would sign a new session.
        print(f"# WARNING: GET {path} sets a cookie again on a settled session", flush=True)


def _session_cookie(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0].removeprefix("session=")
    return None


def login(port: int, email: str, password: str) -> str:
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
            raise RuntimeError(f"bench: no login form ({response.status})")
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
            raise RuntimeError(f"bench: login of {email} failed ({response.status})")
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


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p99_ms: float
    requests: int
    socket_errors: str | None
    non_2xx_3xx: int


def run_wrk(
    wrk: str,
    url: str,
    *,
    connections: int,
    duration: str,
    cookie: str | None = None,
    script: Path | None = None,
    env: dict[str, str] | None = None,
) -> tuple[WrkResult, str]:
    """``wrk --latency`` on ``url`` (with a Lua ``script``); its parsed report and output."""
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}", "--timeout", "30s", "--latency"]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    completed = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench: wrk failed on {url}:\n{completed.stderr}{completed.stdout}")
    result = parse_wrk(completed.stdout)
    if result.requests == 0:
        raise RuntimeError(f"bench: no request completed on {url}:\n{completed.stdout}")
    if result.socket_errors:
        print(f"# wrk socket errors on {url}: {result.socket_errors}", flush=True)
    return result, completed.stdout


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(output: str) -> WrkResult:
    """Requests per second, 99th percentile latency and failures from ``wrk --latency``."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in ", output, re.MULTILINE)
    if rps is None or p99 is None or total is None:
        raise RuntimeError(f"bench: unexpected wrk output:\n{output}")
    errors = re.search(r"^\s+Socket errors: (.+)$", output, re.MULTILINE)
    non_2xx = re.search(r"^\s+Non-2xx or 3xx responses: (\d+)", output, re.MULTILINE)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p99_ms=float(p99.group(1)) * _UNITS_MS[p99.group(2)],
        requests=int(total.group(1)),
        socket_errors=errors.group(1) if errors else None,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
    )
