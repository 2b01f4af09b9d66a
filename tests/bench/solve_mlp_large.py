"""A large dense network through ``nnsolve solve FILE --json`` against a plain NumPy forward/backward.

The network has N inputs, a tanh layer of N units and one linear output, a
half-squared loss and one descent step; its weights are .npy files named in
the problem file (beside it).  The reference loads the same files, computes the
same quantities (pre-activations, activations, loss, error terms, gradients,
updated weights) in NumPy and writes them as JSON.  Both run as fresh
processes, alternately, in the same run; the ratio of the medians is printed
(target: at most 2x).  nnsolve's answers are checked against the reference's.

    python tests/bench/solve_mlp_large.py [--runs 5] [--units 300 500]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml
from bench_common import median_times, nnsolve_command

TARGET = 2.0

REFERENCE = """
import json, sys
import numpy as np
folder = sys.argv[1]
W1, W2 = np.load(folder + "/W1.npy"), np.load(folder + "/W2.npy")
b1, b2, x, y, eta = (np.load(folder + "/given.npz")[k] for k in ("b1", "b2", "x", "y", "eta"))
z1 = W1 @ x + b1
a1 = np.tanh(z1)
z2 = W2 @ a1 + b2
loss = 0.5 * float(((z2 - y) ** 2).sum())
delta2 = z2 - y
delta1 = (W2.T @ delta2) * (1 - a1 ** 2)
gradients = {"dL/dW1": np.outer(delta1, x), "dL/db1": delta1, "dL/dW2": np.outer(delta2, a1), "dL/db2": delta2}
answers = {"z1": z1, "a1": a1, "z2": z2, "loss": loss, "delta2": delta2, "delta1": delta1, **gradients,
           "W1_new": W1 - eta * gradients["dL/dW1"], "b1_new": b1 - eta * delta1,
           "W2_new": W2 - eta * gradients["dL/dW2"], "b2_new": b2 - eta * delta2}
sys.stdout.write(json.dumps({k: np.asarray(v).tolist() for k, v in answers.items()}))
"""


def write_problem(folder: Path, units: int) -> Path:
    rng = np.random.default_rng(units)
    W1, W2 = rng.normal(size=(units, units)) / np.sqrt(units), rng.normal(size=(1, units)) / np.sqrt(units)
    b1, b2, x = rng.normal(size=units), np.array([0.1]), rng.normal(size=units)
    np.save(folder / "W1.npy", W1)
    np.save(folder / "W2.npy", W2)
    np.savez(folder / "given.npz", b1=b1, b2=b2, x=x, y=np.array([0.5]), eta=np.array(0.1))
    given = {
        "x": x.tolist(),
        "y": 0.5,
        "layers": [
            {"weights": "W1.npy", "bias": b1.tolist(), "activation": "tanh"},
            {"weights": "W2.npy", "bias": b2.tolist(), "activation": "linear"},
        ],
        "loss": "half_squared",
        "learning_rate": 0.1,
    }
    problem = folder / "network.yaml"
    problem.write_text(yaml.safe_dump({"kind": "mlp", "title": f"{units} units", "given": given}), encoding="utf-8")
    return problem


def compare(ours: Path, reference: Path) -> None:
    answers, expected = json.loads(ours.read_text())["answers"], json.loads(reference.read_text())
    for name, value in expected.items():
        assert np.allclose(np.ravel(answers[name]), np.ravel(value)), f"nnsolve and the reference disagree on {name}"


def measure(units: int, runs: int) -> float:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        problem = write_problem(folder, units)
        ours, reference = folder / "nnsolve.json", folder / "reference.json"
        solve = [*nnsolve_command(), "solve", str(problem), "--json"]
        medians = median_times(
            {"nnsolve": (solve, ours), "reference": ([sys.executable, "-c", REFERENCE, str(folder)], reference)},
            runs,
            folder,  # the weights' paths work whether they are resolved from the file's folder or the current one
        )
        compare(ours, reference)
    ratio = medians["nnsolve"] / medians["reference"]
    print(
        f"{units} units: nnsolve solve --json {medians['nnsolve'] * 1000:.0f} ms, NumPy reference + json "
        f"{medians['reference'] * 1000:.0f} ms (medians of {runs}): ratio {ratio:.2f}x (target <= {TARGET:g}x)"
    )
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--units", type=int, nargs="+", default=[300, 500])
    options = parser.parse_args()
    ratios = [measure(units, options.runs) for units in options.units]
    return 0 if max(ratios) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
