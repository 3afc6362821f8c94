"""The tile-grid map's layout and colours, read from ``tilemap.yaml`` and checked once.

Kept as data because it is a matter of taste and of geography that people will want to adjust without reading
code; checked strictly because a colour goes into a ``style`` attribute and a wrong tile would silently hide a
member state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

from monitor.judge import EU27, LABELS

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
CLASSES = ("pro_dialogue", "leaning_pro", "mixed", "leaning_hard", "hardline", "none", "not_followed")


class LayoutError(ValueError):
    pass


@dataclass(frozen=True)
class Swatch:
    key: str
    label: str
    colour: str
    text: str


@dataclass(frozen=True)
class TileLayout:
    tiles: dict[str, tuple[int, int]]  # ISO code -> (row, col)
    strong: float
    classes: dict[str, Swatch]
    chips: dict[str, Swatch]

    @property
    def rows(self) -> int:
        return max(r for r, _ in self.tiles.values()) + 1

    @property
    def cols(self) -> int:
        return max(c for _, c in self.tiles.values()) + 1


def _swatches(data: Any, keys: tuple[str, ...], where: str, source: str) -> dict[str, Swatch]:
    if not isinstance(data, dict):
        raise LayoutError(f"{source}: {where}: expected a mapping")
    out: dict[str, Swatch] = {}
    for key in keys:
        spec = data.get(key)
        if not isinstance(spec, dict):
            raise LayoutError(f"{source}: {where}.{key}: missing")
        colour, text = str(spec.get("colour", "")), str(spec.get("text", ""))
        for name, value in (("colour", colour), ("text", text)):
            if not _COLOUR.fullmatch(value):
                raise LayoutError(f"{source}: {where}.{key}.{name}: {value!r} is not a #rrggbb colour")
        out[key] = Swatch(key, str(spec.get("label") or key), colour.lower(), text.lower())
    return out


def parse_layout(data: Any, source: str = "tilemap.yaml") -> TileLayout:
    if not isinstance(data, dict):
        raise LayoutError(f"{source}: expected a mapping")
    tiles_in = data.get("tiles") or {}
    tiles: dict[str, tuple[int, int]] = {}
    taken: dict[tuple[int, int], str] = {}
    for code, spec in tiles_in.items():
        if code not in EU27:
            raise LayoutError(f"{source}: tiles.{code}: not an EU member state code")
        try:
            cell = (int(spec["row"]), int(spec["col"]))
        except (KeyError, TypeError, ValueError):
            raise LayoutError(f"{source}: tiles.{code}: expected {{row: N, col: N}}") from None
        if min(cell) < 0:
            raise LayoutError(f"{source}: tiles.{code}: rows and columns start at 0")
        if cell in taken:
            raise LayoutError(f"{source}: tiles.{code}: same tile as {taken[cell]}")
        taken[cell] = code
        tiles[code] = cell
    missing = [c for c in EU27 if c not in tiles]
    if missing:
        raise LayoutError(f"{source}: tiles: no tile for {', '.join(missing)}")
    strong = float(data.get("strong", 0.6))
    if not 0 < strong <= 1:
        raise LayoutError(f"{source}: strong: expected a number in (0, 1]")
    return TileLayout(tiles=tiles, strong=strong, classes=_swatches(data.get("classes"), CLASSES, "classes", source),
                      chips=_swatches(data.get("chips"), LABELS, "chips", source))


@lru_cache(maxsize=1)
def load_layout() -> TileLayout:
    """The built-in layout (``tilemap.yaml``), parsed once per process."""
    text = resources.files("monitor.digest").joinpath("tilemap.yaml").read_text(encoding="utf-8")
    return parse_layout(YAML(typ="safe").load(text), "monitor/digest/tilemap.yaml")
