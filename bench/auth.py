"""Login benchmark: ``login_ms``, the median server time of ``POST /connexion``.

Measured through the test client (no network) with the production argon2id parameters
(``config.Config``: the ``ARGON2_*`` settings, not the tests' cheap ones), each login a new
visitor with the right password: verifying the hash is most of it (target ≤ 150 ms).
"""

from __future__ import annotations

import statistics
import time

from flask import g
from sqlalchemy import select

from bench.common import bench_app, median_ms, note, report
from config import Config
from nrhub.auth.models import User
from nrhub.auth.passwords import hash_password, verify_password
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus

LOGINS = 15
WARMUP = 2
EMAIL = "acheteur@bench.fr"
PASSWORD = "bench-password-1234"  # noqa: S105  (throw-away bench account)
PRODUCTION_ARGON2 = {
    "ARGON2_TIME_COST": Config.ARGON2_TIME_COST,
    "ARGON2_MEMORY_COST": Config.ARGON2_MEMORY_COST,
    "ARGON2_PARALLELISM": Config.ARGON2_PARALLELISM,
}


def run() -> None:
    with bench_app(**PRODUCTION_ARGON2, LOGIN_RATE_LIMIT="1000 per minute") as app:
        org = Organisation(
            kind=OrgKind.BUYER,
            name="Commune de Banc-d'Essai",
            siret="21350001800013",
            postcode="35000",
            department_code="35",
            region_code="53",
            contact_email="mairie@bench.fr",
            status=OrgStatus.ACTIVE,
        )
        db.session.add(org)
        db.session.flush()
        db.session.add(
            User(
                email=EMAIL,
                name="Acheteur",
                password_hash=hash_password(PASSWORD),
                organisation_id=org.id,
            )
        )
        db.session.commit()
        timings = []
        for n in range(WARMUP + LOGINS):
            g.pop("_login_user", None)  # bench_app's app context is shared by the requests
            client = app.test_client()
            start = time.perf_counter()
            response = client.post("/connexion", data={"email": EMAIL, "password": PASSWORD})
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 302, response.status_code
            if n >= WARMUP:
                timings.append(elapsed)
        settings = ", ".join(
            f"{k.removeprefix('ARGON2_')}={v}" for k, v in PRODUCTION_ARGON2.items()
        )
        password_hash = db.session.execute(
            select(User.password_hash).where(User.email == EMAIL)
        ).scalar_one()
        verify = median_ms(lambda: verify_password(password_hash, PASSWORD), repeat=5, warmup=1)
        note(f"argon2id {settings}: verifying the hash alone takes {verify:.0f} ms")
        report("login_ms", statistics.median(timings), "ms")
