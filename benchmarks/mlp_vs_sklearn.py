"""The course's reference NumPy MLP against scikit-learn's ``MLPClassifier``, side by side.

The NumPy network is chapter 4's own answer code (``Linear``, ``ReLU``, ``Sequential``,
``softmax_cross_entropy``, ``sgd_step``), obtained through ``course.reference`` and executed
here: not a second copy. Both networks are 64-64-10 with ReLU, trained on scikit-learn's
digits (standardised, the same split) by plain mini-batch SGD: batch size 32, the same
constant learning rate, no momentum, no L2 penalty, the same number of epochs. scikit-learn
trains one epoch per ``partial_fit`` call.

The two engines alternate epoch by epoch (which one goes first alternates too), so a load
change on the shared machine hits both alike; the table reports the median time per epoch
over every epoch of every repeat, the ratio, and the test accuracy after the last epoch
(median over the repeats).

    python benchmarks/mlp_vs_sklearn.py            # 20 epochs, 5 repeats
    python benchmarks/mlp_vs_sklearn.py --quick    # 2 epochs, 1 repeat: a smoke run
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.neural_network import MLPClassifier

from course.reference import reference_code
from utils.datasets import load_digits_split

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_UNITS = 64
N_CLASSES = 10
BATCH_SIZE = 32
LEARNING_RATE = 0.1


def reference_namespace() -> dict:
    """Chapter 4's reference code, executed in a namespace of its own."""
    namespace = {"__name__": "reference_ch04"}
    exec(compile(reference_code(ROOT), "<reference_ch04>", "exec"), namespace)
    return namespace


class NumpyMLP:
    """The reference network 64-64-10 (ReLU), trained one epoch at a time by plain SGD."""

    def __init__(self, ref: dict, n_features: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.model = ref["Sequential"](ref["Linear"](n_features, HIDDEN_UNITS, self.rng), ref["ReLU"](),
                                       ref["Linear"](HIDDEN_UNITS, N_CLASSES, self.rng))
        self.params = self.model.parameters()  # the layers' own arrays, updated in place
        self.loss, self.step = ref["softmax_cross_entropy"], ref["sgd_step"]

    def train_epoch(self, X: np.ndarray, y: np.ndarray) -> None:
        order = self.rng.permutation(len(X))
        for start in range(0, len(X), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            _, dlogits = self.loss(self.model.forward(X[batch]), y[batch])
            self.model.backward(dlogits)
            self.step(self.params, self.model.gradients(), LEARNING_RATE)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.model.forward(X).argmax(axis=1) == y))


class SklearnMLP:
    """scikit-learn's MLPClassifier with the same network and plain SGD, one epoch per call."""

    def __init__(self, seed: int) -> None:
        self.model = MLPClassifier(
            hidden_layer_sizes=(HIDDEN_UNITS,), activation="relu", solver="sgd",
            learning_rate="constant", learning_rate_init=LEARNING_RATE, momentum=0.0,
            nesterovs_momentum=False, alpha=0.0, batch_size=BATCH_SIZE, shuffle=True,
            random_state=seed)

    def train_epoch(self, X: np.ndarray, y: np.ndarray) -> None:
        self.model.partial_fit(X, y, classes=np.arange(N_CLASSES))

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(self.model.score(X, y))


def timed_epoch(engine, X: np.ndarray, y: np.ndarray) -> float:
    start = time.perf_counter()
    engine.train_epoch(X, y)
    return time.perf_counter() - start


def compare(epochs: int, repeats: int) -> dict[str, dict[str, float]]:
    """Median seconds per epoch and median final test accuracy of each engine."""
    X_train, y_train, X_test, y_test = load_digits_split(0)
    ref = reference_namespace()
    seconds = {"numpy": [], "sklearn": []}
    accuracy = {"numpy": [], "sklearn": []}
    for repeat in range(repeats):
        engines = {"numpy": NumpyMLP(ref, X_train.shape[1], seed=repeat), "sklearn": SklearnMLP(seed=repeat)}
        for epoch in range(epochs):
            order = ["numpy", "sklearn"] if (epoch + repeat) % 2 == 0 else ["sklearn", "numpy"]
            for name in order:
                seconds[name].append(timed_epoch(engines[name], X_train, y_train))
        for name, engine in engines.items():
            accuracy[name].append(engine.accuracy(X_test, y_test))
    return {name: {"seconds": float(np.median(seconds[name])), "accuracy": float(np.median(accuracy[name]))}
            for name in seconds}


def report(results: dict[str, dict[str, float]], epochs: int, repeats: int) -> str:
    """A markdown table of the results, and the speed-up."""
    labels = {"numpy": "NumPy reference (chapter 4)", "sklearn": "scikit-learn MLPClassifier"}
    lines = [f"digits, 64-{HIDDEN_UNITS}-{N_CLASSES} ReLU, plain SGD lr={LEARNING_RATE}, batch {BATCH_SIZE}, "
             f"{epochs} epochs x {repeats} repeats",
             "",
             "| engine | median time per epoch (ms) | test accuracy |",
             "|---|---|---|"]
    for name, label in labels.items():
        lines.append(f"| {label} | {1e3 * results[name]['seconds']:.1f} | {results[name]['accuracy']:.1%} |")
    ratio = results["sklearn"]["seconds"] / results["numpy"]["seconds"]
    lines += ["", f"speed-up (scikit-learn time / NumPy time): {ratio:.2f}x"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 epochs, 1 repeat: a smoke run")
    args = parser.parse_args(argv)
    epochs, repeats = (2, 1) if args.quick else (args.epochs, args.repeats)
    with warnings.catch_warnings():
        # A short --quick run stops before scikit-learn's optimiser converges: expected here.
        warnings.filterwarnings("ignore", message=".*Maximum iterations.*")
        results = compare(epochs, repeats)
    print(report(results, epochs, repeats))


if __name__ == "__main__":
    main()
