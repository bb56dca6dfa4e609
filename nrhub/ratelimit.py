"""The rate limits' counters in each worker's memory, without a thread per hit.

limits' ``memory://`` storage starts a timer thread to purge expired counters after almost
every hit (when the previous timer has run out, ten milliseconds later): under load, a
thread started, scheduled and run per rate-limited request (every API call), and the
request's own thread made to wait for it. Each counter expires when it is read anyway; this
storage (``nrhub-memory://``, the default of ``RATELIMIT_STORAGE_URI``) purges the others
inline, at most once every ``PURGE_EVERY`` seconds, which bounds the memory as well.
Redis (``redis://``) remains the storage to share the limits between workers.
"""

from __future__ import annotations

import time
from typing import Any

from limits.storage import MemoryStorage

PURGE_EVERY = 10.0  # seconds


class PurgedMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["nrhub-memory"]  # registered with limits by this class attribute

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.purged_at = time.monotonic()

    # Replaces MemoryStorage's private timer scheduling, called before each hit
    # (tests/unit/test_ratelimit.py checks that it is).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self.purged_at >= PURGE_EVERY:
            self.purged_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
