"""Digests built and delivered in a process of their own, beside the daemon's polling.

Building a weekly digest is seconds of CPU-bound Python (reading thousands of stories, grouping copies,
rendering), and SMTP retries wait for minutes. On a thread of the daemon that work competed for the GIL with the
event loop, and polling fell to a fifth of its rate while a digest was built. A process has its own interpreter,
so the loop keeps its core. One process at a time is enough (digests are rare) and it lives for one digest only
(``max_tasks_per_child``), so an idle daemon does not carry the digest's memory between runs.

The run itself is ``monitor.digest.run.send``, the same function ``monitor digest send`` calls; only where it runs
changes. The daemon's SIGTERM reaches it through ``stop``, which cuts a retry wait short.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from multiprocessing import get_context
from typing import Any

from monitor import logs
from monitor.config import Settings
from monitor.digest.run import Outcome
from monitor.procs import watch_parent

_stop: Any = None  # the daemon's stop event, in the worker
DIGEST_NICENESS = 10


def _init(parent: int, logging_state: tuple[str, str, tuple[str, ...]], stop: Any) -> None:
    global _stop
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon decides when to stop, through ``stop``
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    watch_parent(parent)
    logs.restore(logging_state)
    _stop = stop
    # A digest has minutes of slack, the feeds due now have seconds: on a machine whose cores polling keeps busy,
    # the kernel gives them to the poller first, and the digest takes what is left.
    with contextlib.suppress(OSError):
        os.nice(DIGEST_NICENESS)


def _send(settings: Settings, name: str, slot: datetime) -> Outcome:
    from monitor.digest.run import send
    from monitor.store import open_store

    store = open_store(settings.database_url, upgrade=False)
    try:
        return send(settings, store, settings.digest(name), scheduled_for=slot, stop=_stop)
    finally:
        store.close()


class DigestProcess:
    """Runs digests in a worker process; ``stop()`` interrupts a run's retry waits, ``close()`` ends the worker."""

    def __init__(self) -> None:
        self._context = get_context("forkserver")
        self._stop: Any = None  # made with the first pool: a daemon without digests starts no helper process
        self._stopping = False
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            if self._stop is None:
                self._stop = self._context.Event()
                if self._stopping:
                    self._stop.set()
            self._pool = ProcessPoolExecutor(1, mp_context=self._context, initializer=_init,
                                             initargs=(os.getpid(), logs.current(), self._stop),
                                             max_tasks_per_child=1)
        return self._pool

    async def send(self, settings: Settings, name: str, slot: datetime) -> Outcome:
        pool = self._executor()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _send, settings, name, slot)
        except BrokenProcessPool:
            # The worker died (killed, out of memory): the next digest gets a new one. The run it claimed is
            # failed by the next claim, which sees that its process is gone.
            if self._pool is pool:
                self._pool = None
            raise RuntimeError("the digest process died before it finished") from None

    def stop(self) -> None:
        self._stopping = True
        if self._stop is not None:
            self._stop.set()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


__all__ = ["DIGEST_NICENESS", "DigestProcess"]
