"""Kind ``conv-size``: the output size of one convolution layer, or of a transposed convolution.

A transposed convolution (``transposed: true``) grows its input: per axis
``(H − 1)·S − 2P + D·(K − 1) + output_padding + 1``, as PyTorch's ConvTranspose2d.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.kinds import GIVEN_CONFIG
from solver.math.limits import MAX_DIMENSION, require_at_most
from solver.math.sizes import (
    SizeText,
    parse_dims,
    parse_pair,
    require_groups_divide,
    require_non_negative,
    require_positive,
)
from solver.math.windows import (
    Axis,
    add_output_step,
    add_transposed_steps,
    add_window_steps,
    check_output_padding,
    padding_per_axis,
)

KIND = "conv-size"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    input: SizeText
    """Input size: 12, 12x12 or 39x39x3 (height x width x channels)."""
    kernel: SizeText
    """Kernel size: 3 or 3x5 (height x width)."""
    stride: SizeText = 1
    """Stride: a number or HxW."""
    padding: SizeText = 0
    """Zero padding on each side: a number, HxW, 'same' (stride 1 only) or 'valid'."""
    dilation: SizeText = 1
    """Dilation: a number or HxW; 1 is an ordinary kernel."""
    filters: int | None = None
    """Number of filters, which is the number of output channels."""
    transposed: bool = False
    """A transposed convolution ("deconvolution"), which grows the input: (H − 1)·S − 2P + D·(K − 1) + 1."""
    output_padding: SizeText = 0
    """Transposed convolution only: cells added at the end (bottom/right); smaller than the stride or dilation."""
    groups: int = 1
    """Grouped convolution: each filter sees C/groups input channels (groups = C is depthwise); with the
    input's channels and the filters given, the parameters are counted step by step."""


def solve(given: Given, title: str | None = None) -> Solution:
    input_dims = parse_dims(given.input, "input")
    kernel = parse_pair(given.kernel, "kernel")
    stride = parse_pair(given.stride, "stride")
    dilation = parse_pair(given.dilation, "dilation")
    for pair, what in ((input_dims, "input"), (kernel, "kernel"), (stride, "stride"), (dilation, "dilation")):
        require_positive(pair, what)
    if given.filters is not None:
        require_positive((given.filters,), "filters")
        require_at_most(given.filters, MAX_DIMENSION, "filters", field="filters")
    height, width = input_dims[0], input_dims[1] if len(input_dims) > 1 else input_dims[0]
    pads = (
        _transposed_padding(given.padding)
        if given.transposed
        else padding_per_axis(given.padding, kernel, dilation, stride)
    )
    axes = [
        Axis(size, k, s, before, after, d)
        for size, k, s, (before, after), d in zip((height, width), kernel, stride, pads, dilation, strict=False)
    ]
    shown = "×".join(map(str, (height, width, *input_dims[2:])))
    what = "transposed convolution" if given.transposed else "convolution"
    solution = Solution(KIND, title or f"Output size of a {kernel[0]}×{kernel[1]} {what} on {shown}")
    if given.transposed:
        output_padding = parse_pair(given.output_padding, "output_padding")
        check_output_padding(output_padding, stride, dilation)
        outs = add_transposed_steps(solution, axes, output_padding)
    else:
        if parse_pair(given.output_padding, "output_padding") != (0, 0):
            raise InputError(
                "output_padding belongs to a transposed convolution; expected transposed: true with it",
                field="output_padding",
            )
        outs = add_window_steps(solution, axes, "kernel")
    channels = None
    note = None
    if given.filters is not None:
        channels = "n_filters"
        solution.given(channels, "number of filters: one output channel each", given.filters)
    elif len(input_dims) == 3:
        note = "each filter makes one output channel: give the number of filters for the depth"
    add_output_step(solution, outs, channels, note)
    if given.groups != 1:
        _add_grouped_parameters(solution, kernel, input_dims, given.filters, given.groups)
    return solution


def _add_grouped_parameters(
    solution: Solution, kernel: tuple[int, int], input_dims: tuple[int, ...], filters: int | None, groups: int
) -> None:
    """A grouped layer's parameters: each filter's kernel spans only its group's channels."""
    if len(input_dims) != 3 or filters is None:
        raise InputError(
            "groups need the input's channels and the number of filters; expected an HxWxC input and filters",
            field="groups",
        )
    channels = input_dims[2]
    require_groups_divide(groups, channels, "input channels")
    require_groups_divide(groups, filters, "filters")
    solution.given("C", "input channels", channels)
    solution.given("g", "groups: the channels and the filters split into this many", groups)
    solution.given("K_area", "kernel cells (height × width)", kernel[0] * kernel[1])
    solution.add(
        Step(
            "channels_per_filter",
            "input channels each filter sees: its group's share",
            deps=("C", "g"),
            compute=lambda c, g: c // g,
            formula=Template("{C} / {g}"),
            variants=(
                Variant("groups_ignored", "A grouped filter sees only C/g channels, not all C.", lambda c, g: c),
            ),
        )
    )
    solution.add(
        Step(
            "weights",
            "weights: one kernel over its group's channels per filter",
            deps=("n_filters", "K_area", "channels_per_filter"),
            compute=lambda n, area, per: n * area * per,
            formula=Template(
                "{n_filters}·{K_area}·{channels_per_filter}", r"{n_filters} \cdot {K_area} \cdot {channels_per_filter}"
            ),
        )
    )
    solution.add(
        Step(
            "params",
            "parameters: the weights and one bias per filter",
            deps=("weights", "n_filters"),
            compute=lambda w, n: w + n,
            formula=Template("{weights} + {n_filters}"),
            variants=(Variant("no_bias", "Each filter has a bias too: add one per filter.", lambda w, n: w),),
        )
    )


def _transposed_padding(padding: SizeText) -> list[tuple[int, int]]:
    """A transposed convolution's padding: cells cropped from each side (PyTorch has no 'same' for it)."""
    pair = parse_pair(padding, "padding")
    require_non_negative(pair, "padding")
    return [(p, p) for p in pair]
