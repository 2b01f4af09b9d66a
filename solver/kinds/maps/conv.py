"""Kind ``conv``: feature maps of an image, worked cell by cell.

An image (H x W, or C x H x W) and one or more kernels (KH x KW, or C x KH x
KW) give one feature map per kernel: at each position the patch under the
kernel is multiplied entry by entry and summed (seed 000: "(1)(1) + (5)(-1)
+ (1)(1) + (5)(-1) = -8").  This is cross-correlation, as CNN libraries
compute it; ``flip: true`` rotates the kernel first (true convolution).
Optional bias per kernel, zero padding, stride, dilation, ReLU and pooling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import Any, ClassVar, Literal

import numpy as np

from solver.files.matrices import MatrixData, matrix_from_data
from solver.graph.blocks import Grid
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.graph.values import Shape, counted
from solver.kinds import GIVEN_CONFIG
from solver.kinds.maps.cells import conv_cell_lines
from solver.kinds.maps.pool import add_pooling, as_planes, pool_layout, read_map
from solver.math.limits import MAX_WINDOW_WORK, require_at_most
from solver.math.sizes import SizeText, parse_pair, require_groups_divide, require_positive
from solver.math.sliding import PadMode, Pads, PoolLayout, correlate, flip_kernel, pad_planes
from solver.math.windows import (
    PAD_MODE_WORDS,
    Axis,
    add_output_step,
    add_window_steps,
    check_reflect_fits,
    padding_per_axis,
)

KIND = "conv"


@dataclass
class PoolSpec:
    """Pooling after the convolution (and its activation)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    window: SizeText = 2
    """Pooling window: 2 or 2x3."""
    mode: Literal["max", "avg", "min"] = "max"
    """max, avg (average) or min."""
    stride: SizeText | None = None
    """Stride: defaults to the window."""


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    image: MatrixData
    """The image: rows (H x W) or channels (C x H x W); '1 0; 0 1', nested lists or a .txt/.csv/.npy path."""
    kernel: MatrixData | None = None
    """One kernel: KH x KW, or C x KH x KW for a C-channel image."""
    kernels: list[MatrixData] | None = None
    """Several kernels of one size: one feature map each (feature_map1, feature_map2, ...)."""
    bias: float | list[float] | None = None
    """Bias added to each cell: one number per kernel."""
    stride: SizeText = 1
    """Stride: a number or HxW."""
    padding: SizeText = 0
    """Zero padding on each side: a number, HxW, 'same' (stride 1 only) or 'valid'."""
    dilation: SizeText = 1
    """Dilation: a number or HxW; 1 is an ordinary kernel."""
    padding_mode: PadMode = "zero"
    """What fills the padding: zero, reflect (the image mirrored, its edge not repeated) or replicate (the edge
    repeated), as PyTorch's Conv2d padding_mode."""
    groups: int = 1
    """Grouped convolution: the channels split into this many groups, each kernel sees its group's C/groups
    channels (kernels in order, an equal number per group); groups = channels is a depthwise convolution."""
    pointwise: MatrixData | None = None
    """Depthwise-separable: 1x1 pointwise weights mixing the feature maps, one row per output map and one
    column per feature map (pointwise_map1, pointwise_map2, ...)."""
    flip: bool = False
    """True convolution: rotate the kernel by 180° first (default: cross-correlation, as CNN libraries)."""
    activation: Literal["relu"] | None = None
    """Activation of each feature map: relu."""
    pool: PoolSpec | str | None = None
    """Pooling of each (activated) feature map: {window: 2, mode: max} or 'max:2' (MODE:WINDOW[:STRIDE])."""


