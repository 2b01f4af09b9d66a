"""A 1024×1024 image through ``nnsolve conv ... --json`` against a plain NumPy reference.

The reference does the same job the plainest way: load the .npy image, take the
3×3 sliding-window sum of products (``sliding_window_view``), write the map as
JSON.  Both run as fresh processes, alternately, in the same run; the ratio of
the medians is printed (target: at most 2x).  Then the JSON's size is checked
to stay proportional to the map: everything but the arrays is the same size
for a 256×256 and a 1024×1024 image.

    python tests/bench/conv_large.py [--runs 5] [--size 1024]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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


def run(command: list[str], output: Path) -> float:
    start = time.perf_counter()
    with output.open("w") as sink:
        subprocess.run(command, check=True, stdout=sink)
    return time.perf_counter() - start


def nnsolve_command(image: Path) -> list[str]:
    beside = Path(sys.executable).with_name("nnsolve")
    nnsolve = str(beside) if beside.exists() else shutil.which("nnsolve")
    if nnsolve is None:
        sys.exit("nnsolve is not installed in this environment")
    return [nnsolve, "conv", str(image), KERNEL, "--json"]


def without_arrays(node: object) -> object:
    """The JSON with every list of numbers replaced by its shape: what must not grow with the image."""
    if isinstance(node, dict):
        return {key: without_arrays(value) for key, value in node.items()}
    if isinstance(node, list) and node and isinstance(node[0], (list, int, float)):
        return list(np.shape(node))
    if isinstance(node, list):
        return [without_arrays(item) for item in node]
    return node


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=1024)
    options = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        sizes = {}
        for size in (256, options.size):
            image = work / f"image{size}.npy"
            np.save(image, rng.random((size, size)))
            sizes[size] = image
        big = sizes[options.size]
        ours, reference = work / "nnsolve.json", work / "reference.json"
        times: dict[str, list[float]] = {"nnsolve": [], "reference": []}
        run(nnsolve_command(big), ours), run([sys.executable, "-c", REFERENCE, str(big)], reference)  # warm caches
        for _ in range(options.runs):  # alternate, so that machine load hits both alike
            times["nnsolve"].append(run(nnsolve_command(big), ours))
            times["reference"].append(run([sys.executable, "-c", REFERENCE, str(big)], reference))
        ours_map = np.array(json.loads(ours.read_text())["answers"]["feature_map"])
        reference_map = np.array(json.loads(reference.read_text())["feature_map"])
        assert np.allclose(ours_map, reference_map), "nnsolve and the reference disagree"
        ours_median, reference_median = statistics.median(times["nnsolve"]), statistics.median(times["reference"])
        print(
            f"nnsolve conv {options.size}x{options.size} 3x3 --json: {ours_median * 1000:.0f} ms "
            f"(median of {options.runs})"
        )
        print(f"NumPy sliding-window reference + json: {reference_median * 1000:.0f} ms (median of {options.runs})")
        print(f"ratio: {ours_median / reference_median:.2f}x (target <= 2x)")

        small_out = work / "small.json"
        run(nnsolve_command(sizes[256]), small_out)
        cells = {256: 254 * 254, options.size: (options.size - 2) ** 2}
        per_cell = {256: small_out.stat().st_size / cells[256], options.size: ours.stat().st_size / cells[options.size]}
        rest = {
            256: len(json.dumps(without_arrays(json.loads(small_out.read_text())))),
            options.size: len(json.dumps(without_arrays(json.loads(ours.read_text())))),
        }
        print(
            f"JSON: {ours.stat().st_size / 1e6:.1f} MB, {per_cell[options.size]:.1f} bytes per map cell "
            f"({per_cell[256]:.1f} at 256x256); everything but the arrays: {rest[options.size]} bytes "
            f"({rest[256]} at 256x256)"
        )
        assert abs(rest[options.size] - rest[256]) < 100, "the steps grew with the image"
        assert per_cell[options.size] < 1.2 * per_cell[256], "the JSON grew faster than the map"


if __name__ == "__main__":
    main()
