"""Time of the playground's step callback (budget: the redraw well under 100 ms).

    .venv/bin/python benchmarks/playground_times.py [--repeat 30]

For each engine (scikit-learn's MLPClassifier, and a small NumPy network written in the tests
standing in for the student's), on the default settings (400 points, half for training,
two hidden layers of 4 units, batch size 10): the time of one epoch of training, of the
predictions and losses that follow it, of the PNG redraw (blitted, as the app does; and a
full ``savefig`` draw for comparison), and of the whole step callback.
Prints a Markdown table to paste into benchmarks/RESULTS.md: for each, the median over the
repeats of the process's CPU time, which other jobs on the shared machine hardly change, and
of the wall time, which they inflate (both in ms).
"""
import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' small network

from tests.test_widgets_playground import (  # noqa: E402
    tiny_cross_entropy, tiny_make_model, tiny_sgd)
from utils.widgets import playground  # noqa: E402
from utils.widgets._common import png  # noqa: E402


def milliseconds(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median CPU time and median wall time of ``action`` in ms, after one warm-up call."""
    action()
    cpu, wall = [], []
    for _ in range(repeat):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        action()
        cpu.append(1e3 * (time.process_time() - cpu_start))
        wall.append(1e3 * (time.perf_counter() - wall_start))
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    apps = {"scikit-learn": playground(),
            "student (NumPy)": playground(tiny_make_model, loss=tiny_cross_entropy,
                                          step=tiny_sgd)}
    print("| engine (CPU / wall ms) | epoch | predictions and losses | PNG redraw "
          "| full PNG draw | whole step callback |")
    print("|---|---|---|---|---|---|")
    for name, app in apps.items():
        def train() -> None:
            c = app.controls
            app.engine.train_epoch(app.features_train, app.y_train, c["learning_rate"].value,
                                   c["batch_size"].value, 0.0, app.rng)

        def step() -> None:  # outside a kernel step_epoch does not render: add the PNG
            app.step_epoch()
            app.encode_png(app.figure)

        cells = [milliseconds(action, args.repeat)
                 for action in (train, lambda: app._evaluate(record=False),
                                lambda: app.encode_png(app.figure), lambda: png(app.figure),
                                step)]
        print(f"| {name} | " + " | ".join(f"{cpu:.1f} / {wall:.1f}" for cpu, wall in cells)
              + " |")


if __name__ == "__main__":
    main()
