"""What people see in a terminal, and what scripts see in a pipe.

On a terminal the commands use Rich: colour (green for what works, red for what failed), tables that fit the
window and wrap long evidence instead of cutting it, and a live display while ``monitor poll`` runs
(``monitor.progress``). When the output is a pipe or a file (or ``TERM=dumb``) the same commands print plain
text: space-aligned columns, one record per line, no escape codes, nothing cut, so ``grep``, ``awk`` and logs
keep working. ``NO_COLOR`` (any
non-empty value, https://no-color.org) keeps the terminal layout but drops the colour; Rich reads it itself.

Machine formats (``export``, ``classify``, ``feeds export``) never come through here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # Rich is imported only when a terminal will show it: the parser workers import this module's
    # importers (multiprocessing re-imports __main__), and every one of them would carry it otherwise
    from rich.console import Console
    from rich.text import Text

OK = "green"
BAD = "red"
WARN = "yellow"
DIM = "dim"
# The digest's colours for the three labels (blue-red, readable with red-green colour blindness).
STANCE_STYLES = {"pro_dialogue": "blue", "hardline": "red", "mixed": "yellow"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 feed``, ``2 feeds``, ``0 stories``: counts people read should agree with their nouns."""
    if n == 1:
        return f"{n} {word}"
    if many is None:
        many = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
    return f"{n} {many}"


def is_terminal(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (stdout by default) is a terminal that can take Rich's output."""
    stream = sys.stdout if stream is None else stream
    try:
        return bool(stream.isatty()) and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):  # a closed or exotic stream
        return False


def console(stream: IO[str] | None = None) -> Console:
    """A Rich console for ``stream``. No markup or highlighting: feed names and titles are data, and a title
    with ``[bold]`` or a number in it must come out as written."""
    from rich.console import Console

    return Console(file=sys.stdout if stream is None else stream, highlight=False, emoji=False, markup=False,
                   soft_wrap=False)


@dataclass(frozen=True)
class Styled:
    """Text with a Rich style; the style only shows on a terminal."""

    text: str
    style: str = ""


Cell = str | Styled | Sequence[Styled]


def _plain(cell: Cell) -> str:
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Styled):
        return cell.text
    return "".join(part.text for part in cell)


def _rich(cell: Cell) -> Text:
    from rich.text import Text

    if isinstance(cell, str):
        return Text(cell)
    if isinstance(cell, Styled):
        return Text(cell.text, style=cell.style)
    out = Text()
    for part in cell:
        out.append(part.text, style=part.style)
    return out


@dataclass(frozen=True)
class Col:
    header: str
    right: bool = False  # numbers
    wrap: bool = False  # the column that takes the width left over, wrapped at words (evidence, errors)


def table(cols: Sequence[Col], rows: Iterable[Sequence[Cell]], stream: IO[str] | None = None) -> None:
    """Print rows under a header: a Rich table as wide as the terminal, or plain aligned text for a pipe."""
    stream = sys.stdout if stream is None else stream
    rows = list(rows)
    if is_terminal(stream):
        from rich import box
        from rich.table import Table

        t = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False, pad_edge=False, expand=False)
        for c in cols:
            t.add_column(c.header, justify="right" if c.right else "left", no_wrap=not c.wrap,
                         overflow="fold" if c.wrap else "ellipsis", ratio=1 if c.wrap else None)
        for row in rows:
            t.add_row(*(_rich(cell) for cell in row))
        console(stream).print(t)
        return
    stream.write(plain_table([c.header for c in cols], [[_plain(cell) for cell in row] for row in rows]) + "\n")
    stream.flush()


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns separated by two spaces, padded to the widest cell: what scripts split on ``\\s{2,}``."""
    everything = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in everything) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in everything)


def echo(cell: Cell, stream: IO[str] | None = None) -> None:
    """One line, styled on a terminal and plain elsewhere."""
    stream = sys.stdout if stream is None else stream
    if is_terminal(stream):
        console(stream).print(_rich(cell))
    else:
        stream.write(_plain(cell) + "\n")
        stream.flush()


class CurrentStderr:
    """A stream that writes to whatever ``sys.stderr`` is at the time: while a live display runs, Rich puts a
    proxy there that prints above the display, so log lines do not tear it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


__all__ = ["Cell", "Col", "CurrentStderr", "Styled", "echo", "is_terminal", "plain_table", "plural", "table"]
