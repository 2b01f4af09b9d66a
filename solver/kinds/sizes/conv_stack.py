"""Kind ``conv-stack``: shapes and parameter counts through a stack of layers.

One step per layer for its output shape and one for its parameters, then the
total; a summary table like a model summary's.  Parameters are counted as
PyTorch counts them or, with ``framework: keras``, as Keras does; where the
other counts a layer otherwise (recurrent biases, batch norm's statistics) the
layer's step says so (``solver.kinds.sizes.counts``).  Batch norm's running
mean and variance are counted apart, as non-trainable.

Window layers slide over an image (H×W×C) or, written ``conv1d``, ``maxpool1d``, ..., along a
sequence (length × channels).  Sequences are shown as the framework lays them out: Keras' time
first (L×C), PyTorch's 1-D layers channels first (C×L) while its embedding and recurrent layers
keep time first, so a sheet's shapes read as the model's own.  Images are read and shown H×W×C,
or with ``layout: chw`` channels first (C×H×W) as PyTorch writes them; an input that looks
channels first (3x32x32) is refused unless the layout is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from math import prod
from typing import Any, ClassVar, Literal

from solver.graph.blocks import Block, Math
from solver.graph.errors import InputError
from solver.graph.formula import Template, text_to_latex
from solver.graph.steps import Solution, Step, Variant
from solver.graph.tables import Column, Table
from solver.graph.values import Shape
from solver.kinds import GIVEN_CONFIG
from solver.kinds.sizes.counts import (
    FRAMEWORK_NAMES,
    GATES,
    Count,
    Framework,
    batchnorm_note,
    recurrent,
    recurrent_difference,
)
from solver.kinds.sizes.layers import WINDOW_WORDS, LayerSpec, parse_layer
from solver.math.limits import MAX_LAYERS, require_at_most
from solver.math.sizes import (
    SizeText,
    parse_dims,
    require_groups_divide,
    require_non_negative,
    require_positive,
)
from solver.math.windows import (
    PAD_MODE_WORDS,
    PAD_WORDS,
    Axis,
    check_fits,
    check_output_padding,
    check_reflect_fits,
    check_transposed_fits,
    output_length,
    padding_per_axis,
    tensorflow_same_padding,
    transposed_length,
)

KIND = "conv-stack"
#: Layers with trainable parameters (the others get no parameter step).
PARAMETRIZED = (
    "conv",
    "convtranspose",
    "depthwise",
    "separable",
    "local",
    "dense",
    "batchnorm",
    "layernorm",
    "embedding",
    *GATES,
)
#: Layers whose parameters are kernels: the kernel's cells·C_in/groups per output channel, and a bias each
#: (a locally connected layer: at every output position).
KERNELS = ("conv", "convtranspose", "depthwise", "separable", "local")
#: Layers that keep their input's shape (and, in PyTorch, its layout).
KEEP_SHAPE = ("relu", "sigmoid", "tanh", "softmax", "dropout", "batchnorm", "layernorm")
#: The spatial axes' names in arithmetic lines and in messages.
AXIS_LABELS = {1: ("L",), 2: ("H", "W")}
AXIS_NAMES = {1: ("length",), 2: ("height", "width")}
#: How an image's three numbers are written: height × width × channels, or channels first as PyTorch does.
Layout = Literal["hwc", "chw"]
LAYOUT_NAMES: dict[Layout, str] = {"hwc": "H×W×C", "chw": "C×H×W"}
#: What a 2-D layer needs, in messages.
IMAGE_INPUTS: dict[Layout, str] = {"hwc": "an HxWxC input", "chw": "a CxHxW input"}
#: Channel counts an image input usually has (grey, RGB, RGBA): written first, they are likely channels first.
USUAL_CHANNELS = (1, 3, 4)
FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    input: SizeText
    """Input size: HxWxC (CxHxW with layout chw; a 2-D size means one channel), a sequence (CxL in PyTorch, LxC
    in Keras, before a 1-D or recurrent layer) or a length of token ids."""
    layers: list[str | dict[str, Any]]
    """Layers in order, e.g. 'conv k=3 n=10 s=1 p=0', 'maxpool k=2', 'flatten', 'dense n=10', 'conv1d k=7 n=8'."""
    framework: Framework = "pytorch"
    """Count parameters and lay out sequences as pytorch or keras does (they differ on recurrent biases, batch norm)."""
    layout: Layout | None = None
    """How images are written: hwc (height × width × channels, the default) or chw (channels first, as PyTorch)."""


def _number(layer: LayerSpec, key: str, where: str) -> int:
    (value,) = parse_dims(layer.get(key), f"{where}: {key}", max_dims=1)
    return value


def in_layout(shape: Shape, channels_first: bool) -> Shape:
    """A shape as shown: worked channels last (length × channels, H×W×C), shown channels first
    (C×L as PyTorch's 1-D layers lay sequences out, C×H×W with ``layout: chw``) when it is.

    Vectors stay as they are; ``from_layout`` reads a shown shape back.
    """
    return Shape((shape[-1], *shape[:-1])) if channels_first and len(shape) > 1 else shape


def from_layout(shown: Shape, channels_first: bool) -> Shape:
    """A shape as shown, read back channels last, as the layers work it."""
    return Shape((*shown[1:], shown[0])) if channels_first and len(shown) > 1 else shown


def describe(shape: Shape, channels_first: bool = False) -> str:
    """What a shape is, for messages: an image, a sequence or a vector."""
    if len(shape) == 3:
        axes = "channels × height × width" if channels_first else "height × width × channels"
        return f"the image {in_layout(shape, channels_first)} ({axes})"
    if len(shape) == 2:
        axes = "channels × length" if channels_first else "length × channels"
        return f"the sequence {in_layout(shape, channels_first)} ({axes})"
    return f"a vector of {shape[0]}"


@dataclass(frozen=True)
class Layer:
    """A parsed layer: computes its output shape and parameter count from its input shape.

    Shapes are worked length × channels (H×W×C for images); ``channels_first`` says whether
    the layer's input is shown channels first: C×L as PyTorch's 1-D layers lay it out, C×H×W
    for an image with ``layout: chw``.
    """

    spec: LayerSpec
    where: str
    framework: Framework = "pytorch"
    channels_first: bool = False
    #: How the problem writes images (a layer's own input may be a sequence in its own layout).
    layout: Layout = "hwc"

    @property
    def windowed(self) -> bool:
        return self.spec.word in WINDOW_WORDS

    @property
    def keeps_shape(self) -> bool:
        return self.spec.word in KEEP_SHAPE

    @property
    def takes_sequence(self) -> bool:
        """Whether a two-number input before this layer is a sequence (rather than an H×W image)."""
        return (self.windowed and self.spec.dims == 1) or self.spec.word in GATES

    def channels_first_after(self, before: bool) -> bool:
        """Whether the output is shown channels first: PyTorch's 1-D window layers lay sequences out so,
        its embedding and recurrent layers time first (batch_first), Keras' sequences are always time
        first; the other layers keep their input's layout (an image's is the problem's ``layout``)."""
        if self.windowed and self.spec.dims == 1:
            return self.framework == "pytorch"
        if self.spec.word == "embedding" or self.spec.word in GATES:
            return False
        return before

    def flag(self, key: str) -> bool:
        value = self.spec.get(key).lower()
        if value not in FLAGS:
            raise InputError(f"{self.where}: {key} must be 0 or 1 (or true/false), got {self.spec.get(key)!r}")
        return FLAGS[value]

    def per_axis(self, key: str) -> tuple[int, ...]:
        """A setting along each spatial axis: ``3`` on every axis, ``3x5`` height and width (2-D only)."""
        dims = self.spec.dims
        values = parse_dims(self.spec.get(key), f"{self.where}: {key}", max_dims=dims)
        return values * dims if len(values) == 1 else values

    def step_output(self, shown: Shape) -> Shape:
        """The output shape as shown, from the input as shown (each in its layout)."""
        shape = self.output(from_layout(shown, self.channels_first))[0]
        return in_layout(shape, self.channels_first_after(self.channels_first))

    def step_params(self, shown: Shape | None) -> int:
        return self.params(None if shown is None else from_layout(shown, self.channels_first))[0]

    def output(self, shape: Shape) -> tuple[Shape, list[Block]]:
        """The output shape and one line of arithmetic per spatial axis."""
        word, spec, where = self.spec.word, self.spec, self.where
        if self.windowed:
            self._require_spatial(shape)
        if word in KERNELS:
            expected = _number(spec, "c", where) if spec.get("c") else None
            if expected is not None and expected != shape[-1]:
                raise InputError(
                    f"{where}: channel mismatch: the layer expects c={expected} "
                    f"but its input {in_layout(shape, self.channels_first)} has {shape[-1]} channels"
                )
        if word in ("conv", "depthwise", "separable", "local"):
            return self._windows(shape, self._out_channels(shape[-1]), "kernel")
        if word == "convtranspose":
            return self._transposed(shape, self._out_channels(shape[-1]))
        if word in ("maxpool", "avgpool"):
            return self._windows(shape, shape[-1], "window")
        if word == "pad":
            return self._padded(shape)
        if word in ("adaptiveavgpool", "adaptivemaxpool"):
            size = self.per_axis("o")
            require_positive(size, f"{where}: o")
            return Shape((*size, shape[-1])), []
        if word in ("globalmaxpool", "globalavgpool"):
            return Shape((shape[-1],)), []
        if word == "flatten":
            factors = [str(n) for n in in_layout(shape, self.channels_first)]
            times = " · ".join(factors), r" \cdot ".join(factors)
            return Shape((prod(shape),)), [Math(f"{times[0]} = {prod(shape)}", f"{times[1]} = {prod(shape)}")]
        if word == "embedding":
            return self._embedded(shape), []
        if word in GATES:
            return self._recurrent(shape), []
        if word == "dense":
            if len(shape) != 1:
                raise InputError(f"{where}: dense needs a flat input, got {shape}; expected flatten before it")
            expected = _number(spec, "in", where) if spec.get("in") else None
            if expected is not None and expected != shape[0]:
                raise InputError(
                    f"{where}: size mismatch: the layer expects in={expected} but its input has {shape[0]} features"
                )
            n = _number(spec, "n", where)
            require_positive((n,), f"{where}: n")
            return Shape((n,)), []
        return shape, []

    def _require_spatial(self, shape: Shape) -> None:
        """A 2-D window layer needs an image H×W×C, a 1-D one a sequence (length × channels)."""
        name, dims = self.spec.name, self.spec.dims
        if len(shape) == dims + 1:
            return
        if len(shape) == 1:
            wanted = IMAGE_INPUTS[self.layout] if dims == 2 else "a sequence (length × channels)"
            raise InputError(
                f"{self.where}: {name} needs {wanted}, got a vector of {shape[0]}; expected it before flatten"
            )
        if dims == 1:
            raise InputError(
                f"{self.where}: {name} is a 1-D layer and needs a sequence (length × channels), got "
                f"{describe(shape, self.channels_first)}; expected the 2-D {self.spec.word} on an image"
            )
        raise InputError(
            f"{self.where}: {name} is a 2-D layer and needs {IMAGE_INPUTS[self.layout]}, got "
            f"{describe(shape, self.channels_first)}; expected {name}1d on a sequence"
        )

    def _padded(self, shape: Shape) -> tuple[Shape, list[Block]]:
        """A padding layer: P cells on each side (a 1-D one: ``p=2,0`` before and after), whatever fills them."""
        spec, where, dims = self.spec, self.where, self.spec.dims
        sides = spec.get("p").split(",")
        if len(sides) > 1 + (dims == 1):
            expected = "p=2 or p=2,0 (left, right)" if dims == 1 else "p=2 or p=2x1 (height, width)"
            raise InputError(f"{where}: p: expected {expected}, got {spec.get('p')!r}")
        if len(sides) == 2:
            before, after = (parse_dims(side, f"{where}: p", max_dims=1)[0] for side in sides)
            pads = [(before, after)]
        else:
            pads = [(p, p) for p in self.per_axis("p")]
        require_non_negative(tuple(n for pair in pads for n in pair), f"{where}: p")
        mode = spec.get("mode").lower()
        if mode not in PAD_MODE_WORDS:
            raise InputError(f"{where}: padding mode {mode!r}; expected one of: {', '.join(PAD_MODE_WORDS)}")
        if mode == "reflect":
            widest = tuple(max(pair) for pair in pads)
            check_reflect_fits(widest, tuple(shape[:-1]), f"{where}: ", AXIS_NAMES[dims])
        sizes = [n + before + after for n, (before, after) in zip(shape[:-1], pads, strict=True)]
        lines: list[Block] = [
            Math(f"{n} + 2·{before} = {size}" if before == after else f"{n} + {before} + {after} = {size}", label=name)
            for n, (before, after), size, name in zip(shape[:-1], pads, sizes, AXIS_LABELS[dims], strict=True)
        ]
        return Shape((*sizes, shape[-1])), lines

    def _out_channels(self, channels_in: int) -> int:
        """Output channels of a kernel layer, after checking that its groups divide both sides."""
        spec, where = self.spec, self.where
        if spec.word == "depthwise":
            multiplier = _number(spec, "m", where)
            require_positive((multiplier,), f"{where}: m")
            return channels_in * multiplier
        channels_out = _number(spec, "n", where)
        require_positive((channels_out,), f"{where}: n")
        if spec.word == "separable":  # its 1×1 pointwise step mixes every channel
            require_positive((_number(spec, "m", where),), f"{where}: m")
            return channels_out
        groups = self._groups(channels_in)
        try:
            require_groups_divide(groups, channels_in, "input channels")
            require_groups_divide(groups, channels_out, "output channels")
        except InputError as error:
            raise InputError(f"{where}: {error.message}") from None
        return channels_out

    def _groups(self, channels_in: int) -> int:
        """How many groups the input channels are split into: each filter sees C_in/groups of them."""
        if self.spec.word in ("depthwise", "separable"):
            return channels_in
        return _number(self.spec, "g", self.where) if self.spec.word in ("conv", "convtranspose") else 1

    def _embedded(self, shape: Shape) -> Shape:
        """T token ids -> T vectors of n."""
        if len(shape) != 1:
            raise InputError(
                f"{self.where}: embedding needs a sequence of token ids, got {shape}; "
                "expected an input length such as 200 before it"
            )
        for key in ("v", "n"):
            require_positive((_number(self.spec, key, self.where),), f"{self.where}: {key}")
        return Shape((shape[0], _number(self.spec, "n", self.where)))

    def _recurrent(self, shape: Shape) -> Shape:
        """T×F -> n (the last hidden state), or T×n with ``seq=1`` (every step's, Keras' return_sequences)."""
        word, where = self.spec.word, self.where
        if len(shape) != 2:
            raise InputError(
                f"{where}: {word} needs a sequence T×F (time steps × features), got {shape}; "
                "expected embedding (or a recurrent layer with seq=1) before it"
            )
        units = _number(self.spec, "n", where)
        require_positive((units,), f"{where}: n")
        return Shape((shape[0], units) if self.flag("seq") else (units,))

    def _padding(
        self, shape: Shape, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
    ) -> list[tuple[int, int]]:
        """(before, after) per axis from numbers, 'same', 'valid' or (Keras' Conv1D) 'causal'."""
        word = self.spec.get("p").strip().lower()
        if word == "causal":
            if self.framework != "keras" or self.spec.word != "conv" or self.spec.dims != 1:
                raise InputError(
                    f"{self.where}: padding 'causal' is Keras' Conv1D's; expected a number, 'same' or 'valid' "
                    "(in PyTorch, pad1d p=P,0 before the layer pads P = D·(K − 1) on the left only)"
                )
            return [(d * (k - 1), 0) for k, d in zip(kernel, dilation, strict=True)]
        if word == "same" and self.framework == "keras":
            return [tensorflow_same_padding(*axis) for axis in zip(shape[:-1], kernel, stride, dilation, strict=True)]
        try:
            pads = padding_per_axis(self.spec.get("p"), kernel, dilation, stride)
        except InputError as error:
            raise InputError(f"{self.where}: {error.message}") from None
        if self.spec.word in ("maxpool", "avgpool") and word not in PAD_WORDS:
            for (before, _), k in zip(pads, kernel, strict=True):
                if 2 * before > k:
                    raise InputError(
                        f"{self.where}: padding {before} is more than half the window {k}; "
                        "expected at most half, as PyTorch requires"
                    )
        return pads

    def _windows(self, shape: Shape, channels: int, what: str) -> tuple[Shape, list[Block]]:
        spec, dims = self.spec, self.spec.dims
        kernel = self.per_axis("k")
        stride = kernel if spec.get("s") == "" else self.per_axis("s")
        dilation = self.per_axis("d") if "d" in spec.settings else (1,) * dims
        for values, key in ((kernel, "k"), (stride, "s"), (dilation, "d")):
            require_positive(values, f"{self.where}: {key}")
        pads = self._padding(shape, kernel, stride, dilation)
        ceil = "ceil" in spec.settings and self.flag("ceil")
        sizes: list[int] = []
        lines: list[Block] = []
        for size, k, s, (before, after), d, name, axis_name in zip(
            shape[:-1], kernel, stride, pads, dilation, AXIS_LABELS[dims], AXIS_NAMES[dims], strict=True
        ):
            axis = Axis(size, k, s, before, after, d)
            try:
                check_fits(axis, what, axis_name)
            except InputError as error:
                raise InputError(f"{self.where}: {error.message}") from None
            out = output_length(axis, ceil)
            sizes.append(out)
            rounding = "⌈⌉" if ceil else "⌊⌋"
            keff = f"({d}·({k} − 1) + 1)" if d != 1 else f"{k}"
            work = f"{rounding[0]}({size} + {before + after} − {keff})/{s}{rounding[1]} + 1 = {out}"
            brackets = ("lceil", "rceil") if ceil else ("lfloor", "rfloor")
            fraction = rf"\frac{{{size} + {before + after} - {text_to_latex(keff)}}}{{{s}}}"
            latex = rf"\left\{brackets[0]} {fraction} \right\{brackets[1]} + 1 = {out}"
            lines.append(Math(work, latex, label=name))
        return Shape((*sizes, channels)), lines

    def _transposed(self, shape: Shape, channels: int) -> tuple[Shape, list[Block]]:
        """A transposed convolution's size per axis: (H − 1)·S − 2P + D·(K − 1) + output_padding + 1."""
        dims = self.spec.dims
        settings = {key: self.per_axis(key) for key in ("k", "s", "d", "p", "op")}
        for key in ("k", "s", "d"):
            require_positive(settings[key], f"{self.where}: {key}")
        try:
            require_non_negative(settings["p"], "padding")
            check_output_padding(settings["op"], settings["s"], settings["d"])
        except InputError as error:
            raise InputError(f"{self.where}: {error.message}") from None
        sizes: list[int] = []
        lines: list[Block] = []
        for size, k, s, p, d, extra, name, axis_name in zip(
            shape[:-1], *(settings[key] for key in ("k", "s", "p", "d", "op")), AXIS_LABELS[dims], AXIS_NAMES[dims],
            strict=True,
        ):  # fmt: skip
            axis = Axis(size, k, s, p, p, d)
            try:
                check_transposed_fits(axis, extra, axis_name)
            except InputError as error:
                raise InputError(f"{self.where}: {error.message}") from None
            out = transposed_length(axis, extra)
            sizes.append(out)
            keff = f"{d}·({k} − 1)" if d != 1 else f"({k} − 1)"
            work = f"({size} − 1)·{s} − 2·{p} + {keff} + {extra} + 1 = {out}"
            lines.append(Math(work, label=name))
        return Shape((*sizes, channels)), lines

    @property
    def reads_input(self) -> bool:
        """Whether the layer's parameters depend on its input's shape (an embedding's do not)."""
        return self.spec.word != "embedding"

    def params(self, shape: Shape | None) -> tuple[int, str]:
        """Trainable parameters and how they are counted, given the layer's input shape (if it reads it)."""
        word, spec = self.spec.word, self.spec
        bias = self.flag("bias") if word in (*KERNELS, "dense", *GATES) else False
        if word == "local":
            return self._local_params(shape, bias)
        if word in KERNELS:
            return self._kernel_params(shape[-1], bias)
        if word == "dense":
            n = int(spec.get("n"))
            return shape[0] * n + (n if bias else 0), f"{shape[0]}·{n}" + (f" + {n}" if bias else "")
        if word == "embedding":
            vocabulary, n = int(spec.get("v")), int(spec.get("n"))
            return vocabulary * n, f"{vocabulary}·{n}"
        if word in GATES:
            count = self._recurrent_count(shape, self.framework)
            return count.value, count.text
        if word == "batchnorm":
            return 2 * shape[-1], f"2·{shape[-1]} (scale and shift per {'feature' if len(shape) == 1 else 'channel'})"
        if word == "layernorm":
            count = self._layernorm_count(shape, self.framework)
            return count.value, count.text
        return 0, "0"

    def _layernorm_count(self, shape: Shape, framework: Framework) -> Count:
        """Scale and shift per normalized value.

        Keras' LayerNormalization normalizes the last axis (the channels or features); PyTorch's
        LayerNorm the trailing axes it is given: the whole C×H×W image or C×L sequence, as its
        models write it (its time-first sequences and vectors: the features).
        """
        channels_first = len(shape) == 3 or (len(shape) == 2 and self.channels_first)
        if framework == "keras" or not channels_first:
            what = "channel" if channels_first else "feature"
            return Count(2 * shape[-1], f"2·{shape[-1]} (scale and shift per {what})")
        axes = "·".join(map(str, (shape[-1], *shape[:-1])))  # PyTorch writes channels first
        return Count(
            2 * prod(shape), f"2·{axes} (scale and shift per value, as LayerNorm([{axes.replace('·', ', ')}]))"
        )

    def _local_params(self, shape: Shape, bias: bool) -> tuple[int, str]:
        """A locally connected layer: a kernel of (kernel cells)·C_in weights per filter and a bias per filter
        at each output position, nothing shared (Keras' LocallyConnected1D and 2D)."""
        kernel = self.per_axis("k")
        *positions, n = self.output(shape)[0]
        where = "·".join(map(str, positions))
        cells = "·".join(map(str, kernel))
        text = f"{where}·({cells}·{shape[-1]}·{n})" + (f" + {where}·{n}" if bias else "")
        return prod(positions) * (prod(kernel) * shape[-1] * n + (n if bias else 0)), text

    def _kernel_params(self, channels_in: int, bias: bool) -> tuple[int, str]:
        """(kernel cells)·(C_in/groups)·C_out weights and C_out biases; a separable layer adds its 1×1 pointwise step.

        A separable layer's biases belong to its pointwise step only, as Keras counts them.
        """
        kernel = self.per_axis("k")
        cells = "·".join(map(str, kernel))
        groups = self._groups(channels_in)
        if self.spec.word in ("depthwise", "separable"):
            multiplier = int(self.spec.get("m"))
            depthwise = prod(kernel) * channels_in * multiplier
            text = f"{cells}·{channels_in}" + (f"·{multiplier}" if multiplier != 1 else "")
            if self.spec.word == "depthwise":
                count = channels_in * multiplier
                return depthwise + (count if bias else 0), text + (f" + {count}" if bias else "")
            n = int(self.spec.get("n"))
            pointwise = channels_in * multiplier * n
            text += f" + {channels_in * multiplier}·{n}" + (f" + {n}" if bias else "")
            return depthwise + pointwise + (n if bias else 0), text
        n = int(self.spec.get("n"))
        per_filter = f"({channels_in}/{groups})" if groups != 1 else f"{channels_in}"
        text = f"{cells}·{per_filter}·{n}" + (f" + {n}" if bias else "")
        return prod(kernel) * channels_in // groups * n + (n if bias else 0), text

    def non_trainable(self, shape: Shape) -> int:
        """Batch norm's running mean and variance: updated by every batch, never by the gradient."""
        return 2 * shape[-1] if self.spec.word == "batchnorm" else 0

    def difference(self, shape: Shape) -> str | None:
        """What the other framework counts for this layer, and why, where it counts otherwise."""
        word = self.spec.word
        if word == "batchnorm":
            return batchnorm_note(shape[-1])
        if word == "separable" and self.framework == "pytorch" and self.flag("bias"):
            extra = shape[-1] * int(self.spec.get("m"))
            conv = f"Conv{self.spec.dims}d"
            count = self.params(shape)[0] + extra
            return (
                f"PyTorch has no separable layer: written as a depthwise {conv}(groups=C) and a 1×1 {conv}, each "
                f"with its default bias, it counts {count:,} (the depthwise step's {extra} more)"
            )
        theirs = self.other_count(shape)
        if theirs is None:
            return None
        return f"{FRAMEWORK_NAMES[self.other_framework]} counts {theirs.text} = {theirs.value:,}: {self._why_other()}"

    @property
    def other_framework(self) -> Framework:
        return "keras" if self.framework == "pytorch" else "pytorch"

    def other_count(self, shape: Shape) -> Count | None:
        """The other framework's count of this layer's parameters where it differs (layer norm, recurrent layers)."""
        word = self.spec.word
        if word == "layernorm":
            count = self._layernorm_count
        elif word in GATES:
            count = self._recurrent_count
        else:
            return None
        theirs = count(shape, self.other_framework)
        return None if theirs.value == count(shape, self.framework).value else theirs

    def _why_other(self) -> str:
        if self.spec.word == "layernorm":
            return (
                "Keras' LayerNormalization normalizes the last axis (the channels), PyTorch's LayerNorm the axes "
                "it is given"
            )
        return recurrent_difference(self.spec.word)

    def count_slips(self, shape: Shape) -> tuple[Variant, ...]:
        """The named mistakes of this layer's count on ``shape``: batch norm's running statistics counted as
        parameters, or the other framework's count where it differs (each worked again from the shape shown)."""

        def read(shown: Shape) -> Shape:
            return from_layout(shown, self.channels_first)

        if self.spec.word == "batchnorm":
            feedback = (
                "The running mean and variance are not trained by the gradient: count γ and β only "
                "(2 per channel); Keras lists the statistics apart, as non-trainable."
            )
            return (Variant(RUNNING_STATISTICS, feedback, lambda shown: 4 * read(shown)[-1]),)
        if self.other_count(shape) is None:
            return ()
        mine, other = FRAMEWORK_NAMES[self.framework], FRAMEWORK_NAMES[self.other_framework]
        feedback = f"This is {other}'s count; the problem counts as {mine} does. {self._why_other()}."

        def theirs(shown: Shape) -> int:
            count = self.other_count(read(shown))
            return self.step_params(shown) if count is None else count.value

        return (Variant(OTHER_FRAMEWORK, feedback, theirs),)

    def transposed_note(self) -> str | None:
        """In PyTorch, a time-first sequence entering a 1-D window layer (or the reverse) is transposed in the model."""
        if self.framework != "pytorch":
            return None
        wants_channels_first = self.windowed and self.spec.dims == 1
        if self.channels_first == wants_channels_first or not (wants_channels_first or self.spec.word in GATES):
            return None
        if wants_channels_first:
            return (
                f"PyTorch's {self.spec.name} takes channels × length: the time-first sequence enters "
                "transposed (x.transpose(1, 2) in the model's forward)"
            )
        return (
            f"PyTorch's {self.spec.word} takes time steps × features (batch_first): the channels × length "
            "sequence enters transposed (x.transpose(1, 2) in the model's forward)"
        )

    def _recurrent_count(self, shape: Shape, framework: Framework) -> Count:
        spec = self.spec
        reset_after = spec.word == "gru" and self.flag("reset_after")
        return recurrent(spec.word, shape[-1], int(spec.get("n")), framework, self.flag("bias"), reset_after)


@contextmanager
def _at_layer(number: int) -> Iterator[None]:
    """An error about layer ``number`` (counted from 1) points at its entry in a file (``layers.N``)."""
    try:
        yield
    except InputError as error:
        if error.field is None:
            error.field = f"layers.{number - 1}"
        raise


def solve(given: Given, title: str | None = None) -> Solution:
    if given.framework not in FRAMEWORK_NAMES:
        known = ", ".join(FRAMEWORK_NAMES)
        raise InputError(f"unknown framework {given.framework!r}; expected one of: {known}", field="framework")
    if given.layout is not None and given.layout not in LAYOUT_NAMES:
        known = ", ".join(LAYOUT_NAMES)
        raise InputError(f"unknown layout {given.layout!r}; expected one of: {known}", field="layout")
    layout: Layout = given.layout or "hwc"
    dims = parse_dims(given.input, "input")
    require_positive(dims, "input")
    if given.layout is None:
        _refuse_channels_first(dims)
    if not given.layers:
        raise InputError("expected at least one layer", field="layers")
    require_at_most(len(given.layers), MAX_LAYERS, "the number of layers", "layers")
    parsed = []
    for i, spec in enumerate(given.layers, start=1):
        with _at_layer(i):
            parsed.append(Layer(parse_layer(spec, f"layer {i}"), f"layer {i} ({spec})", given.framework, layout=layout))
    shape, channels_first = _input_shape(dims, parsed, layout)
    shown = in_layout(shape, channels_first)
    counted_as = "" if given.framework == "pytorch" else f" (parameters as {FRAMEWORK_NAMES[given.framework]} counts)"
    solution = Solution(KIND, title or f"Shapes and parameters through {len(parsed)} layers from {shown}{counted_as}")
    solution.given("input", _input_title(shape, channels_first), shown)
    table = Table(
        "Layer summary",
        [
            Column("#", numeric=True),
            Column("layer", key="layer"),
            Column("output", key="output"),
            Column("params", numeric=True, spec=",", key="params"),
            Column("total", numeric=True, spec=","),
        ],
        key="layers",
    )
    previous, total, trainable = "input", 0, 0
    #: The ranks (2: a sequence, 3: an image) of the shapes shown channels first, for the footer's key.
    shown_channels_first = {len(shape)} if channels_first else set()
    param_steps: list[str] = []
    #: The parameter steps of frozen layers (trainable=0), counted as non-trainable.
    frozen_steps: list[str] = []
    #: The steps that feed a batch norm layer, and the layer, for its running statistics.
    normalized: list[tuple[str, Layer]] = []
    for i, parsed_layer in enumerate(parsed, start=1):
        layer = replace(parsed_layer, channels_first=channels_first)
        out, count = f"out{i}", f"params{i}"
        with _at_layer(i):
            shape, lines = layer.output(shape_in := shape)
        channels_first = layer.channels_first_after(channels_first)
        if channels_first:
            shown_channels_first.add(len(shape))
        solution.add(
            Step(
                out,
                f"layer {i}: {layer.spec.label}",
                deps=(previous,),
                compute=layer.step_output,
                # Upright as a whole: a name with digits in it (conv1d) is not one word to LaTeX.
                formula=Template(
                    f"{layer.spec.name}({{{previous}}})", rf"\mathrm{{{layer.spec.name}}}({{{previous}}})"
                ),
                detail=lines,
                note=layer.transposed_note(),
                variants=(_written_channels_last(layer),) if layout == "chw" and len(shape) == 3 else (),
            )
        )
        with _at_layer(i):
            params, counted = layer.params(shape_in if layer.reads_input else None)
        if layer.spec.word in PARAMETRIZED:
            frozen = not layer.flag("trainable")
            solution.add(
                Step(
                    count,
                    f"parameters of layer {i}" + (" (frozen: not trained)" if frozen else ""),
                    deps=(previous,) if layer.reads_input else (),
                    compute=lambda *shape, layer=layer: layer.step_params(*shape or (None,)),
                    formula=Template(counted),
                    note=layer.difference(shape_in),
                    variants=layer.count_slips(shape_in),
                )
            )
            (frozen_steps if frozen else param_steps).append(count)
            trainable += 0 if frozen else params
        if layer.non_trainable(shape_in):
            normalized.append((previous, layer))
        total += params
        table.rows.append([i, layer.spec.label, in_layout(shape, channels_first), params, total])
        previous = out
    solution.add(
        Step(
            "total_params",
            "total trainable parameters",
            deps=tuple(param_steps),
            compute=lambda *p: sum(p),
            formula=Template(" + ".join(f"{{{p}}}" for p in param_steps) or "0"),
        )
    )
    totals = _totals(solution, normalized, frozen_steps, trainable)
    solution.add(
        Step("output", "final output shape", deps=(previous,), compute=lambda s: s, formula=Template(f"{{{previous}}}"))
    )
    solution.add(
        Step(
            "flattened",
            "length of the output once flattened",
            deps=("output",),
            compute=lambda s: prod(s),
            formula=Template("∏ {output}"),
        )
    )
    table.footer = [
        *totals,
        f"Output: {in_layout(shape, channels_first)} (flattened: {prod(shape):,})",
        *(["C×H×W: channels × height × width, as in PyTorch"] * (3 in shown_channels_first)),
        *(["C×L: channels × length, as PyTorch lays sequences out"] * (2 in shown_channels_first)),
    ]
    solution.tables.append(table)
    return solution


def _refuse_channels_first(dims: tuple[int, ...]) -> None:
    """An image written channels first (3x32x32, 1x28x28) where H×W×C is read would be a few rows of many
    channels: refused unless the layout is given, as silent nonsense is worse than a question.

    It looks so when it starts with a usual channel count and the other two are at least twice as large
    (a toy 4×5×6 is read as written).
    """
    if len(dims) != 3 or dims[0] not in USUAL_CHANNELS or min(dims[1:]) < 2 * dims[0]:
        return
    c, h, w = dims
    raise InputError(
        f"input {Shape(dims)} reads as H×W×C, an image {c} high and {h} wide with {w} channels, but looks like "
        f"PyTorch's C×H×W; expected {h}x{w}x{c} (H×W×C) or the layout given: --layout chw (layout: chw in a "
        "problem file) reads it as C×H×W, --layout hwc (layout: hwc) as written",
        field="input",
    )


def _input_shape(dims: tuple[int, ...], layers: list[Layer], layout: Layout) -> tuple[Shape, bool]:
    """The input as worked (channels last) and whether it is written channels first.

    Three numbers are an image in the problem's layout.  Two numbers are a sequence when the first
    layer that reads them is a 1-D or recurrent one, in that layer's framework's layout; else an
    H×W image of one channel.
    """
    images_first = layout == "chw"
    if len(dims) == 3:
        return from_layout(Shape(dims), images_first), images_first
    if len(dims) != 2:
        return Shape(dims), False
    first = next((layer for layer in layers if not layer.keeps_shape), None)
    if first is None or not first.takes_sequence:
        return Shape((*dims, 1)), images_first
    channels_first = first.channels_first_after(False)
    return from_layout(Shape(dims), channels_first), channels_first


#: A layer counted as the other framework counts it (PyTorch's two recurrent biases in Keras, or the reverse).
OTHER_FRAMEWORK = "counted_as_other_framework"
#: Batch norm's running mean and variance counted with its trainable γ and β.
RUNNING_STATISTICS = "running_statistics_counted"


#: A C×H×W problem's image shape written H×W×C, the order of Keras and of most notes.
CHANNELS_LAST = "image_written_channels_last"
CHANNELS_LAST_FEEDBACK = (
    "This shape is written H×W×C (channels last); the problem writes images channels first, C×H×W "
    "as PyTorch does: the same numbers with the channels moved to the front."
)


def _written_channels_last(layer: Layer) -> Variant:
    """The image a layer outputs, right but written H×W×C in a problem laid out C×H×W."""
    return Variant(CHANNELS_LAST, CHANNELS_LAST_FEEDBACK, lambda shown: from_layout(layer.step_output(shown), True))


def _input_title(shape: Shape, channels_first: bool) -> str:
    if len(shape) == 3:
        return f"input size {LAYOUT_NAMES['chw' if channels_first else 'hwc']}"
    if len(shape) == 2:
        return "input sequence " + ("C×L (channels × length)" if channels_first else "L×C (length × channels)")
    return "input length"


def _totals(solution: Solution, normalized: list[tuple[str, Layer]], frozen: list[str], trainable: int) -> list[str]:
    """The footer's counts; what is not trained (batch norm's running statistics, frozen layers' weights) as a
    step and a line apart, as Keras shows them."""
    if not normalized and not frozen:
        return [f"Total params: {trainable:,}"]

    def statistics(*shapes: Shape) -> list[int]:
        return [
            layer.non_trainable(from_layout(s, layer.channels_first))
            for (_, layer), s in zip(normalized, shapes, strict=True)
        ]

    def not_trained(*values: Any) -> int:
        return sum(statistics(*values[: len(normalized)])) + sum(values[len(normalized) :])

    deps = (*(name for name, _ in normalized), *frozen)
    counts = statistics(*(solution[name].value for name, _ in normalized))
    what = [
        *(["batch norm's running mean and variance"] * bool(normalized)),
        *(["the frozen layers' weights"] * bool(frozen)),
    ]
    non_trainable = solution.add(
        Step(
            "non_trainable_params",
            f"non-trainable parameters: {' and '.join(what)}",
            deps=deps,
            compute=not_trained,
            formula=Template(" + ".join([*(f"2·{n // 2}" for n in counts), *(f"{{{name}}}" for name in frozen)])),
        )
    )
    return [
        f"Total params: {trainable + non_trainable:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {non_trainable:,}",
    ]
