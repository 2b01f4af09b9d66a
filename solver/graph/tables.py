"""Tables a kind adds to its solution or a step shows (conv-stack's layer summary, a loss table).

Cells hold values (numbers, shapes, arrays, words), not text: each format writes
them (``cell_text`` for the text ones) and a machine-readable format publishes them.
A table with a ``key`` is published under that field: a list of records of the
keyed columns, or with ``by``, one mapping from that column to the other keyed one.

>>> table = Table("Layers", [Column("layer", key="layer"), Column("params", numeric=True, spec=",", key="params")])
>>> table.rows.append(["conv", 1280])
>>> cell_text(1280, table.columns[1]), published(table)
('1,280', [{'layer': 'conv', 'params': 1280}])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solver.graph.names import fill_names
from solver.graph.values import format_value


@dataclass(frozen=True)
class Column:
    title: str
    #: Right-aligned (numbers).
    numeric: bool = False
    #: How a number is written (a format spec such as "," or ".4g"); without one, as any value is shown.
    spec: str = ""
    #: The field this column's cells are published under; without one the column is only drawn.
    key: str = ""


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    #: The field machine-readable formats publish the rows under; without one the table is only drawn.
    key: str = ""
    #: The key of the column whose cells name the published values (a mapping, not a list of records).
    by: str = ""


def cell_text(value: Any, column: Column) -> str:
    """A cell as text: words as they are, numbers by the column's spec, other values as steps show them."""
    if isinstance(value, str):
        return value
    if column.spec:
        return format(value, column.spec)
    return format_value(value)


def published(table: Table) -> Any:
    """The rows as data: ``[{key: cell}]`` over the keyed columns, or ``{by-cell: other cell}`` with ``by``."""
    keyed = [(i, column.key) for i, column in enumerate(table.columns) if column.key]
    # A cell naming a step ({dh3/dh1}) is published as the canonical name.
    records = [
        {key: fill_names(row[i]) if isinstance(row[i], str) else row[i] for i, key in keyed} for row in table.rows
    ]
    if not table.by:
        return records
    (value_key,) = (key for _, key in keyed if key != table.by)
    return {record[table.by]: record[value_key] for record in records}
