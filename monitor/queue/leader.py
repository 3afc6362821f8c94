"""One scheduler at a time: a PostgreSQL advisory lock held by the leader's own connection.

Every ``monitor run`` with a queue tries to take the lock; the one that gets it schedules, the others stand by
and try again every ``RETRY`` seconds. The lock is the connection's: when the leader dies its connection closes
and the lock is free. A leader whose machine vanishes without closing its connection is noticed by PostgreSQL's
TCP keepalives, set short on that connection, so a standby takes over within about half a minute.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import text

from monitor.logs import get_logger
from monitor.store import Store

log = get_logger(__name__)
LEADER_KEY = 0x6D6F6E69746F72  # "monitor"
RETRY = 5.0  # seconds between a standby's attempts
# Server-side keepalives on the leader's connection: a silent leader is dropped after ~5 + 3 * 3 = 14 seconds.
KEEPALIVE = {"tcp_keepalives_idle": 5, "tcp_keepalives_interval": 3, "tcp_keepalives_count": 3}


class LeaderLock:
    def __init__(self, store: Store):
        self.store = store
        self._conn: Any = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free (no wait). Blocking: call it off the event loop."""
        if self._conn is not None:
            return True
        conn = self.store.engine.connect()
        try:
            for name, value in KEEPALIVE.items():
                conn.execute(text(f"SET {name} = {int(value)}"))
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_KEY}).scalar())
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def still_held(self) -> bool:
        """Whether the connection holding the lock is still alive (a lost connection lost the lock with it)."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:
            self._drop()
            return False

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_KEY})
            self._conn.commit()
        except Exception:
            pass
        self._drop()

    def _drop(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = None
