"""A large image through ``nnsolve conv ... --json`` against a plain NumPy reference.

The reference does the same job the plainest way: load the .npy image, take the
3×3 sliding-window sum of products (``sliding_window_view``), write the map as
JSON.  Both run as fresh processes, alternately, in the same run; the ratio of
the medians is printed for each size (target: at most 2x, goal 1.5x).  The
given image is not echoed back (``--full`` would), so the JSON's size stays
proportional to the map: everything but the arrays is the same size for a
256×256 image and a large one.

    python tests/bench/conv_large.py [--runs 5] [--sizes 1024 2048]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from bench_common import median_times, nnsolve_command, wall_time

KERNEL = "1 0 -1; 2 0 -2; 1 0 -1"

REFERENCE = """
import json, sys
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
image = np.load(sys.argv[1])
kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
feature_map = (sliding_window_view(image, kernel.shape) * kernel).sum(axis=(-2, -1))
sys.stdout.write(json.dumps({"feature_map": feature_map.tolist()}))
"""


def conv_command(image: Path) -> list[str]:
    return [*nnsolve_command(), "conv", str(image), KERNEL, "--json"]


def without_arrays(node: object) -> object:
    """The JSON with every list of numbers replaced by its shape: what must not grow with the image."""
    if isinstance(node, dict):
        return {key: without_arrays(value) for key, value in node.items()}
    if isinstance(node, list) and node and isinstance(node[0], (list, int, float)):
        return list(np.shape(node))
    if isinstance(node, list):
        return [without_arrays(item) for item in node]
    return node


def json_sizes(output: Path, size: int) -> tuple[float, int]:
    """Bytes per map cell, and bytes of everything but the arrays."""
    cells = (size - 2) ** 2
    return output.stat().st_size / cells, len(json.dumps(without_arrays(json.loads(output.read_text()))))


def measure(work: Path, size: int, runs: int, small: Path) -> float:
    image = work / f"image{size}.npy"
    np.save(image, np.random.default_rng(size).random((size, size)))
    ours, reference = work / "nnsolve.json", work / "reference.json"
    reference_command = [sys.executable, "-c", REFERENCE, str(image)]
    medians = median_times({"nnsolve": (conv_command(image), ours), "reference": (reference_command, reference)}, runs)
    ours_map = np.array(json.loads(ours.read_text())["answers"]["feature_map"])
    reference_map = np.array(json.loads(reference.read_text())["feature_map"])
    assert np.allclose(ours_map, reference_map), "nnsolve and the reference disagree"
    ratio = medians["nnsolve"] / medians["reference"]
    print(
        f"nnsolve conv {size}x{size} 3x3 --json: {medians['nnsolve'] * 1000:.0f} ms; NumPy sliding-window reference "
        f"+ json: {medians['reference'] * 1000:.0f} ms (medians of {runs}); ratio {ratio:.2f}x (target <= 2x)"
    )
    per_cell, rest = json_sizes(ours, size)
    small_per_cell, small_rest = json_sizes(small, 256)
    print(
        f"  JSON: {ours.stat().st_size / 1e6:.1f} MB, {per_cell:.1f} bytes per map cell ({small_per_cell:.1f} at "
        f"256x256); everything but the arrays: {rest} bytes ({small_rest} at 256x256)"
    )
    assert abs(rest - small_rest) < 100, "the steps grew with the image"
    assert per_cell < 1.2 * small_per_cell, "the JSON grew faster than the map"
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048])
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        image, small = work / "image256.npy", work / "small.json"
        np.save(image, np.random.default_rng(256).random((256, 256)))
        wall_time(conv_command(image), small)
        ratios = [measure(work, size, options.runs, small) for size in options.sizes]
    return 0 if max(ratios) <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
