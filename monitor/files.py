"""Writing files so that a reader never sees half of one: the config the daemon re-reads on SIGHUP, an OPML
export, the digests in the outbox."""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temp file beside the target and rename it over the target: readers see the old file or the new
    one, never half of one, and a crash leaves the old file (and no temp file). Follows a symlink to its target
    and keeps the file's permissions. Raises ``OSError``; callers phrase it for their user."""
    target = path.resolve()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        with suppress(FileNotFoundError):
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
