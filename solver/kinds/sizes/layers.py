"""Layer specs of a conv stack, written as the notes and model summaries do.

``conv k=3 n=10 s=1 p=0 [d=1] [g=1] [c=3]``, ``convtranspose k=3 n=10 s=2 p=1 [op=1] [d=1] [g=1] [c=3]``,
``depthwise k=3 [m=1]`` (one filter per channel, ``m`` of them: groups = channels), ``separable k=3 n=64 [m=1]``
(a depthwise then a 1×1 pointwise convolution, as Keras' SeparableConv2D), ``pad p=2 [mode=reflect]``
(zero, reflect or replicate: a border of P cells on each side), ``local k=3 n=64 [s=1] [p=0]`` (locally
connected: a convolution whose weights are not shared, its own kernel and bias at every output position),
``maxpool k=2 [s=2] [p=0] [ceil=1]``, ``avgpool k=2``, ``adaptiveavgpool o=6``, ``flatten``, ``dense n=4096 [in=9216]``,
``globalmaxpool``, ``globalavgpool`` (one number per channel), ``batchnorm``, ``layernorm``,
``embedding v=10000 n=16`` (on an input length T),
``rnn n=32``, ``lstm n=32``, ``gru n=32 [reset_after=1]`` (on T×F; ``seq=1``
returns every step's state, ``bias=0`` none), and the shape-preserving ``relu``, ``sigmoid``, ``tanh``,
``softmax``, ``dropout``.  ``c=`` and ``in=`` state the channels or length a
layer expects; a mismatch with what arrives is an error.

The window layers are 2-D; written with ``1d`` (``conv1d``, ``maxpool1d``, ``convtranspose1d``,
``pad1d``, ``globalmaxpool1d``, ...) or by their Keras names (``conv1d``, ``maxpooling1d``,
``zeropadding1d``, ``globalaveragepooling1d``, ...) they slide along a sequence (length × channels)
instead, and take one number per setting (``pad1d p=2,0`` pads two on the left only; Keras' Conv1D
also takes ``p=causal``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solver.graph.errors import InputError

#: layer word -> the keys it takes, with their defaults (None: required).  ``trainable=0`` freezes a
#: layer's weights (Keras' trainable=False, PyTorch's requires_grad=False): counted as non-trainable.
LAYER_KEYS: dict[str, dict[str, Any]] = {
    "conv": {"k": None, "n": None, "s": 1, "p": 0, "d": 1, "g": 1, "c": "", "bias": 1, "trainable": 1},
    "convtranspose": {
        "k": None,
        "n": None,
        "s": 1,
        "p": 0,
        "op": 0,
        "d": 1,
        "g": 1,
        "c": "",
        "bias": 1,
        "trainable": 1,
    },
    "depthwise": {"k": None, "m": 1, "s": 1, "p": 0, "d": 1, "c": "", "bias": 1, "trainable": 1},
    "separable": {"k": None, "n": None, "m": 1, "s": 1, "p": 0, "d": 1, "c": "", "bias": 1, "trainable": 1},
    "local": {"k": None, "n": None, "s": 1, "p": 0, "c": "", "bias": 1, "trainable": 1},
    "pad": {"p": None, "mode": "zero"},
    "maxpool": {"k": None, "s": "", "p": 0, "ceil": 0},
    "avgpool": {"k": None, "s": "", "p": 0, "ceil": 0},
    "adaptiveavgpool": {"o": None},
    "adaptivemaxpool": {"o": None},
    "globalmaxpool": {},
    "globalavgpool": {},
    "flatten": {},
    "dense": {"n": None, "in": "", "bias": 1, "trainable": 1},
    "batchnorm": {"trainable": 1},
    "layernorm": {"trainable": 1},
    "embedding": {"v": None, "n": None, "trainable": 1},
    "rnn": {"n": None, "seq": 0, "bias": 1, "trainable": 1},
    "lstm": {"n": None, "seq": 0, "bias": 1, "trainable": 1},
    "gru": {"n": None, "seq": 0, "bias": 1, "reset_after": 1, "trainable": 1},
    "relu": {},
    "sigmoid": {},
    "tanh": {},
    "softmax": {},
    "dropout": {"p": 0.5},
}
ALIASES = {
    "linear": "dense",
    "fc": "dense",
    "bn": "batchnorm",
    "ln": "layernorm",
    "simplernn": "rnn",
    "batchnorm1d": "batchnorm",
    "batchnorm2d": "batchnorm",
    "batchnormalization": "batchnorm",
    "layernormalization": "layernorm",
}
#: Window layers: they slide along the height and width, or with ``1d`` along a sequence.
WINDOW_WORDS = (
    "conv",
    "convtranspose",
    "depthwise",
    "separable",
    "local",
    "pad",
    "maxpool",
    "avgpool",
    "adaptiveavgpool",
    "adaptivemaxpool",
    "globalmaxpool",
    "globalavgpool",
)
#: Other names of the window layers (PyTorch's and Keras'), before their ``1d``/``2d`` ending.
WINDOW_ALIASES = {
    "conv": "conv",
    "convtranspose": "convtranspose",
    "deconv": "convtranspose",
    "conv1dtranspose": "convtranspose",
    "conv2dtranspose": "convtranspose",
    "depthwiseconv": "depthwise",
    "separableconv": "separable",
    "locallyconnected": "local",
    "zeropad": "pad",
    "zeropadding": "pad",
    "pool": "maxpool",
    "maxpooling": "maxpool",
    "averagepooling": "avgpool",
    "globalmaxpooling": "globalmaxpool",
    "globalaveragepooling": "globalavgpool",
    **{word: word for word in WINDOW_WORDS},
}


@dataclass
class LayerSpec:
    word: str
    settings: dict[str, str] = field(default_factory=dict)
    text: str = ""
    #: Spatial axes of a window layer: 2 (height, width) or 1 (a sequence's length).
    dims: int = 2

    def get(self, key: str) -> str:
        return self.settings.get(key, str(LAYER_KEYS[self.word][key]))

    @property
    def label(self) -> str:
        return self.text or self.word

    @property
    def name(self) -> str:
        """The layer's word as written for its dimensions: ``conv`` or ``conv1d``."""
        return f"{self.word}1d" if self.dims == 1 else self.word


