"""Kind ``conv-transpose``: a transposed convolution ("deconvolution"), input cell by input cell.

Where a convolution gathers a patch into each output cell, a transposed
convolution scatters: each input cell lays a copy of the kernel scaled by its
value, its corner at (i·S, j·S) (taps D apart when dilated); where copies
overlap they add.  The padding P is then cropped from every side, and
``output_padding`` gives back that many cells at the end (bottom/right).  Sizes
per axis: ``(H − 1)·S − 2P + D·(K − 1) + output_padding + 1``, as PyTorch's
ConvTranspose2d.  A C-channel input takes C x KH x KW kernels, one per output
map (PyTorch's weight[:, n]); each copy is summed over the channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from solver.files.matrices import MatrixData
from solver.graph.blocks import Block, Grid, Math
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.names import entry_name
from solver.graph.steps import Solution, Step, Variant
from solver.graph.values import format_array
from solver.kinds import GIVEN_CONFIG
from solver.kinds.maps.cells import number, rest_line, shown_cells
from solver.kinds.maps.conv import numbered, read_biases, read_kernels
from solver.kinds.maps.pool import as_planes, read_map
from solver.math.limits import MAX_WINDOW_WORK, require_at_most
from solver.math.sizes import SizeText, parse_pair, require_non_negative, require_positive
from solver.math.sliding import crop_transposed, flip_kernel, scatter
from solver.math.windows import Axis, add_output_step, add_transposed_steps, check_output_padding

KIND = "conv-transpose"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    image: MatrixData
    """The input: rows (H x W) or channels (C x H x W); '1 0; 0 1', nested lists or a .txt/.csv/.npy path."""
    kernel: MatrixData | None = None
    """One kernel: KH x KW, or C x KH x KW for a C-channel input."""
    kernels: list[MatrixData] | None = None
    """Several kernels of one size: one output map each (feature_map1, feature_map2, ...)."""
    bias: float | list[float] | None = None
    """Bias added to each output cell: one number per kernel."""
    stride: SizeText = 1
    """Stride: how far apart the input cells lay their copies of the kernel (a number or HxW)."""
    padding: SizeText = 0
    """Cells cropped from each side of the output (a number or HxW)."""
    output_padding: SizeText = 0
    """Cells given back at the end (bottom/right); smaller than the stride or the dilation."""
    dilation: SizeText = 1
    """Dilation: the kernel's taps land D apart (a number or HxW)."""


def solve(given: Given, title: str | None = None) -> Solution:
    try:
        image = read_map(given.image, "image")
    except InputError as error:
        error.field = error.field or "image"
        raise
    planes = as_planes(image)
    kernels = read_kernels(given.kernel, given.kernels, planes.shape[0])
    biases = read_biases(given.bias, len(kernels))
    stride, dilation, padding, output_padding = (
        parse_pair(value, what)
        for value, what in (
            (given.stride, "stride"),
            (given.dilation, "dilation"),
            (given.padding, "padding"),
            (given.output_padding, "output_padding"),
        )
    )
    require_positive(stride, "stride")
    require_positive(dilation, "dilation")
    require_non_negative(padding, "padding")
    check_output_padding(output_padding, stride, dilation)
    kernel_size = kernels[0].shape[-2:]
    axes = [
        Axis(n, k, s, p, p, d)
        for n, k, s, p, d in zip(planes.shape[-2:], kernel_size, stride, padding, dilation, strict=True)
    ]
    # Every input cell lays every kernel tap once per kernel and channel.
    work = planes.size * len(kernels) * int(np.prod(kernel_size))
    require_at_most(work, MAX_WINDOW_WORK, "multiply-adds of the transposed convolution", "image")

    count = len(kernels)
    shown = "×".join(map(str, image.shape))
    kernels_text = (
        f"{count} {kernel_size[0]}×{kernel_size[1]} kernels"
        if count > 1
        else (f"a {kernel_size[0]}×{kernel_size[1]} kernel")
    )
    solution = Solution(KIND, title or f"Transposed convolution of a {shown} input with {kernels_text}")
    solution.given("image", "the input", image)
    for n, (kernel, bias) in enumerate(zip(kernels, biases, strict=True), 1):
        solution.given(
            numbered("kernel", n, count),
            f"kernel {n}" if count > 1 else "the kernel",
            kernel.squeeze(0) if image.ndim < 3 else kernel,
        )
        if bias is not None:
            solution.given(numbered("bias", n, count), "bias", bias)
    outs = add_transposed_steps(solution, axes, output_padding)
    channels = None
    if count > 1:
        channels = "n_kernels"
        solution.given(channels, "number of kernels: one output map each", count)
    add_output_step(solution, outs, channels, name="output_size")
    cropped = any(padding) or any(output_padding)
    for n, bias in enumerate(biases, 1):
        _add_output_map(solution, n, count, bias, stride, dilation, padding, output_padding, cropped)
    return solution


