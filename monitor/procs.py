"""Helpers for the worker processes the pipeline and the daemon start (parsing, digests)."""

from __future__ import annotations

import os


def watch_parent(pid: int) -> None:
    """End this process as soon as process ``pid`` is gone, however it went (a kill -9 included).

    A pool's workers are children of the forkserver, not of the process that uses them, so nothing tells them
    when that process dies without shutting the pool down: they, the forkserver and the resource tracker used to
    stay behind for good (~175 MB after every ``timeout … monitor poll`` from cron). A pidfd becomes readable
    when its process exits; a thread blocked on it costs nothing until then.
    """
    import select
    import threading

    def wait() -> None:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            os._exit(0)
        except OSError:  # no pidfd (a kernel before 5.3): ask once a second instead
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    os._exit(0)
                except PermissionError:
                    pass
                threading.Event().wait(1.0)
        select.select([fd], [], [])
        os._exit(0)

    threading.Thread(target=wait, name="monitor-parent-watch", daemon=True).start()


__all__ = ["watch_parent"]
