"""Running ``monitor`` in a pseudo-terminal, as a person at a terminal would: stdin, stdout and stderr are one
tty of a given width, so the program sees ``isatty()`` and the window size and draws what it draws there."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping
from pathlib import Path

from tests.support.cli import clean_env

ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")  # CSI sequences (colour, cursor) and OSC
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def run_in_terminal(*args: str, cwd: Path, columns: int = 120, env: Mapping[str, str] | None = None,
                    timeout: float = 60) -> tuple[int, str]:
    """``python -m monitor ARGS`` on a pseudo-terminal ``columns`` wide: (exit code, everything it wrote,
    escape sequences included)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    # COLUMNS and LINES would override the window size (pytest-xdist's workers have COLUMNS set)
    base = {k: v for k, v in clean_env().items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "monitor", *args], cwd=cwd, stdin=slave, stdout=slave,
                            stderr=slave, env={**base, "TERM": "xterm-256color", **(env or {})})
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed its end
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            raise AssertionError(f"monitor {' '.join(args)} did not finish within {timeout}s")
        code = proc.wait(timeout=10)
    finally:
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


def visible(output: str) -> str:
    """What a person sees, roughly: escape sequences removed, carriage returns and redraws left as lines."""
    return ESCAPE.sub("", output).replace("\r\n", "\n").replace("\r", "\n")