def _add_output_map(
    solution: Solution,
    n: int,
    count: int,
    bias: float | None,
    stride: tuple[int, int],
    dilation: tuple[int, int],
    padding: tuple[int, int],
    output_padding: tuple[int, int],
    cropped: bool,
) -> None:
    """The scattered copies summed (``full_map``), and the output once cropped (``feature_map``)."""
    kernel_name, name = numbered("kernel", n, count), numbered("feature_map", n, count)
    bias_name = numbered("bias", n, count) if bias is not None else None
    full = numbered("full_map", n, count) if cropped else name

    def scattered(image: Any, kernel: Any, *b: float, flip: bool = False) -> np.ndarray:
        kernels = as_planes(np.asarray(kernel, dtype=float))[None]
        result = scatter(as_planes(np.asarray(image, dtype=float)), flip_kernel(kernels) if flip else kernels,
                         stride=stride, dilation=dilation)[0]  # fmt: skip
        if not cropped and b:
            result = result + b[0]
        return result

    plus_bias = f" + {{{bias_name}}}" if bias_name and not cropped else ""
    value = solution.add(
        Step(
            full,
            "each input cell lays a copy of the kernel scaled by its value; overlapping copies add"
            + ("" if cropped else f"{' (map ' + str(n) + ')' if count > 1 else ''}"),
            deps=("image", kernel_name) + ((bias_name,) if bias_name and not cropped else ()),
            compute=scattered,
            formula=Template(
                f"{{image}} ⊛ᵀ {{{kernel_name}}}{plus_bias}",
                rf"{{image}} \circledast^{{T}} {{{kernel_name}}}{plus_bias}",
            ),
            variants=(
                Variant(
                    "flipped_kernel",
                    "Each copy is the kernel as given, not rotated by 180°: the rotation belongs to the "
                    "equivalent convolution over a spread-out input, not to the scatter.",
                    lambda image, kernel, *b: scattered(image, kernel, *b, flip=True),
                ),
            ),
        )
    )
    step = solution[full]
    image_planes = as_planes(np.asarray(solution["image"].value, dtype=float))
    kernel_planes = as_planes(np.asarray(solution[kernel_name].value, dtype=float))
    step.detail = scatter_lines(image_planes, kernel_planes, stride, dilation, kernel_name)
    reach = [d * (k - 1) + 1 for k, d in zip(kernel_planes.shape[-2:], dilation, strict=True)]
    copy = tuple((r, c) for r in range(0, reach[0], dilation[0]) for c in range(0, reach[1], dilation[1]))
    step.views = (
        Grid("{image}", np.asarray(solution["image"].value), ((0, 0),), "[ ] the first input cell"),
        Grid(f"{{{full}}}", value, copy, "[ ] where its copy of the kernel lands"),
    )
    if not cropped:
        return
    crop = (padding, output_padding)
    solution.add(
        Step(
            name,
            f"crop {padding[0]}×{padding[1]} cells from each side"
            + (f", keep {output_padding[0]}×{output_padding[1]} more at the end" if any(output_padding) else "")
            + (", add the bias" if bias_name else ""),
            deps=(full,) + ((bias_name,) if bias_name else ()),
            compute=lambda m, *b: crop_transposed(np.asarray(m, dtype=float), *crop) + (b[0] if b else 0.0),
            formula=Template(
                f"crop({{{full}}})" + (f" + {{{bias_name}}}" if bias_name else ""),
                rf"\operatorname{{crop}}({{{full}}})" + (f" + {{{bias_name}}}" if bias_name else ""),
            ),
            variants=(
                Variant(
                    "padding_not_cropped",
                    "A transposed convolution's padding is cropped from the output, not added to the input.",
                    lambda m, *b: np.asarray(m, dtype=float) + (b[0] if b else 0.0),
                ),
            ),
        )
    )


def scatter_lines(
    image: np.ndarray, kernel: np.ndarray, stride: tuple[int, int], dilation: tuple[int, int], kernel_name: str
) -> list[Block]:
    """The first input cells' scaled copies of the kernel and where each lands (rows and columns from 1).

    With channels, each input channel scales its own channel of the kernel (``kernel2[3]``), named so.
    """
    cells, left = shown_cells(image.shape[-2:])
    lines: list[Block] = []
    for row, col in cells:
        top, left_col = row * stride[0], col * stride[1]
        rows = f"{top + 1}–{top + dilation[0] * (kernel.shape[1] - 1) + 1}"
        cols = f"{left_col + 1}–{left_col + dilation[1] * (kernel.shape[2] - 1) + 1}"
        for c in range(image.shape[0]):
            cell = (c, row, col) if image.shape[0] > 1 else (row, col)
            x = float(image[c, row, col])
            copy = (x * kernel[c]).tolist()
            label = "{" + entry_name("image", cell) + "}"
            lands = f"at rows {rows}, columns {cols}"
            scaled = f"{kernel_name}[{c + 1}]" if image.shape[0] > 1 else kernel_name
            lines.append(
                Math(
                    f"{number(x)} × {scaled} = {format_array(copy, 'text')} {lands}",
                    rf"{number(x)} \times \text{{{scaled}}} = {format_array(copy, 'latex')} \text{{ {lands}}}",
                    label,
                )
            )
    return lines + rest_line(left, "a scaled copy of the kernel added in place")
