"""Kind ``pool1d``: max, average or min pooling along a sequence, window by window.

As PyTorch's MaxPool1d and AvgPool1d: a C x L sequence is pooled channel by
channel along its length (a window one row high), the stride defaults to the
window, padding is at most half the window, and ``ceil`` and
``count_include_pad`` work as for 2-D pooling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from solver.files.matrices import MatrixData
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step
from solver.graph.values import Shape
from solver.kinds import GIVEN_CONFIG
from solver.kinds.maps.conv1d import read_rows
from solver.kinds.maps.pool import MODE_WORDS, add_pooling, pool_layout
from solver.math.sizes import require_non_negative, require_positive
from solver.math.windows import Axis, add_axis_steps

KIND = "pool1d"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    sequence: MatrixData
    """The sequence: L numbers, or C rows of L (channels); '1 2 3', nested lists or a .txt/.csv/.npy path."""
    window: int
    """Pooling window length."""
    stride: int | None = None
    """Stride: defaults to the window."""
    padding: int = 0
    """Padding at both ends (at most half the window, as in PyTorch)."""
    mode: Literal["max", "avg", "min"] = "max"
    """max, avg (average) or min."""
    ceil: bool = False
    """Ceil mode: a partial window at the end counts (PyTorch's ceil_mode)."""
    count_include_pad: bool = True
    """Average pooling: padding zeros count in the divisor (PyTorch's default)."""


def solve(given: Given, title: str | None = None) -> Solution:
    rows = read_rows(given.sequence, "sequence")
    stride = given.window if given.stride is None else given.stride
    # Checked along the sequence here: the 2-D checks below would name a 1×W window and the map's width.
    require_positive((given.window,), "window")
    require_positive((stride,), "stride")
    require_non_negative((given.padding,), "padding")
    if given.window > rows.shape[1] + 2 * given.padding:
        raise InputError(
            f"the pooling window {given.window} is longer than the sequence ({rows.shape[1]} + padding "
            f"{2 * given.padding} = {rows.shape[1] + 2 * given.padding}); expected a window that fits",
            field="window",
        )
    if 2 * given.padding > given.window:
        raise InputError(
            f"padding {given.padding} is more than half the window {given.window}; "
            f"expected at most {given.window // 2}, as PyTorch requires",
            field="padding",
        )
    # A window one row high: each channel is pooled along its length alone.
    layout = pool_layout(rows.shape, f"1x{given.window}", f"1x{stride}", f"0x{given.padding}", given.ceil)
    flat = rows.shape[0] == 1
    shown = f"{rows.shape[1]}-long" if flat else "×".join(map(str, rows.shape))
    solution = Solution(
        KIND, title or f"{MODE_WORDS[given.mode].capitalize()} pooling of a {shown} sequence by {given.window}"
    )
    solution.given("sequence", "the sequence to pool", rows[0] if flat else rows)
    axis = Axis(rows.shape[1], layout.window[1], layout.stride[1], layout.padding[1], layout.padding[1])
    out = add_axis_steps(solution, axis, "", what="window", ceil=given.ceil, sequence=True)
    deps: tuple[str, ...] = (out,)
    if not flat:
        solution.given("C", "channels: each is pooled alone", rows.shape[0])
        deps += ("C",)
    solution.add(
        Step(
            "output_size",
            "output length" + ("" if flat else " × channels"),
            deps=deps,
            compute=lambda *sizes: Shape(sizes),
            formula=Template(" × ".join(f"{{{d}}}" for d in deps), r" \times ".join(f"{{{d}}}" for d in deps)),
        )
    )
    add_pooling(solution, "sequence", "pooled", layout, given.mode, given.count_include_pad)
    return solution
