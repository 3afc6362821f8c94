"""Loading the judge's YAML data, with ``include:`` so a lexicon can be split by language or by editor.

An included file is merged into the including one: lists are concatenated, mappings merged key by key, and a
scalar in the including file wins. Includes resolve next to the including file (inside the package for the
built-in data).
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's C loader when available: the lexicons are thousands of lines, and ruamel's pure-Python parser
    made compiling them take over a second in every process that judges (the config keeps ruamel for its line
    numbers). With YAML 1.2 booleans: "no", "on", "yes" are words in a lexicon, not true and false."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


class DataError(ValueError):
    pass


def merge(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = merge(out[key], value) if key in out else value
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return base + extra
    return base


def load(location: Path | Traversable, source: str, depth: int = 0) -> dict[str, Any]:
    if depth > 5:
        raise DataError(f"{source}: includes nested too deeply")
    try:
        text = location.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{source}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except Exception as exc:
        raise DataError(f"{source}: invalid YAML ({' '.join(str(exc).split())[:200]})") from None
    if data is None:
        data = {}  # an empty part (comments only) adds nothing
    if not isinstance(data, dict):
        raise DataError(f"{source}: expected a mapping")
    includes = data.pop("include", None) or []
    if isinstance(includes, str):
        includes = [includes]
    folder = location.parent if isinstance(location, Path) else _parent(location)
    for name in includes:
        child = folder.joinpath(str(name))
        if not child.is_file():
            raise DataError(f"{source}: include {name!r} not found")
        data = merge(data, load(child, f"{Path(source).parent / str(name)}", depth + 1))
    return data


def _parent(resource: Traversable) -> Traversable:
    # importlib.resources has no .parent on every Traversable; the judge's data lives in known folders.
    parent = getattr(resource, "parent", None)
    if parent is not None:
        return parent
    return resources.files("monitor.judge")