def parse_pool_spec(text: str) -> PoolSpec:
    """``max:2`` or ``avg:3:1`` (mode, window, optional stride), as the command line writes it."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or parts[0] not in ("max", "avg", "min"):
        raise InputError(
            f"pool {text!r}: expected MODE:WINDOW[:STRIDE] with MODE max, avg or min, e.g. max:2", field="pool"
        )
    return PoolSpec(window=parts[1], mode=parts[0], stride=parts[2] if len(parts) == 3 else None)  # type: ignore[arg-type]


def _kernel_planes(data: MatrixData, what: str) -> np.ndarray:
    return as_planes(read_map(data, what))


def read_kernels(
    kernel: MatrixData | None,
    kernels: list[MatrixData] | None,
    channels: int,
    groups: int = 1,
    *,
    read: Callable[[MatrixData, str], np.ndarray] = _kernel_planes,
    input_word: str = "image",
    kernel_shape: str = "KH x KW",
) -> list[np.ndarray]:
    """The kernels (each C/groups x KH x KW, as ``read`` makes them) from a ``kernel`` or ``kernels`` field."""
    if (kernel is None) == (kernels is None):
        raise InputError("give either kernel (one) or kernels (a list); expected exactly one of them", field="kernel")
    raw = [kernel] if kernel is not None else list(kernels or [])
    if not raw:
        raise InputError("kernels is an empty list; expected at least one kernel", field="kernels")
    found: list[np.ndarray] = []
    for n, data in enumerate(raw, 1):
        field = "kernel" if kernel is not None else f"kernels.{n - 1}"
        what = "kernel" if len(raw) == 1 else f"kernel {n}"
        try:
            planes = read(data, what)
        except InputError as error:
            error.field = error.field or field
            raise
        if planes.shape[0] * groups != channels:
            each = f" in {groups} groups of {channels // groups}" if groups > 1 else ""
            raise InputError(
                f"{what} has {counted(planes.shape[0], 'channel')} but the {input_word} has "
                f"{channels}{each}; expected a {channels // groups} x {kernel_shape} kernel",
                field=field,
            )
        if found and planes.shape != found[0].shape:
            raise InputError(
                f"{what} is {'x'.join(map(str, planes.shape[1:]))} but kernel 1 is "
                f"{'x'.join(map(str, found[0].shape[1:]))}; expected kernels of one size",
                field=field,
            )
        found.append(planes)
    return found


def read_biases(bias: float | list[float] | None, count: int) -> list[float | None]:
    if bias is None:
        return [None] * count
    values = [bias] if isinstance(bias, (int, float)) else list(bias)
    if len(values) != count:
        raise InputError(
            f"bias has {counted(len(values), 'value')} for {counted(count, 'kernel')}; expected one per kernel",
            field="bias",
        )
    return [float(b) for b in values]


def numbered(name: str, n: int, count: int) -> str:
    return name if count == 1 else f"{name}{n}"


def check_work(axes: list[Axis], channels: int, count: int) -> None:
    """Bound the padded image and the multiply-adds before either is spent (a window that does not fit is
    reported by the window steps)."""
    padded_cells = channels * prod(axis.padded for axis in axes)
    require_at_most(padded_cells, MAX_WINDOW_WORK, "cells of the padded image", "padding")
    positions = prod(max(axis.padded - axis.effective_kernel, 0) // axis.stride + 1 for axis in axes)
    work = positions * count * channels * prod(axis.kernel for axis in axes)
    require_at_most(work, MAX_WINDOW_WORK, "multiply-adds of the convolution (output cells × kernel cells)", "image")


def solve(given: Given, title: str | None = None) -> Solution:
    try:
        image = read_map(given.image, "image")
    except InputError as error:
        error.field = error.field or "image"
        raise
    planes = as_planes(image)
    groups = given.groups
    kernels = read_kernels(
        given.kernel, given.kernels, planes.shape[0], require_groups_divide(groups, planes.shape[0], "channels")
    )
    require_groups_divide(groups, len(kernels), "kernels")
    biases = read_biases(given.bias, len(kernels))
    kernel_size = kernels[0].shape[-2:]
    stride = parse_pair(given.stride, "stride")
    dilation = parse_pair(given.dilation, "dilation")
    require_positive(stride, "stride")
    require_positive(dilation, "dilation")
    pads: Pads = tuple(padding_per_axis(given.padding, kernel_size, dilation, stride))  # type: ignore[assignment]
    axes = [
        Axis(n, k, s, before, after, d)
        for n, k, s, (before, after), d in zip(planes.shape[-2:], kernel_size, stride, pads, dilation, strict=True)
    ]
    check_work(axes, planes.shape[0], len(kernels))

    shown = "×".join(map(str, image.shape))
    what = "true convolution" if given.flip else "convolution (cross-correlation)"
    count = len(kernels)
    kernels_text = (
        f"{count} {kernel_size[0]}×{kernel_size[1]} kernels"
        if count > 1
        else f"a {kernel_size[0]}×{kernel_size[1]} kernel"
    )
    grouped = f" in {groups} groups" if groups > 1 else ""
    solution = Solution(KIND, title or f"{what.capitalize()} of a {shown} image with {kernels_text}{grouped}")
    solution.given("image", "the image", image)
    for n, (kernel, bias) in enumerate(zip(kernels, biases, strict=True), 1):
        solution.given(
            numbered("kernel", n, count),
            f"kernel {n}" if count > 1 else "the kernel",
            # A kernel that sees one channel (no channels, or a depthwise one) is written KH x KW.
            kernel.squeeze(0) if image.ndim < 3 or planes.shape[0] == groups else kernel,
        )
        if bias is not None:
            solution.given(numbered("bias", n, count), "bias", bias)
    try:
        outs = add_window_steps(solution, axes, "kernel")
    except InputError as error:
        error.field = error.field or "kernel"
        raise
    channels = None
    if count > 1:
        channels = "n_kernels"
        solution.given(channels, "number of kernels: one feature map each", count)
    add_output_step(solution, outs, channels, name="output_size")

    source = "image"
    if any(p for pair in pads for p in pair):
        source = "padded_image"
        (top, bottom), (left, right) = pads
        mode = given.padding_mode
        if mode == "reflect":
            check_reflect_fits((max(top, bottom), max(left, right)), (planes.shape[-2], planes.shape[-1]))
        around = (
            f"a border of {top} zero{'s' if top > 1 else ''} on every side"
            if len({top, bottom, left, right}) == 1
            else f"zeros: {top} row(s) above, {bottom} below, {left} column(s) left, {right} right"
        )
        solution.add(
            Step(
                source,
                f"zero padding: {around}" if mode == "zero" else f"{mode} padding: {PAD_MODE_WORDS[mode]}",
                deps=("image",),
                compute=lambda img: pad_planes(np.asarray(img), pads, mode=mode),
                formula=Template("pad({image})"),
            )
        )

    maps = []
    per_group = planes.shape[0] // groups
    for n, bias in enumerate(biases, 1):
        group = (n - 1) // (count // groups)
        seen = slice(group * per_group, (group + 1) * per_group) if groups > 1 else slice(None)
        maps.append(_add_feature_map(solution, source, n, count, bias, stride, dilation, given.flip, seen))
    last = [numbered("feature_map", n, count) for n in range(1, count + 1)]
    if given.pointwise is not None:
        last = _add_pointwise(solution, given.pointwise, last)
    if given.activation == "relu":
        last = [_add_relu(solution, name, numbered("activated", n, len(last))) for n, name in enumerate(last, 1)]
    pooling = parse_pool_spec(given.pool) if isinstance(given.pool, str) else given.pool
    if pooling is not None:
        map_size = tuple(int(x) for x in maps[0].shape[-2:])
        layout = pool_layout(map_size, pooling.window, pooling.stride, 0, False, field_prefix="pool.")
        _add_pooled_size(solution, layout)
        for n, name in enumerate(last, 1):
            add_pooling(solution, name, numbered("pooled", n, len(last)), layout, pooling.mode)
    return solution


def _add_pooled_size(solution: Solution, layout: PoolLayout) -> None:
    """The size after pooling, written with the numbers as the notes do: ⌊(H − K)/S⌋ + 1."""
    rule = (layout.window, layout.stride, layout.padding, layout.ceil)
    per_axis = [f"⌊({n} − {k})/{s}⌋ + 1" for n, k, s in zip(layout.in_size, layout.window, layout.stride, strict=True)]
    text = f"{per_axis[0]} per axis" if per_axis[0] == per_axis[1] else " × ".join(per_axis)
    solution.add(
        Step(
            "pooled_size",
            "size after pooling: each window gives one cell",
            deps=("output_size",),
            # The same windows placed on whatever H×W the size says (the layout's window and stride are the rule).
            compute=lambda size: Shape((*PoolLayout.of(tuple(size[:2]), *rule).out_size, *size[2:])),
            formula=Template(text),
        )
    )


def _add_feature_map(
    solution: Solution,
    source: str,
    n: int,
    count: int,
    bias: float | None,
    stride: tuple[int, int],
    dilation: tuple[int, int],
    flip: bool,
    channels: slice,
) -> np.ndarray:
    """Feature map ``n`` from the channels its kernel sees (all of them, or its group's)."""
    kernel_name = numbered("kernel", n, count)
    name = numbered("feature_map", n, count)
    used = kernel_name
    if flip:
        used = numbered("flipped_kernel", n, count)
        solution.add(
            Step(
                used,
                "true convolution: the kernel rotated by 180° (rows and columns reversed)",
                deps=(kernel_name,),
                compute=lambda k: np.ascontiguousarray(flip_kernel(np.asarray(k))),
                formula=Template(f"rot180({{{kernel_name}}})", rf"\operatorname{{rot}}_{{180}}({{{kernel_name}}})"),
                note="cross-correlation, what CNN libraries call convolution, slides the kernel as given",
            )
        )
    bias_name = numbered("bias", n, count) if bias is not None else None
    deps = (source, used) + ((bias_name,) if bias_name else ())

    def feature_map(image: Any, kernel: Any, *b: float, flip_again: bool = False) -> np.ndarray:
        kernels = as_planes(np.asarray(kernel, dtype=float))[None]
        result = correlate(
            as_planes(np.asarray(image, dtype=float))[channels],
            kernels,
            np.array(b) if b else None,
            stride=stride,
            dilation=dilation,
            flip=flip_again,
        )
        return result[0]

    variant = (
        Variant(
            "unflipped_kernel",
            "True convolution rotates the kernel by 180° first; you slid it as given (cross-correlation).",
            lambda image, kernel, *b: feature_map(image, kernel, *b, flip_again=True),
        )
        if flip
        else Variant(
            "flipped_kernel",
            "This layer computes cross-correlation, as CNN libraries do: slide the kernel as given, unflipped.",
            lambda image, kernel, *b: feature_map(image, kernel, *b, flip_again=True),
        )
    )
    plus_bias = f" + {{{bias_name}}}" if bias_name else ""
    value = solution.add(
        Step(
            name,
            f"feature map{f' {n}' if count > 1 else ''}{_channels_seen(channels)}: at each position, "
            "the patch times the kernel, summed",
            deps=deps,
            compute=feature_map,
            formula=Template(f"{{{source}}} ⋆ {{{used}}}{plus_bias}", rf"{{{source}}} \star {{{used}}}{plus_bias}"),
            variants=(variant,),
        )
    )
    step = solution[name]
    padded = as_planes(np.asarray(solution[source].value, dtype=float))[channels]
    kernel = as_planes(np.asarray(solution[used].value, dtype=float))
    step.detail = conv_cell_lines(name, padded, kernel, bias, value, stride, dilation, channels.start or 0)
    reach = [d * (k - 1) + 1 for k, d in zip(kernel.shape[-2:], dilation, strict=True)]
    # A 2-D mark applies to every channel of a C x H x W picture.
    patch = tuple((r, c) for r in range(0, reach[0], dilation[0]) for c in range(0, reach[1], dilation[1]))
    if channels != slice(None):  # only the group's channels are read
        patch = tuple((c, *cell) for c in range(channels.start, channels.stop) for cell in patch)
    step.views = (
        Grid(f"{{{source}}}", np.asarray(solution[source].value), patch, f"[ ] the patch of {{{name}[1,1]}}"),
        Grid(f"{{{name}}}", value, ((0, 0),), "[ ] the cell being computed"),
    )
    return value


def _add_pointwise(solution: Solution, data: MatrixData, maps: list[str]) -> list[str]:
    """The 1×1 pointwise step of a depthwise-separable convolution: each output map a weighted sum of the maps."""
    try:
        weights = np.atleast_2d(matrix_from_data(data, "pointwise"))
    except InputError as error:
        error.field = error.field or "pointwise"
        raise
    if weights.ndim != 2 or weights.shape[1] != len(maps):
        raise InputError(
            f"pointwise is {'x'.join(map(str, weights.shape))} for {counted(len(maps), 'feature map')}; "
            f"expected one row per output map and {len(maps)} columns, one per feature map",
            field="pointwise",
        )
    names = []
    for j, row in enumerate(weights, 1):
        row_name, name = (numbered(base, j, len(weights)) for base in ("pointwise", "pointwise_map"))
        solution.given(row_name, f"1×1 pointwise weights of output map {j}: one per feature map", row)
        solution.add(
            Step(
                name,
                f"pointwise (1×1) map{f' {j}' if len(weights) > 1 else ''}: "
                f"the feature maps weighed by {{{row_name}}} and summed, cell by cell",
                deps=(row_name, *maps),
                compute=lambda w, *values: sum(
                    float(weight) * np.asarray(v, dtype=float) for weight, v in zip(w, values, strict=True)
                ),
                formula=Template(f"{{{row_name}}} · (" + ", ".join(f"{{{m}}}" for m in maps) + ")"),
            )
        )
        names.append(name)
    return names


def _channels_seen(channels: slice) -> str:
    """`` (channels 3–4)`` for a kernel of one group; nothing when a kernel sees every channel."""
    if channels == slice(None):
        return ""
    first, last = channels.start + 1, channels.stop
    return f" (channel {first})" if first == last else f" (channels {first}–{last})"


def _add_relu(solution: Solution, source: str, name: str) -> str:
    solution.add(
        Step(
            name,
            "ReLU: negative cells become 0",
            deps=(source,),
            compute=lambda x: np.maximum(np.asarray(x, dtype=float), 0.0),
            formula=Template(f"max(0, {{{source}}})", rf"\max(0, {{{source}}})"),
        )
    )
    return name
