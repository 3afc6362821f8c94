"""A ``monitor run`` process for tests: started with a config, its JSON log read back, stopped by signal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.cli import clean_env


class Daemon:
    def __init__(self, config: Path, log: Path, args: tuple[str, ...] = (), ready: str = "daemon.started"):
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run", *args],
                                     cwd=config.parent, env=clean_env(), stdout=self._out, stderr=subprocess.STDOUT)
        self.wait_for(ready, timeout=20)

    def events(self, name: str | None = None) -> list[dict]:
        """Every logged event so far (lines that are not JSON as ``<not json>``), or only those called ``name``."""
        out = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"event": "<not json>", "line": line})
        return out if name is None else [e for e in out if e.get("event") == name]

    def wait_for(self, event: str, timeout: float, after: int = 0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events()[after:] if e.get("event") == event]
            if found:
                return found[0]
            assert self.proc.poll() is None, f"daemon exited early:\n{self.log.read_text()}"
            time.sleep(0.05)
        raise AssertionError(f"no {event} within {timeout}s:\n{self.log.read_text()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=15)
        finally:
            self.close()
        return code, time.monotonic() - started

    def close(self) -> None:
        if self.proc.poll() is None:  # a failed test: stop it the polite way, so its worker processes go too
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
