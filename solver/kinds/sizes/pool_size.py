"""Kind ``pool-size``: the output size of one pooling layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG
from solver.math.sizes import SizeText, parse_dims, require_positive
from solver.math.windows import Axis, add_output_step, add_window_steps, pool_window

KIND = "pool-size"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    input: SizeText
    """Input size: 12, 12x12 or 12x12x16 (height x width x channels)."""
    window: SizeText
    """Pooling window: 2 or 2x3."""
    stride: SizeText | None = None
    """Stride: defaults to the window size."""
    padding: SizeText = 0
    """Padding on each side (at most half the window, as in PyTorch)."""
    ceil: bool = False
    """Ceil mode: count a partial window at the end (PyTorch's ceil_mode)."""


def solve(given: Given, title: str | None = None) -> Solution:
    input_dims = parse_dims(given.input, "input")
    require_positive(input_dims, "input")
    window, stride, padding = pool_window(given.window, given.stride, given.padding)
    height, width = input_dims[0], input_dims[1] if len(input_dims) > 1 else input_dims[0]
    axes = [Axis(size, k, s, p, p) for size, k, s, p in zip((height, width), window, stride, padding, strict=False)]
    shown = "×".join(map(str, (height, width, *input_dims[2:])))
    solution = Solution(KIND, title or f"Output size of {window[0]}×{window[1]} pooling on {shown}")
    outs = add_window_steps(solution, axes, "window", ceil=given.ceil)
    channels = None
    if len(input_dims) == 3:
        channels = "C"
        solution.given(channels, "channels: pooling keeps each channel", input_dims[2])
    add_output_step(solution, outs, channels)
    return solution
