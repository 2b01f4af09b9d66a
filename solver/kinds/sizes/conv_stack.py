"""Kind ``conv-stack``: shapes and parameter counts through a stack of layers.

One step per layer for its output shape and one for its parameters, then the
total; a summary table like a model summary's.  Parameters are counted as
PyTorch counts them or, with ``framework: keras``, as Keras does; where the
other counts a layer otherwise (recurrent biases, batch norm's statistics) the
layer's step says so (``solver.kinds.sizes.counts``).  Batch norm's running
mean and variance are counted apart, as non-trainable.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, ClassVar

from solver.graph.blocks import Block, Math
from solver.graph.errors import InputError
from solver.graph.formula import Template, text_to_latex
from solver.graph.steps import Solution, Step
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
from solver.kinds.sizes.layers import LayerSpec, parse_layer
from solver.math.limits import MAX_LAYERS, require_at_most
from solver.math.sizes import (
    SizeText,
    parse_dims,
    parse_pair,
    require_groups_divide,
    require_non_negative,
    require_positive,
)
from solver.math.windows import (
    PAD_MODE_WORDS,
    Axis,
    check_fits,
    check_output_padding,
    check_reflect_fits,
    check_transposed_fits,
    output_length,
    padding_per_axis,
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
#: Layers whose parameters are kernels: K_h·K_w·C_in/groups per output channel, and a bias each
#: (a locally connected layer: at every output position).
KERNELS = ("conv", "convtranspose", "depthwise", "separable", "local")


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    input: SizeText
    """Input size HxWxC, e.g. 39x39x3 (a 2-D size means one channel)."""
    layers: list[str | dict[str, Any]]
    """Layers in order, e.g. 'conv k=3 n=10 s=1 p=0', 'maxpool k=2', 'flatten', 'dense n=10', 'lstm n=32'."""
    framework: Framework = "pytorch"
    """Count parameters as pytorch or keras does (they differ on recurrent biases and batch norm)."""


def _number(layer: LayerSpec, key: str, where: str) -> int:
    (value,) = parse_dims(layer.get(key), f"{where}: {key}", max_dims=1)
    return value


def _flag(layer: LayerSpec, key: str) -> bool:
    return layer.get(key).lower() not in ("0", "false", "no", "")


@dataclass(frozen=True)
class Layer:
    """A parsed layer: computes its output shape and parameter count from its input shape."""

    spec: LayerSpec
    where: str
    framework: Framework = "pytorch"

    def output(self, shape: Shape) -> tuple[Shape, list[Block]]:
        """The output shape and one line of arithmetic per spatial axis."""
        word, spec, where = self.spec.word, self.spec, self.where
        if word in (*KERNELS, "maxpool", "avgpool", "adaptiveavgpool", "pad") and len(shape) != 3:
            raise InputError(
                f"{where}: {word} needs an HxWxC input, got a vector of {shape[0]}; expected it before flatten"
            )
        if word in KERNELS:
            expected = spec.get("c")
            if expected and int(expected) != shape[2]:
                raise InputError(
                    f"{where}: channel mismatch: the layer expects c={expected} "
                    f"but its input {shape} has {shape[2]} channels"
                )
        if word in ("conv", "depthwise", "separable", "local"):
            return self._windows(shape, self._out_channels(shape[2]), "kernel")
        if word == "convtranspose":
            return self._transposed(shape, self._out_channels(shape[2]))
        if word in ("maxpool", "avgpool"):
            return self._windows(shape, shape[2], "window")
        if word == "pad":
            return self._padded(shape)
        if word == "adaptiveavgpool":
            size = parse_pair(spec.get("o"), f"{where}: o")
            return Shape((*size, shape[2])), []
        if word == "flatten":
            factors = [str(n) for n in shape]
            times = " · ".join(factors), r" \cdot ".join(factors)
            return Shape((prod(shape),)), [Math(f"{times[0]} = {prod(shape)}", f"{times[1]} = {prod(shape)}")]
        if word == "embedding":
            return self._embedded(shape), []
        if word in GATES:
            return self._recurrent(shape), []
        if word == "dense":
            if len(shape) != 1:
                raise InputError(f"{where}: dense needs a flat input, got {shape}; expected flatten before it")
            expected = spec.get("in")
            if expected and int(expected) != shape[0]:
                raise InputError(
                    f"{where}: size mismatch: the layer expects in={expected} but its input has {shape[0]} features"
                )
            return Shape((_number(spec, "n", where),)), []
        return shape, []

    def _padded(self, shape: Shape) -> tuple[Shape, list[Block]]:
        """A padding layer: P cells on each side, whatever fills them (zeros, a mirror, the edge)."""
        spec, where = self.spec, self.where
        padding = parse_pair(spec.get("p"), f"{where}: p")
        require_non_negative(padding, f"{where}: p")
        mode = spec.get("mode").lower()
        if mode not in PAD_MODE_WORDS:
            raise InputError(f"{where}: padding mode {mode!r}; expected one of: {', '.join(PAD_MODE_WORDS)}")
        if mode == "reflect":
            check_reflect_fits(padding, (shape[0], shape[1]), f"{where}: ")
        sizes = [n + 2 * p for n, p in zip(shape[:2], padding, strict=True)]
        lines: list[Block] = [
            Math(f"{n} + 2·{p} = {n + 2 * p}", label=name)
            for n, p, name in zip(shape[:2], padding, ("H", "W"), strict=True)
        ]
        return Shape((*sizes, shape[2])), lines

    def _out_channels(self, channels_in: int) -> int:
        """Output channels of a kernel layer, after checking that its groups divide both sides."""
        spec, where = self.spec, self.where
        if spec.word == "depthwise":
            multiplier = _number(spec, "m", where)
            require_positive((multiplier,), f"{where}: m")
            return channels_in * multiplier
        channels_out = _number(spec, "n", where)
        if spec.word == "separable":  # its 1×1 pointwise step mixes every channel
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
        return Shape((shape[0], units) if _flag(self.spec, "seq") else (units,))

    def _windows(self, shape: Shape, channels: int, what: str) -> tuple[Shape, list[Block]]:
        spec, where = self.spec, self.where
        kernel = parse_pair(spec.get("k"), f"{where}: k")
        stride = kernel if spec.get("s") == "" else parse_pair(spec.get("s"), f"{where}: s")
        dilation = parse_pair(spec.get("d"), f"{where}: d") if "d" in spec.settings else (1, 1)
        for pair, key in ((kernel, "k"), (stride, "s"), (dilation, "d"), ((channels,), "n")):
            require_positive(pair, f"{where}: {key}")
        try:
            pads = padding_per_axis(spec.get("p"), kernel, dilation, stride)
        except InputError as error:
            raise InputError(f"{where}: {error.message}") from None
        ceil = "ceil" in spec.settings and _flag(spec, "ceil")
        sizes: list[int] = []
        lines: list[Block] = []
        for size, k, s, (before, after), d, name in zip(
            shape[:2], kernel, stride, pads, dilation, ("H", "W"), strict=False
        ):
            axis = Axis(size, k, s, before, after, d)
            try:
                check_fits(axis, what, "height" if name == "H" else "width")
            except InputError as error:
                raise InputError(f"{where}: {error.message}") from None
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
        spec, where = self.spec, self.where
        settings = {key: parse_pair(spec.get(key), f"{where}: {key}") for key in ("k", "s", "d", "p", "op")}
        for key in ("k", "s", "d"):
            require_positive(settings[key], f"{where}: {key}")
        require_positive((channels,), f"{where}: n")
        try:
            require_non_negative(settings["p"], "padding")
            check_output_padding(settings["op"], settings["s"], settings["d"])
        except InputError as error:
            raise InputError(f"{where}: {error.message}") from None
        sizes: list[int] = []
        lines: list[Block] = []
        for size, k, s, p, d, extra, name in zip(
            shape[:2], *(settings[key] for key in ("k", "s", "p", "d", "op")), ("H", "W"), strict=False
        ):
            axis = Axis(size, k, s, p, p, d)
            try:
                check_transposed_fits(axis, extra, "height" if name == "H" else "width")
            except InputError as error:
                raise InputError(f"{where}: {error.message}") from None
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
        bias = _flag(spec, "bias") if word in (*KERNELS, "dense", *GATES) else False
        if word == "local":
            return self._local_params(shape, bias)
        if word in KERNELS:
            return self._kernel_params(shape[2], bias)
        if word == "dense":
            n = int(spec.get("n"))
            return shape[0] * n + (n if bias else 0), f"{shape[0]}·{n}" + (f" + {n}" if bias else "")
        if word == "embedding":
            vocabulary, n = int(spec.get("v")), int(spec.get("n"))
            return vocabulary * n, f"{vocabulary}·{n}"
        if word in GATES:
            count = self._recurrent_count(shape, self.framework)
            return count.value, count.text
        if word in ("batchnorm", "layernorm"):
            channels = shape[-1]
            return 2 * channels, f"2·{channels} (scale and shift per {'channel' if len(shape) == 3 else 'feature'})"
        return 0, "0"

    def _local_params(self, shape: Shape, bias: bool) -> tuple[int, str]:
        """A locally connected layer: a kernel of K_h·K_w·C_in weights per filter and a bias per filter
        at each of the OH·OW output positions, nothing shared (Keras' LocallyConnected2D)."""
        kh, kw = parse_pair(self.spec.get("k"), "k")
        height, width, n = self.output(shape)[0]
        positions = height * width
        text = f"{height}·{width}·({kh}·{kw}·{shape[2]}·{n})" + (f" + {height}·{width}·{n}" if bias else "")
        return positions * kh * kw * shape[2] * n + (positions * n if bias else 0), text

    def _kernel_params(self, channels_in: int, bias: bool) -> tuple[int, str]:
        """K_h·K_w·(C_in/groups)·C_out weights and C_out biases; a separable layer adds its 1×1 pointwise step.

        A separable layer's biases belong to its pointwise step only, as Keras counts them.
        """
        kh, kw = parse_pair(self.spec.get("k"), "k")
        groups = self._groups(channels_in)
        if self.spec.word in ("depthwise", "separable"):
            multiplier = int(self.spec.get("m"))
            depthwise = kh * kw * channels_in * multiplier
            text = f"{kh}·{kw}·{channels_in}" + (f"·{multiplier}" if multiplier != 1 else "")
            if self.spec.word == "depthwise":
                count = channels_in * multiplier
                return depthwise + (count if bias else 0), text + (f" + {count}" if bias else "")
            n = int(self.spec.get("n"))
            pointwise = channels_in * multiplier * n
            text += f" + {channels_in * multiplier}·{n}" + (f" + {n}" if bias else "")
            return depthwise + pointwise + (n if bias else 0), text
        n = int(self.spec.get("n"))
        per_filter = f"({channels_in}/{groups})" if groups != 1 else f"{channels_in}"
        text = f"{kh}·{kw}·{per_filter}·{n}" + (f" + {n}" if bias else "")
        return kh * kw * channels_in // groups * n + (n if bias else 0), text

    def non_trainable(self, shape: Shape) -> int:
        """Batch norm's running mean and variance: updated by every batch, never by the gradient."""
        return 2 * shape[-1] if self.spec.word == "batchnorm" else 0

    def difference(self, shape: Shape) -> str | None:
        """What the other framework counts for this layer, and why, where it counts otherwise."""
        word = self.spec.word
        if word == "batchnorm":
            return batchnorm_note(shape[-1])
        if word not in GATES:
            return None
        other: Framework = "keras" if self.framework == "pytorch" else "pytorch"
        count = self._recurrent_count(shape, other)
        if count.value == self._recurrent_count(shape, self.framework).value:
            return None
        return f"{FRAMEWORK_NAMES[other]} counts {count.text} = {count.value:,}: {recurrent_difference(word)}"

    def _recurrent_count(self, shape: Shape, framework: Framework) -> Count:
        spec = self.spec
        reset_after = spec.word == "gru" and _flag(spec, "reset_after")
        return recurrent(spec.word, shape[-1], int(spec.get("n")), framework, _flag(spec, "bias"), reset_after)


def solve(given: Given, title: str | None = None) -> Solution:
    if given.framework not in FRAMEWORK_NAMES:
        known = ", ".join(FRAMEWORK_NAMES)
        raise InputError(f"unknown framework {given.framework!r}; expected one of: {known}", field="framework")
    dims = parse_dims(given.input, "input")
    require_positive(dims, "input")
    shape = Shape(dims if len(dims) == 3 else (dims[0], dims[-1], 1) if len(dims) == 2 else dims)
    if not given.layers:
        raise InputError("expected at least one layer", field="layers")
    require_at_most(len(given.layers), MAX_LAYERS, "the number of layers", "layers")
    layers = [
        Layer(parse_layer(spec, f"layer {i}"), f"layer {i} ({spec})", given.framework)
        for i, spec in enumerate(given.layers, start=1)
    ]
    counted_as = "" if given.framework == "pytorch" else f" (parameters as {FRAMEWORK_NAMES[given.framework]} counts)"
    solution = Solution(KIND, title or f"Shapes and parameters through {len(layers)} layers from {shape}{counted_as}")
    solution.given("input", "input size H×W×C" if len(shape) == 3 else "input length", shape)
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
    previous, total = "input", 0
    param_steps: list[str] = []
    #: The steps whose shapes feed a batch norm layer, for its running statistics.
    normalized: list[str] = []
    for i, layer in enumerate(layers, start=1):
        out, count = f"out{i}", f"params{i}"
        shape_in = solution[previous].value
        new_shape, lines = layer.output(shape_in)
        solution.add(
            Step(
                out,
                f"layer {i}: {layer.spec.label}",
                deps=(previous,),
                compute=lambda s, layer=layer: layer.output(s)[0],
                formula=Template(f"{layer.spec.word}({{{previous}}})"),
                detail=lines,
            )
        )
        params, counted = layer.params(shape_in if layer.reads_input else None)
        if layer.spec.word in PARAMETRIZED:
            solution.add(
                Step(
                    count,
                    f"parameters of layer {i}",
                    deps=(previous,) if layer.reads_input else (),
                    compute=lambda *shape, layer=layer: layer.params(*shape or (None,))[0],
                    formula=Template(counted),
                    note=layer.difference(shape_in),
                )
            )
            param_steps.append(count)
        if layer.non_trainable(shape_in):
            normalized.append(previous)
        total += params
        table.rows.append([i, layer.spec.label, new_shape, params, total])
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
    totals = _totals(solution, normalized, total)
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
        f"Output: {new_shape} (flattened: {prod(new_shape):,})",
    ]
    solution.tables.append(table)
    return solution


def _totals(solution: Solution, normalized: list[str], trainable: int) -> list[str]:
    """The footer's counts; with batch norm, its running statistics as a step and a line apart (as Keras shows)."""
    if not normalized:
        return [f"Total params: {trainable:,}"]
    frozen = sum(2 * solution[name].value[-1] for name in normalized)
    solution.add(
        Step(
            "non_trainable_params",
            "non-trainable parameters: batch norm's running mean and variance",
            deps=tuple(normalized),
            compute=lambda *shapes: sum(2 * s[-1] for s in shapes),
            formula=Template(" + ".join(f"2·{solution[name].value[-1]}" for name in normalized)),
        )
    )
    return [
        f"Total params: {trainable + frozen:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {frozen:,}",
    ]
