"""Sliding windows in NumPy: the value path of the conv and pool kinds.

Everything here works on whole arrays through a strided view
(``sliding_window_view``): there is no Python loop over output cells, so a
1024×1024 image costs about what a hand-written NumPy reference costs.
Arrays are channels-first, ``(C, H, W)``, as CNN libraries store them.

>>> import numpy as np
>>> image = np.array([[[1, 5, 5, 5]] * 4], dtype=float)
>>> kernel = np.array([[[[1, -1], [1, -1]]]], dtype=float)
>>> correlate(image, kernel)[0].tolist()
[[-8.0, 0.0, 0.0], [-8.0, 0.0, 0.0], [-8.0, 0.0, 0.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from solver.math.windows import Axis, output_length

Pair = tuple[int, int]
Pads = tuple[Pair, Pair]
PoolMode = Literal["max", "avg", "min"]

NO_PADDING: Pads = ((0, 0), (0, 0))


PadMode = Literal["zero", "reflect", "replicate"]
#: How each padding mode fills the border, as NumPy names it: reflect mirrors without repeating the edge
#: (PyTorch's ReflectionPad2d), replicate repeats the edge cell (ReplicationPad2d).  "symmetric", the
#: mirror that repeats the edge, is no layer's mode: it is the classic slip for reflect.
_NUMPY_PAD_MODE = {"zero": "constant", "reflect": "reflect", "replicate": "edge", "symmetric": "symmetric"}


def pad_planes(planes: np.ndarray, pads: Pads, fill: float = 0.0, mode: str = "zero") -> np.ndarray:
    """``planes`` (…, H, W) with ``pads`` = ((top, bottom), (left, right)) cells around: ``fill``, or the
    map's own cells mirrored (reflect) or repeated (replicate)."""
    if pads == NO_PADDING:
        return planes
    widths = [(0, 0)] * (planes.ndim - 2) + [pads[0], pads[1]]
    if mode != "zero":
        return np.pad(planes, widths, mode=_NUMPY_PAD_MODE[mode])  # type: ignore[call-overload]
    return np.pad(planes, widths, mode="constant", constant_values=fill)


def window_view(planes: np.ndarray, kernel: Pair, stride: Pair = (1, 1), dilation: Pair = (1, 1)) -> np.ndarray:
    """A read-only view (…, OH, OW, KH, KW) of every window position; no data is copied."""
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    view = sliding_window_view(planes, reach, axis=(-2, -1))
    return view[..., :: stride[0], :: stride[1], :: dilation[0], :: dilation[1]]


def flip_kernel(kernels: np.ndarray) -> np.ndarray:
    """The kernel rotated by 180° (both spatial axes reversed): true convolution slides this."""
    return kernels[..., ::-1, ::-1]


def correlate(
    image: np.ndarray,
    kernels: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    stride: Pair = (1, 1),
    pads: Pads = NO_PADDING,
    dilation: Pair = (1, 1),
    flip: bool = False,
) -> np.ndarray:
    """Feature maps (N, OH, OW) of an image (C, H, W) and kernels (N, C, KH, KW), zero padded.

    Cross-correlation, as CNN libraries compute; ``flip`` gives true convolution.
    """
    if flip:
        kernels = flip_kernel(kernels)
    view = window_view(pad_planes(image, pads), kernels.shape[-2:], stride, dilation)
    # Plain einsum walks the strided view in C without copying it (optimize=True would copy).
    maps = np.einsum("chwij,ncij->nhw", view, kernels)
    if bias is not None:
        maps = maps + bias[:, None, None]
    return maps


