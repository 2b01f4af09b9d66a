"""Tables that a kind adds to its solution (e.g. conv-stack's layer summary)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SummaryTable:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    #: Columns to right-align (numbers).
    numeric: set[int] = field(default_factory=set)


def markdown_table(table: SummaryTable) -> list[str]:
    align = ["---:" if i in table.numeric else "---" for i in range(len(table.columns))]
    lines = [f"**{table.title}**", "", "| " + " | ".join(table.columns) + " |", "|" + "|".join(align) + "|"]
    # A "|" inside a cell (|ŷ − y|) would end the cell.
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows]
    lines += ["", *table.footer]
    return lines
