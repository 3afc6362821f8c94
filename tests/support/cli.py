"""Running ``monitor`` as users do: a real process, with the test runner's own ``MONITOR_*`` settings removed
so a developer's environment cannot leak into a test."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

MONITOR_VARS = ("MONITOR_",)


def clean_env(drop: Sequence[str] = MONITOR_VARS) -> dict[str, str]:
    """This process's environment without the variables whose names start with one of ``drop``."""
    return {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop))}


def unset_env(monkeypatch: pytest.MonkeyPatch, drop: Sequence[str] = MONITOR_VARS) -> None:
    """The same for code running in this process: the variables are removed for the length of the test."""
    for key in list(os.environ):
        if key.startswith(tuple(drop)):
            monkeypatch.delenv(key)


def run_monitor(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
                drop: Sequence[str] = MONITOR_VARS, stdin: str | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m monitor ARGS`` in a clean environment plus ``env``, its output captured as text."""
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=cwd, env={**clean_env(drop), **(env or {})},
                          input=stdin, capture_output=True, text=True, timeout=timeout)


def write_config(folder: Path, text: str, name: str = "monitor.yaml") -> Path:
    """A config file written from an indented triple-quoted string."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path
