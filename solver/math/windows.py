"""Sliding-window arithmetic: how many positions a kernel or pooling window takes.

Output length per axis, as PyTorch computes it::

    floor((H + 2P - D(K-1) - 1) / S) + 1

and in ceil mode ``ceil(...) + 1``, less one when the last window would start
in the right padding.  ``add_axis_steps`` writes the same arithmetic as steps,
one idea per step, as the notes do.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Noted, Solution, Step, Variant
from solver.math.sizes import parse_dims, parse_pair, require_non_negative, require_positive


@dataclass(frozen=True)
class Axis:
    """One axis of a window computation (height or width)."""

    size: int
    kernel: int
    stride: int = 1
    pad_before: int = 0
    pad_after: int = 0
    dilation: int = 1

    @property
    def effective_kernel(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    @property
    def padded(self) -> int:
        return self.size + self.pad_before + self.pad_after


def check_fits(axis: Axis, what: str, axis_name: str) -> None:
    if axis.effective_kernel > axis.padded:
        dilated = f" (dilated to {axis.effective_kernel})" if axis.dilation != 1 else ""
        raise InputError(
            f"the {what} ({axis.kernel}{dilated}) is larger than the padded input "
            f"{axis_name} ({axis.size} + padding {axis.pad_before + axis.pad_after} = {axis.padded}); "
            "expected a window that fits"
        )


def output_length(axis: Axis, ceil: bool = False) -> int:
    """Number of window positions along one axis (PyTorch's formula)."""
    span = axis.padded - axis.effective_kernel
    if span < 0:
        raise InputError(f"window {axis.effective_kernel} does not fit in {axis.padded}")
    if not ceil:
        return span // axis.stride + 1
    count = -(-span // axis.stride) + 1
    if (count - 1) * axis.stride >= axis.size + axis.pad_before:
        count -= 1
    return count


def same_padding(kernel: int, dilation: int) -> tuple[int, int]:
    """Padding that keeps the size at stride 1; the odd pixel goes after, as in PyTorch."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def _leftover_note(span: int, stride: int, unit: str) -> str:
    left = span % stride
    if left == 0:
        return "the division is exact: the windows reach the last " + unit[:-1]
    return f"not exact: {left} {unit[:-1] if left == 1 else unit} left over that no window reaches; floor drops them"


def _floor_fraction_kept(q: Fraction, *_: int) -> Fraction:
    return q


def _rounded_up(q: Fraction, *_: int) -> int:
    return -(-q.numerator // q.denominator)


#: Classic wrong rules of the size arithmetic, by name (see ``solver.graph.steps.Variant``).
MISTAKES: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("no_plus_one", "You left out the +1: the window's first position counts too.", lambda r: r),
        Variant("no_floor", "The division is not exact: only whole strides fit, so round down.", _floor_fraction_kept),
        Variant("rounded_up", "You rounded up; a window that does not fit is dropped, so round down.", _rounded_up),
        Variant("padding_once", "Padding goes on both sides: add 2P, not P.", lambda n, pad: n + pad),
        Variant("ignored_stride", "You ignored the stride: divide the distance by S.", lambda n, k, s: Fraction(n - k)),
        Variant(
            "pool_stride_one",
            "Pooling moves by the window size unless a stride is given, not by 1.",
            lambda n, k, s: Fraction(n - k),
        ),
        Variant("ignored_dilation", "Dilation spreads the kernel to D(K-1)+1 taps; you used K.", lambda d, k: k),
    )
}


def _effective_kernel_step(solution: Solution, axis: Axis, suffix: str, what: str, where: str) -> str:
    """The dilation given and the effective kernel step when the kernel is dilated; the step to use as K."""
    k, d = f"K{suffix}", f"D{suffix}"
    if axis.dilation == 1:
        return k
    solution.given(d, "dilation" + (f" along the {where}" if suffix else ""), axis.dilation)
    keff = f"K_eff{suffix}"
    solution.add(
        Step(
            keff,
            f"effective {what}: dilation spreads the taps apart",
            deps=(d, k),
            compute=lambda dil, ker: dil * (ker - 1) + 1,
            formula=Template(f"{{{d}}}·({{{k}}} − 1) + 1", rf"{{{d}}} \cdot ({{{k}}} - 1) + 1"),
            variants=(MISTAKES["ignored_dilation"],),
        )
    )
    return keff


def add_axis_steps(
    solution: Solution, axis: Axis, suffix: str, *, what: str = "kernel", ceil: bool = False, sequence: bool = False
) -> str:
    """Add the givens and the steps of one axis; return the name of its output step.

    ``suffix`` is ``""`` when both axes share the same arithmetic, else ``"_h"``
    or ``"_w"``.  A ``sequence`` has one axis, its length ``L``.
    """
    size = "L" if sequence else "W" if suffix == "_w" else "H"
    unit = "positions" if sequence else "columns" if suffix == "_w" else "rows"
    where = "length" if sequence else {"": "height and width", "_h": "height", "_w": "width"}[suffix]
    k, s, p = (f"{letter}{suffix}" for letter in "KSP")
    solution.given(size, f"input {where}", axis.size)
    solution.given(k, f"{what} {where}", axis.kernel)
    solution.given(s, "stride" + (f" along the {where}" if suffix else ""), axis.stride)

    keff = _effective_kernel_step(solution, axis, suffix, what, where)

    padded = f"padded{suffix}"
    if axis.pad_before == axis.pad_after:
        solution.given(p, "padding on each side", axis.pad_before)
        solution.add(
            Step(
                padded,
                f"padded {where}",
                deps=(size, p),
                compute=lambda n, pad: n + 2 * pad,
                formula=Template(f"{{{size}}} + 2·{{{p}}}", rf"{{{size}}} + 2 \cdot {{{p}}}"),
                variants=(MISTAKES["padding_once"],),
            )
        )
    else:
        p_end = f"P_end{suffix}"
        solution.given(p, "padding before (top/left)", axis.pad_before)
        solution.given(p_end, "padding after (bottom/right): the odd one goes here", axis.pad_after)
        solution.add(
            Step(
                padded,
                f"padded {where}",
                deps=(size, p, p_end),
                compute=lambda n, a, b: n + a + b,
                formula=Template(f"{{{size}}} + {{{p}}} + {{{p_end}}}"),
            )
        )

    quotient = f"moves{suffix}"
    solution.add(
        Step(
            quotient,
            "how far the window can move, in strides",
            deps=(padded, keff, s),
            compute=lambda n, ker, st: Fraction(n - ker, st),
            formula=Template(
                f"({{{padded}}} − {{{keff}}}) / {{{s}}}", rf"\frac{{{{{padded}}} - {{{keff}}}}}{{{{{s}}}}}"
            ),
            variants=(MISTAKES["pool_stride_one" if what == "window" else "ignored_stride"],),
        )
    )

    rounded = f"{'ceil' if ceil else 'floor'}{suffix}"
    if ceil:
        solution.add(
            Step(
                rounded,
                "ceil mode: a partial window at the end counts",
                deps=(quotient,),
                compute=lambda q: -(-q.numerator // q.denominator),
                formula=Template(f"⌈{{{quotient}}}⌉", rf"\left\lceil {{{quotient}}} \right\rceil"),
            )
        )
    else:
        solution.add(
            Step(
                rounded,
                "whole strides only",
                deps=(quotient, padded, keff, s),
                compute=lambda q, n, ker, st: Noted(q.numerator // q.denominator, _leftover_note(n - ker, st, unit)),
                formula=Template(f"⌊{{{quotient}}}⌋", rf"\left\lfloor {{{quotient}}} \right\rfloor"),
                variants=(MISTAKES["no_floor"], MISTAKES["rounded_up"]),
            )
        )

    out = f"out{suffix}"
    counted = f"windows{suffix}" if ceil else out
    # The title says what the step counts, so that a handout asking for it reads as a question.
    along = {"_h": " along the height", "_w": " along the width"}.get(suffix, "")
    what = f"windows{along}" if ceil else f"output size{along}"
    solution.add(
        Step(
            counted,
            f"{what}: the whole strides, +1 for the window at the start",
            deps=(rounded,),
            compute=lambda r: r + 1,
            formula=Template(f"{{{rounded}}} + 1"),
            variants=() if ceil else (MISTAKES["no_plus_one"], _tensorflow_same(size, s)),
        )
    )
    if ceil:
        _ceil_drop_step(solution, suffix, size, p, s, counted, out)
    return out


def _tensorflow_same(size: str, stride: str) -> Variant:
    return Variant(
        "tensorflow_same",
        "You used TensorFlow's 'same' rule ceil(H/S), but this layer's padding is given explicitly.",
        lambda n, st: -(-n // st),
        deps=(size, stride),
    )


def _ceil_drop_step(solution: Solution, suffix: str, size: str, pad: str, stride: str, counted: str, out: str) -> None:
    """PyTorch's rule: a window that would start in the right padding is dropped."""

    def drop(count: int, n: int, p: int, st: int) -> Noted:
        start = (count - 1) * st
        if start >= n + p:
            return Noted(
                count - 1, f"the last window would start at {start}, inside the right padding (≥ {n} + {p}): dropped"
            )
        return Noted(count, f"the last window starts at {start} < {n} + {p}, inside the input: kept")

    solution.add(
        Step(
            out,
            "drop a last window that starts in the right padding",
            deps=(counted, size, pad, stride),
            compute=drop,
            formula=Template(f"{{{counted}}} − [({{{counted}}} − 1)·{{{stride}}} ≥ {{{size}}} + {{{pad}}}]"),
        )
    )


def transposed_length(axis: Axis, output_padding: int = 0) -> int:
    """Output length of a transposed convolution along one axis (PyTorch's ConvTranspose formula).

    ``(H − 1)·S − 2P + D·(K − 1) + output_padding + 1``: the input cells land S
    apart, each spreads a copy of the (dilated) kernel, the padding is cropped
    from both ends and the output padding added at the end.
    """
    full = (axis.size - 1) * axis.stride + axis.effective_kernel
    return full - axis.pad_before - axis.pad_after + output_padding


def check_output_padding(output_padding: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]) -> None:
    """PyTorch's rule: output padding only picks among the sizes a stride (or dilation) makes ambiguous."""
    require_non_negative(output_padding, "output_padding")
    for extra, s, d in zip(output_padding, stride, dilation, strict=True):
        if extra >= max(s, d):
            raise InputError(
                f"output padding {extra} is not smaller than the stride ({s}) or the dilation ({d}); "
                f"expected at most {max(s, d) - 1}",
                field="output_padding",
            )


def check_transposed_fits(axis: Axis, output_padding: int, axis_name: str) -> None:
    full = (axis.size - 1) * axis.stride + axis.effective_kernel
    if transposed_length(axis, output_padding) < 1:
        raise InputError(
            f"padding {axis.pad_before} on each side crops away the whole {axis_name} of the transposed "
            f"convolution ({full} cells before cropping); expected padding that leaves at least one cell",
            field="padding",
        )


def _transposed_axis_steps(solution: Solution, axis: Axis, output_padding: int, suffix: str) -> str:
    """The givens and steps of one axis of a transposed convolution; return its output step's name."""
    size = "W" if suffix == "_w" else "H"
    where = {"": "height and width", "_h": "height", "_w": "width"}[suffix]
    k, s, p, extra = (f"{letter}{suffix}" for letter in ("K", "S", "P", "P_out"))
    solution.given(size, f"input {where}", axis.size)
    solution.given(k, f"kernel {where}", axis.kernel)
    solution.given(
        s, "stride: how far apart the input cells land" + (f" along the {where}" if suffix else ""), axis.stride
    )
    keff = _effective_kernel_step(solution, axis, suffix, "kernel", where)
    solution.given(p, "padding cropped from each side", axis.pad_before)
    solution.given(extra, "output padding added at the end (bottom/right)", output_padding)
    spread, full, out = f"spread{suffix}", f"full{suffix}", f"out{suffix}"
    solution.add(
        Step(
            spread,
            "where the last input cell lands: the cells land S apart",
            deps=(size, s),
            compute=lambda n, st: (n - 1) * st,
            formula=Template(f"({{{size}}} − 1)·{{{s}}}", rf"({{{size}}} - 1) \cdot {{{s}}}"),
            variants=(
                Variant(
                    "no_minus_one",
                    "The first cell lands at 0: the last lands at (H − 1)·S, not H·S.",
                    lambda n, st: n * st,
                ),
            ),
        )
    )
    solution.add(
        Step(
            full,
            "before cropping: the last cell's copy of the kernel reaches K further",
            deps=(spread, keff),
            compute=lambda start, ker: start + ker,
            formula=Template(f"{{{spread}}} + {{{keff}}}"),
        )
    )
    solution.add(
        Step(
            out,
            "crop the padding from both sides, add the output padding at the end",
            deps=(full, p, extra),
            compute=lambda n, pad, more: n - 2 * pad + more,
            formula=Template(f"{{{full}}} − 2·{{{p}}} + {{{extra}}}", rf"{{{full}}} - 2 \cdot {{{p}}} + {{{extra}}}"),
            variants=(
                Variant(
                    "padding_added",
                    "A transposed convolution crops its padding: subtract 2P, do not add it.",
                    lambda n, pad, more: n + 2 * pad + more,
                ),
                Variant(
                    "output_padding_ignored",
                    "Output padding adds its cells at the end of the output: add it.",
                    lambda n, pad, more: n - 2 * pad,
                ),
            ),
        )
    )
    return out


def add_transposed_steps(solution: Solution, axes: list[Axis], output_padding: tuple[int, int]) -> list[str]:
    """A transposed convolution's size steps for both axes, written once when they work out alike."""
    for axis, extra, name in zip(axes, output_padding, ("height", "width"), strict=True):
        check_transposed_fits(axis, extra, name)
    if axes[0] == axes[1] and output_padding[0] == output_padding[1]:
        return [_transposed_axis_steps(solution, axes[0], output_padding[0], "")] * 2
    return [
        _transposed_axis_steps(solution, axis, extra, suffix)
        for axis, extra, suffix in zip(axes, output_padding, ("_h", "_w"), strict=True)
    ]


#: Padding modes (PyTorch's ZeroPad2d, ReflectionPad2d, ReplicationPad2d): what each puts in the border.
PAD_MODE_WORDS: dict[str, str] = {
    "zero": "a border of zeros",
    "reflect": "the map mirrored about its edge row and column, which are not repeated",
    "replicate": "the edge cells repeated outwards",
}


def check_reflect_fits(
    padding: tuple[int, ...], size: tuple[int, ...], where: str = "", axes: tuple[str, ...] = ("height", "width")
) -> None:
    """PyTorch's rule: a reflection reaches at most the cell before the opposite edge."""
    for pad, n, axis in zip(padding, size, axes, strict=True):
        if pad >= n:
            raise InputError(
                f"{where}reflect padding {pad} needs a map larger than {pad} along the {axis}, got {n}; "
                "expected padding smaller than the map, as PyTorch requires",
                field="padding",
            )


PAD_WORDS = ("same", "valid")


def padding_per_axis(
    padding: object, kernel: tuple[int, ...], dilation: tuple[int, ...], stride: tuple[int, ...]
) -> list[tuple[int, int]]:
    """(before, after) padding per axis (one axis or two) from ``2``, ``2x1``, ``same`` or ``valid``."""
    if isinstance(padding, str) and padding.strip().lower() in PAD_WORDS:
        if padding.strip().lower() == "valid":
            return [(0, 0)] * len(kernel)
        if any(s != 1 for s in stride):
            raise InputError(
                f"padding 'same' needs stride 1, got stride {'x'.join(map(str, stride))}; "
                "expected a number of pixels instead",
                field="padding",
            )
        return [same_padding(k, d) for k, d in zip(kernel, dilation, strict=False)]
    try:
        dims = parse_dims(padding, "padding", max_dims=len(kernel))
    except InputError as error:
        raise InputError(error.message + " or 'same' / 'valid'", field="padding") from None
    require_non_negative(dims, "padding")
    return [(p, p) for p in (dims * len(kernel) if len(dims) == 1 else dims)]


def tensorflow_same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' at any stride: enough padding for ceil(L/S) windows, the odd cell after.

    At stride 1 it is ``same_padding``; Keras allows 'same' with a stride, PyTorch does not.
    """
    windows = -(-size // stride)
    total = max((windows - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def pool_window(
    window: object, stride: object, padding: object, field_prefix: str = ""
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """A pooling layer's (window, stride, padding) per axis; the stride defaults to the window.

    Padding is at most half the window on each axis, as PyTorch requires: a
    wider pad would make windows of padding alone.
    """
    window_pair = parse_pair(window, "window")
    stride_pair = window_pair if stride is None else parse_pair(stride, "stride")
    padding_pair = parse_pair(padding, "padding")
    require_positive(window_pair, "window")
    require_positive(stride_pair, "stride")
    require_non_negative(padding_pair, "padding")
    if any(2 * p > k for p, k in zip(padding_pair, window_pair, strict=True)):
        raise InputError(
            f"padding {padding_pair[0]}x{padding_pair[1]} is more than half the window "
            f"{window_pair[0]}x{window_pair[1]}; expected at most half, as PyTorch requires",
            field=f"{field_prefix}padding",
        )
    return window_pair, stride_pair, padding_pair


def add_window_steps(solution: Solution, axes: list[Axis], what: str, *, ceil: bool = False) -> list[str]:
    """Steps for both axes, written once when height and width work out alike."""
    for axis, name in zip(axes, ("height", "width"), strict=False):
        check_fits(axis, what, name)
    if axes[0] == axes[1]:
        return [add_axis_steps(solution, axes[0], "", what=what, ceil=ceil)] * 2
    return [
        add_axis_steps(solution, axis, suffix, what=what, ceil=ceil)
        for axis, suffix in zip(axes, ("_h", "_w"), strict=False)
    ]


def add_output_step(
    solution: Solution, outs: list[str], channels: str | None, note: str | None = None, *, name: str = "output"
) -> None:
    """``output`` (or ``name``) = H×W or H×W×C from the axis steps and a channel count step."""
    from solver.graph.values import Shape

    deps = tuple(dict.fromkeys(outs)) + ((channels,) if channels else ())
    holes = [f"{{{name}}}" for name in outs] + ([f"{{{channels}}}"] if channels else [])

    def shape(*values: int) -> Shape:
        height = values[0]
        width = values[0] if len(set(outs)) == 1 else values[1]
        return Shape((height, width) + ((values[-1],) if channels else ()))

    solution.add(
        Step(
            name,
            "output size (height × width" + (" × channels)" if channels else ")"),
            deps=deps,
            compute=shape,
            formula=Template(" × ".join(holes), r" \times ".join(holes)),
            note=note,
        )
    )
