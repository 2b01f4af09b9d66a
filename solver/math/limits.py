"""What a problem may ask for: bounds on sizes, counts and work, checked before the work is spent.

Each bound is far above the real exercises (VGG-16 and AlexNet as layer
stacks, a 2048×2048 image convolved from a file, an RNN of 200 steps, an MLP
of 500 units) and far below what would hang the program or exhaust memory.
A problem over a bound is refused with one line that names the bound.
"""

from __future__ import annotations

from solver.graph.errors import InputError

#: Height, width, channels, kernel, stride, padding, units: any one size or setting.
MAX_DIMENSION = 100_000
#: Layers of a conv-stack or an MLP.
MAX_LAYERS = 1_000
#: Units of one MLP layer.
MAX_UNITS = 4_096
#: Time steps of an RNN.
MAX_TIME_STEPS = 1_000
#: Sequences in a batch of an RNN, LSTM or GRU (each worked as its own sequence; their time steps
#: together are within MAX_TIME_STEPS, their work within MAX_RNN_WORK).
MAX_BATCH_SEQUENCES = 100
#: Hidden units of an RNN (BPTT multiplies hidden × hidden Jacobians at every step).
MAX_HIDDEN = 256
#: Time steps × hidden units³ of an RNN: each step's Jacobian is multiplied and its norm taken (an SVD).
MAX_RNN_WORK = 25_000_000
#: Training examples of an MLP.
MAX_EXAMPLES = 10_000
#: Gradient-descent steps of an MLP.
MAX_TRAINING_STEPS = 10_000
#: Examples × epochs of a perceptron's training run (each one five steps on the sheet).
MAX_PERCEPTRON_PASSES = 10_000
#: Training steps × parameter entries of an MLP: every step's gradients, optimizer state and
#: parameters are kept as steps (10,000 steps of a 2-2-2 network; 4 steps of a 500-unit layer).
MAX_TRAINING_WORK = 1_000_000
#: Entries of a normalized or dropped-out batch (examples × features), each worked in the sheet.
MAX_BATCH_ENTRIES = 10_000
#: Multiply-adds of a convolution or comparisons of a pooling (output cells × window cells),
#: and cells of a padded map.
MAX_WINDOW_WORK = 200_000_000


def require_at_most(count: int, limit: int, what: str, field: str | None = None) -> None:
    """Refuse ``count`` over ``limit``: ``the number of layers: 10,000 is over nnsolve's limit of 1,000``."""
    if count > limit:
        raise InputError(f"{what}: {count:,} is over nnsolve's limit of {limit:,}", field=field)
