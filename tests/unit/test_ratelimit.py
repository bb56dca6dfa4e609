"""The rate limits' memory storage (nrhub.ratelimit): no thread per hit, expired counters
purged at most every PURGE_EVERY seconds, limits counted as limits' own storage counts."""

from __future__ import annotations

import threading

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from nrhub import ratelimit


def test_the_scheme_gives_this_storage():
    assert isinstance(storage_from_string("nrhub-memory://"), ratelimit.PurgedMemoryStorage)


def test_hits_start_no_thread(monkeypatch):
    storage = ratelimit.PurgedMemoryStorage()
    started: list[object] = []
    monkeypatch.setattr(threading.Timer, "start", lambda self: started.append(self))
    limiter = FixedWindowRateLimiter(storage)
    limit = RateLimitItemPerMinute(3)
    answers = [limiter.hit(limit, "jeton-1") for _ in range(4)]
    assert answers == [True, True, True, False]  # counted as the library counts
    assert started == []


def test_expired_counters_are_purged_every_so_often(monkeypatch):
    clock = {"now": 1000.0}
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock["now"])
    storage = ratelimit.PurgedMemoryStorage()
    storage.incr("jeton-1", expiry=1)
    assert "jeton-1" in storage.storage
    # Expired (one second is gone), but within the purge interval: kept until then.
    storage.expirations["jeton-1"] -= 2
    clock["now"] += ratelimit.PURGE_EVERY / 2
    storage.incr("jeton-2", expiry=60)
    assert "jeton-1" in storage.storage
    clock["now"] += ratelimit.PURGE_EVERY
    storage.incr("jeton-2", expiry=60)
    assert "jeton-1" not in storage.storage
    assert storage.get("jeton-2") == 2


def test_the_application_counts_its_limits_there(app):  # type: ignore[no-untyped-def]
    from nrhub.extensions import limiter

    assert isinstance(limiter.storage, ratelimit.PurgedMemoryStorage)