def scatter(
    image: np.ndarray,
    kernels: np.ndarray,
    *,
    stride: Pair = (1, 1),
    dilation: Pair = (1, 1),
) -> np.ndarray:
    """Transposed convolution before cropping: (N, (H−1)·S + D(K−1) + 1, …) from an image (C, H, W).

    Each input cell lays a copy of the kernel, scaled by its value, with its
    corner at (i·S, j·S); where the copies overlap they add.  One NumPy pass per
    kernel tap (the kernel is small), never a Python loop over cells.
    """
    _, height, width = image.shape
    count, _, kh, kw = kernels.shape
    full = [
        (n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip((height, width), stride, dilation, (kh, kw), strict=True)
    ]
    out = np.zeros((count, *full))
    for u in range(kh):
        for v in range(kw):
            top, left = u * dilation[0], v * dilation[1]
            rows = slice(top, top + (height - 1) * stride[0] + 1, stride[0])
            cols = slice(left, left + (width - 1) * stride[1] + 1, stride[1])
            out[:, rows, cols] += np.einsum("chw,nc->nhw", image, kernels[:, :, u, v])
    return out


def crop_transposed(full: np.ndarray, padding: Pair, output_padding: Pair) -> np.ndarray:
    """The output of a transposed convolution from its uncropped map: P cells off each side, less
    ``output_padding`` at the end (bottom/right), which keeps that many more cells there: cells the
    crop would have taken, or zeros past the last copy of the kernel."""
    grown = pad_planes(full, ((0, output_padding[0]), (0, output_padding[1])))
    height, width = grown.shape[-2:]
    return grown[..., padding[0] : height - padding[0], padding[1] : width - padding[1]]


@dataclass(frozen=True)
class PoolLayout:
    """Where a pooling layer's windows fall: the padded-and-extended grid and the output size.

    In ceil mode the last window may run past the padding; those cells are
    "overhang": never chosen by max/min and never counted by avg (PyTorch).
    """

    window: Pair
    stride: Pair
    padding: Pair
    ceil: bool
    in_size: Pair
    out_size: Pair

    @classmethod
    def of(cls, in_size: Pair, window: Pair, stride: Pair, padding: Pair, ceil: bool = False) -> PoolLayout:
        out = tuple(
            output_length(Axis(n, k, s, p, p), ceil)
            for n, k, s, p in zip(in_size, window, stride, padding, strict=True)
        )
        return cls(window, stride, padding, ceil, in_size, out)  # type: ignore[arg-type]

    @property
    def overhang(self) -> Pair:
        """Cells past the after-padding that the last window reaches (ceil mode), per axis."""
        return tuple(  # type: ignore[return-value]
            max(0, (o - 1) * s + k - (n + 2 * p))
            for o, s, k, n, p in zip(self.out_size, self.stride, self.window, self.in_size, self.padding, strict=True)
        )

    def extend(self, planes: np.ndarray, pad_fill: float, overhang_fill: float) -> np.ndarray:
        """``planes`` with padding of ``pad_fill`` and ceil-mode overhang of ``overhang_fill``."""
        (ph, pw), (oh, ow) = self.padding, self.overhang
        padded = pad_planes(planes, ((ph, ph), (pw, pw)), pad_fill)
        extended = pad_planes(padded, ((0, oh), (0, ow)), overhang_fill)
        # Windows need only the first (O-1)·S + K cells; a floor-mode remainder is cut off.
        need = [(o - 1) * s + k for o, s, k in zip(self.out_size, self.stride, self.window, strict=True)]
        return extended[..., : need[0], : need[1]]

    def windows(self, planes: np.ndarray) -> np.ndarray:
        return window_view(planes, self.window, self.stride)

    def counted(self, count_include_pad: bool) -> np.ndarray:
        """1 where an average counts a cell (real cells, and padding if included), on the extended grid."""
        ones = np.ones(self.in_size)
        return self.extend(ones, 1.0 if count_include_pad else 0.0, 0.0)


_FILL = {"max": -np.inf, "min": np.inf, "avg": 0.0}


def pool(
    planes: np.ndarray,
    layout: PoolLayout,
    mode: PoolMode = "max",
    count_include_pad: bool = True,
) -> np.ndarray:
    """Pooled planes (…, OH, OW): max and min pad with ∓∞ (never chosen), avg pads with 0."""
    windows = layout.windows(layout.extend(planes, _FILL[mode], _FILL[mode]))
    if mode == "max":
        return windows.max(axis=(-2, -1))
    if mode == "min":
        return windows.min(axis=(-2, -1))
    divisors = layout.windows(layout.counted(count_include_pad)).sum(axis=(-2, -1))
    return windows.sum(axis=(-2, -1)) / divisors


def chosen_cells(planes: np.ndarray, layout: PoolLayout, mode: PoolMode) -> np.ndarray:
    """For max/min pooling, the (row, column) in ``planes`` each window takes, shape (…, OH, OW, 2)."""
    windows = layout.windows(layout.extend(planes, _FILL[mode], _FILL[mode]))
    flat = windows.reshape(*windows.shape[:-2], -1)
    pick = flat.argmax(axis=-1) if mode == "max" else flat.argmin(axis=-1)
    rows, cols = np.divmod(pick, layout.window[1])
    out_rows, out_cols = np.indices(layout.out_size)
    found_rows = out_rows * layout.stride[0] + rows - layout.padding[0]
    found_cols = out_cols * layout.stride[1] + cols - layout.padding[1]
    return np.stack([found_rows, found_cols], axis=-1)
