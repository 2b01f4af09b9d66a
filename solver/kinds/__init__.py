"""Problem kinds: the registry, and one folder per family (a family's whole story in one place).

``sizes/`` (conv-size, pool-size, conv-stack), ``maps/`` (conv, pool, cell by cell),
``dense/`` (neuron, mlp, loss, perceptron, softmax, svm, vae, symbolic mode), ``recurrent/`` (rnn, lstm, gru),
``derive/`` (derive: expressions in declared symbols), ``norm/`` (batchnorm, layernorm, dropout), ``circuits/``
(graph: an expression worked gate by gate).  A kind module defines

* ``KIND``: its name in problem files (``kind: conv-size``);
* ``Given``: a dataclass of its data, validated by the file loader (the
  attribute docstrings become the JSON Schema's descriptions);
* ``solve(given, title=None) -> Solution``.

Modules are imported only when their kind is used, so that a command pays
only for what it needs.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from solver.graph.errors import InputError

#: pydantic settings for every ``Given`` dataclass: unknown fields are errors,
#: attribute docstrings describe the fields in the JSON Schema, infinities and NaN are not numbers.
GIVEN_CONFIG = {"extra": "forbid", "use_attribute_docstrings": True, "allow_inf_nan": False}

#: kind name -> module under ``solver.kinds``
KINDS: dict[str, str] = {
    "conv-size": "sizes.conv_size",
    "pool-size": "sizes.pool_size",
    "conv-stack": "sizes.conv_stack",
    "conv": "maps.conv",
    "pool": "maps.pool",
    "conv-transpose": "maps.transpose",
    "pad": "maps.pad",
    "conv1d": "maps.conv1d",
    "pool1d": "maps.pool1d",
    "neuron": "dense.neuron",
    "mlp": "dense.mlp",
    "loss": "dense.loss",
    "perceptron": "dense.perceptron",
    "softmax": "dense.softmax",
    "svm": "dense.svm",
    "vae": "dense.vae",
    "rnn": "recurrent.rnn",
    "lstm": "recurrent.lstm",
    "gru": "recurrent.gru",
    "derive": "derive.derivation",
    "batchnorm": "norm.batchnorm",
    "layernorm": "norm.layernorm",
    "dropout": "norm.dropout",
    "graph": "circuits.graph",
}


def kind_module(kind: str) -> ModuleType:
    if kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise InputError(f"unknown kind {kind!r}; expected one of: {known}", field="kind")
    return importlib.import_module(f"solver.kinds.{KINDS[kind]}")
