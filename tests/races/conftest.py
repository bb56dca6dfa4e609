"""Races as production meets them: the application served by gunicorn with several worker
processes on the test database (PostgreSQL with ``NRHUB_TEST_BACKEND=postgresql``, else the
SQLite file), and many HTTP clients released at once by a barrier.

A test builds its data with the ``app`` fixture's session, calls :func:`commit_setup`, then
:func:`race` fires the requests; it asserts on the answers and on the database afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from nrhub.api.tokens import issue_token
from nrhub.auth.models import User
from nrhub.extensions import db

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
SECRET_KEY = "races-secret-key"


@dataclass
class RaceServer:
    url: str
    log: Path

    def api(self, path: str) -> str:
        return f"{self.url}/api/v1{path}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def race_server(
    database_url: str, _schema: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RaceServer]:
    """gunicorn, several workers, production settings, on the tests' own database."""
    base = tmp_path_factory.mktemp("races")
    env = dict(os.environ)
    env.pop("NRHUB_TEST_BACKEND", None)
    env.update(
        NRHUB_ENV="production",
        SECRET_KEY=SECRET_KEY,
        OCDS_OCID_PREFIX="ocds-test00",  # production refuses the placeholder
        DATABASE_URL=database_url,
        NRHUB_INSTANCE_PATH=str(base),
        UPLOAD_DIR=str(base / "uploads"),
        MAIL_BACKEND="locmem",
        SESSION_COOKIE_SECURE="0",
        API_RATE_LIMIT="100000 per minute",
        LOGIN_RATE_LIMIT="100000 per minute",
        PYTHONDONTWRITEBYTECODE="1",
    )
    port = _free_port()
    log_path = base / "gunicorn.log"
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            # The app built once and forked (it opens no connection before the fork).
            "--preload",
            "--timeout",
            "60",
            # No cache: every test wipes the tables under the server.
            'nrhub:create_app("production", CACHE_TYPE="NullCache")',
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log_path)
        yield RaceServer(url, log_path)
    finally:
        # Quick shutdown (INT), not the graceful one (TERM): the tests are over, and a
        # graceful stop waits for idle connections, seconds per server.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
    text = log_path.read_text()
    if "Traceback" in text:
        pytest.fail(f"le serveur a journalisé une erreur :\n{text[-6000:]}")


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn s'est arrêté :\n{log.read_text()}")
        try:
            if requests.get(url + "/sante", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn ne répond pas sur {url} :\n{log.read_text()}")


def commit_setup() -> None:
    """Make the test's data visible to the server, and hold no lock while it works."""
    db.session.commit()


def token_for(user: User) -> str:
    """A raw API token of ``user`` (committed)."""
    _token, raw = issue_token(user, "courses", by=user)
    commit_setup()
    return raw


def race(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run every call at once (one thread each, released together); their responses, in
    order. An exception in a call (connection refused…) fails the test."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except BaseException as err:  # reported by the main thread
            results[index] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def api_call(
    server: RaceServer, token: str, method: str, path: str, *, key: str | None = None, **kw: Any
) -> Callable[[], requests.Response]:
    """A deferred API request with ``token`` (and an ``Idempotency-Key`` when given)."""
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key

    def call() -> requests.Response:
        return requests.request(method, server.api(path), headers=headers, timeout=60, **kw)

    return call


def statuses(responses: list[requests.Response]) -> list[int]:
    return sorted(r.status_code for r in responses)
