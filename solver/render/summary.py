"""Long sequences summarised as a sheet would write them: the first and last steps, a gap named.

An RNN over 200 time steps works the same step 200 times (h1 … h200, dh200/dh199 …);
listed in full, a terminal or Markdown sheet runs to megabytes.  Text renderers keep
the first and last SEQUENCE_EDGE repetitions of a run and put one ellipsis line in the
middle that names what was left out; ``full=True`` (``--full``) shows every step.
JSON never summarises: it carries every value.

>>> shortened(" + ".join(f"a{t}" for t in range(1, 201)), full=False)
'a1 + a2 + a3 + … + a198 + a199 + a200'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from solver.graph.steps import Step
from solver.graph.tables import Table, cell_text

#: A run of more repetitions than this (time steps, table rows) is long: a 12-word sentence is shown whole.
LONG_RUN = 20
#: Repetitions kept at each end of a long run (of steps, table rows or terms of a sum).
SEQUENCE_EDGE = 3
#: Runs may interleave a few forms per time step (dL/dŷ_t, dL/dz_t, dL/dŷ_{t+1}, ...).
MAX_PERIOD = 3
#: What the ellipsis lines say brings the middle back.
FULL_HINT = "--full shows them"

Item = TypeVar("Item")


@dataclass(frozen=True)
class Elided:
    """A gap in a summarised sequence: ``count`` items, from ``first`` to ``last``."""

    count: int
    first: str
    last: str
    unit: str = "steps"
    #: ``first`` and ``last`` are step names: the text marks them (``{h4}``) for each format to show.
    named: bool = False

    def text(self) -> str:
        first, last = (f"{{{self.first}}}", f"{{{self.last}}}") if self.named else (self.first, self.last)
        return f"⋮ {self.count} {self.unit} of the same form left out ({first} … {last}); {FULL_HINT}"


def _form(step: Step) -> tuple[str, str]:
    """What repeats from one time step (or cell) to the next: the name and title without their numbers."""
    return re.sub(r"\d+", "#", step.name), re.sub(r"\d+", "#", step.title)


def _run_at(forms: Sequence[tuple[str, str]], start: int) -> tuple[int, int]:
    """(end, period) of the longest periodic run of numbered forms starting at ``start``."""
    best_end, best_period = start + 1, 1
    for period in range(1, MAX_PERIOD + 1):
        cycle = forms[start : start + period]
        if len(cycle) < period or not all("#" in name for name, _ in cycle):
            break
        end = start + period
        while end < len(forms) and forms[end] == forms[end - period]:
            end += 1
        if end > best_end:  # a longer period only when it covers more (A A A is period 1, not 2)
            best_end, best_period = end, period
    return best_end, best_period


def summarised_steps(steps: Sequence[Step], full: bool) -> list[Step | Elided]:
    """``steps`` with the middle of each long run of repeated forms replaced by one ``Elided``.

    Steps a table of the solution shows (``Step.in_table``) are left out, ``full`` or not.
    """
    steps = [step for step in steps if not step.in_table]
    if full:
        return steps
    forms = [_form(step) for step in steps]
    kept: list[Step | Elided] = []
    start = 0
    while start < len(steps):
        end, period = _run_at(forms, start)
        edge = SEQUENCE_EDGE * period
        if end - start > LONG_RUN * period:
            hidden = steps[start + edge : end - edge]
            kept += [*steps[start : start + edge], Elided(len(hidden), hidden[0].name, hidden[-1].name, named=True)]
            kept += steps[end - edge : end]
            start = end
        else:
            kept.append(steps[start])
            start += 1
    return kept


def summarised_rows(rows: Sequence[Item], full: bool, describe: Callable[[Item], str] = str) -> list[Item | Elided]:
    """The first and last SEQUENCE_EDGE rows of a long table, with one ``Elided`` between them."""
    if full or len(rows) <= LONG_RUN:
        return list(rows)
    hidden = rows[SEQUENCE_EDGE:-SEQUENCE_EDGE]
    gap = Elided(len(hidden), describe(hidden[0]), describe(hidden[-1]), unit="rows")
    return [*rows[:SEQUENCE_EDGE], gap, *rows[-SEQUENCE_EDGE:]]


#: A sum or product is shortened from this many terms on: more than a 7×7 kernel's sum of products.
LONG_CHAIN = 50


def summarised_table(table: Table, full: bool) -> Table:
    """``table`` with the middle of a long run of rows replaced by a row of ⋮, the gap named under the table.

    The name goes under the table, not in a cell: a long line in a cell would widen its column.
    """
    rows = summarised_rows(table.rows, full, describe=lambda row: cell_text(row[0], table.columns[0]))
    gaps = [row.text() for row in rows if isinstance(row, Elided)]
    cells = [["⋮"] * len(table.columns) if isinstance(row, Elided) else row for row in rows]
    return replace(table, rows=cells, footer=[*gaps, *table.footer])


_SEPARATORS = (" + ", " · ")
_OPENING, _CLOSING = "([{", ")]}"


def _top_level_parts(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside brackets, so that tanh(a + b) stays whole."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        depth += (char in _OPENING) - (char in _CLOSING)
        if depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i = i + len(separator)
            continue
        i += 1
    parts.append(text[start:])
    return parts


def shortened(text: str, full: bool) -> str:
    """A long sum or product (one term per time step) by its first and last terms."""
    if full:
        return text
    for separator in _SEPARATORS:
        parts = _top_level_parts(text, separator)
        if len(parts) >= LONG_CHAIN:
            return separator.join([*parts[:SEQUENCE_EDGE], "…", *parts[-SEQUENCE_EDGE:]])
    return text