def layer_word(word: str) -> tuple[str, int]:
    """A layer's word and its spatial dimensions from any of its names: ``MaxPooling1D`` -> (maxpool, 1)."""
    word = word.lower()
    if word in ("conv1dtranspose", "conv2dtranspose"):  # Keras puts the dimensions before "transpose"
        return "convtranspose", int(word[4])
    stem, ending = word[:-2], word[-2:]
    if ending in ("1d", "2d") and stem in WINDOW_ALIASES:
        return WINDOW_ALIASES[stem], int(ending[0])
    if word in WINDOW_ALIASES:
        return WINDOW_ALIASES[word], 2
    return ALIASES.get(word, word), 2


def parse_layer(spec: str | dict[str, Any], where: str) -> LayerSpec:
    """A layer from ``"conv k=3 n=10"`` or ``{type: conv, k: 3, n: 10}``."""
    if isinstance(spec, dict):
        settings = {str(k): str(v) for k, v in spec.items()}
        word = settings.pop("type", "")
        text = " ".join([word] + [f"{k}={v}" for k, v in settings.items()])
    elif isinstance(spec, str) and spec.strip():
        word, *pairs = spec.split()
        settings = {}
        for pair in pairs:
            key, equals, value = pair.partition("=")
            if not equals or not key or not value:
                raise InputError(f"{where}: expected key=value, got {pair!r} in {spec!r}")
            settings[key.lower()] = value
        text = " ".join(spec.split())
    else:
        raise InputError(f"{where}: expected a layer such as 'conv k=3 n=10', got {spec!r}")
    word, dims = layer_word(word)
    if word not in LAYER_KEYS:
        raise InputError(f"{where}: unknown layer {word!r}; expected one of: {', '.join(LAYER_KEYS)}")
    allowed = LAYER_KEYS[word]
    unknown = [k for k in settings if k not in allowed]
    if unknown:
        takes = ", ".join(allowed) or "no settings"
        raise InputError(f"{where}: {word} has no setting {unknown[0]!r}; it takes {takes}")
    missing = [k for k, default in allowed.items() if default is None and k not in settings]
    if missing:
        raise InputError(f"{where}: {word} needs {missing[0]}= (e.g. '{word} {missing[0]}=3')")
    return LayerSpec(word, settings, text, dims)


def is_layer_word(token: str) -> bool:
    return layer_word(token)[0] in LAYER_KEYS


def split_layer_words(tokens: list[str]) -> list[str]:
    """Command-line layers: ``conv k=3 n=10 maxpool k=2`` or one quoted layer per argument."""
    layers: list[str] = []
    for token in " ".join(tokens).split():
        if is_layer_word(token) or not layers or "=" not in token:
            layers.append(token)
        else:
            layers[-1] += " " + token
    return layers
