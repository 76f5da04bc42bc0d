"""Seeded synthetic data sets and scikit-learn's bundled sets, standardised and split.

Every function takes its randomness from an explicit ``rng`` argument: a
``numpy.random.Generator`` or an int seed (turned into ``np.random.default_rng(seed)``).
The global ``np.random`` state is never touched, so the same seed gives the same data.

Conventions (COURSE_SPEC.md): features are float64 with samples as rows, ``X`` of shape
``(n, d)``; regression targets are float64 of shape ``(n,)``; class labels are int64 in
``[0, K)`` of shape ``(n,)``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = [
    "as_generator",
    "noisy_curve",
    "xor",
    "moons",
    "circles",
    "spirals",
    "blobs",
    "standardize",
    "load_breast_cancer_split",
    "load_digits_split",
]

RandomLike = np.random.Generator | int

# The 1-D targets of `noisy_curve`, all defined on x in [0, 1].
CURVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": lambda x: np.sin(2.0 * np.pi * x),
    "cubic": lambda x: 8.0 * (x - 0.5) ** 3 - (x - 0.5),
    "step": lambda x: np.where(x < 0.5, -0.5, 0.5),
    "bump": lambda x: np.exp(-((x - 0.5) ** 2) / 0.02),
}


def as_generator(rng: RandomLike) -> np.random.Generator:
    """Return ``rng`` if it is a Generator, else ``np.random.default_rng(rng)`` for an int seed.

    ``None`` is refused on purpose: it would give different data on every run.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"expected a numpy.random.Generator or an int seed, got {type(rng).__name__}; "
        "pass for example rng=np.random.default_rng(0)"
    )


def _class_sizes(n: int, n_classes: int) -> np.ndarray:
    """Split ``n`` samples into ``n_classes`` sizes that differ by at most one."""
    if n < 1 or n_classes < 1:
        raise ValueError(f"need n >= 1 and at least one class, got n={n}, n_classes={n_classes}")
    return np.full(n_classes, n // n_classes) + (np.arange(n_classes) < n % n_classes)


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle the rows so the classes are interleaved (generators build them class by class)."""
    order = rng.permutation(len(y))
    return np.ascontiguousarray(X[order], dtype=np.float64), y[order].astype(np.int64)


def noisy_curve(n: int, rng: RandomLike, noise: float = 0.1,
                func: str | Callable[[np.ndarray], np.ndarray] = "sin") -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of a 1-D function on ``[0, 1]``.

    Parameters
    ----------
    n : int
        Number of samples.
    rng : Generator or int
        Source of randomness (or its seed).
    noise : float
        Standard deviation of the Gaussian noise added to the targets.
    func : {"sin", "cubic", "step", "bump"} or callable
        The noiseless target; ``"sin"`` is ``sin(2 pi x)``. A callable maps x to f(x).

    Returns
    -------
    x : ndarray, shape (n,)
        Inputs drawn uniformly in ``[0, 1]`` (unsorted: every sample is drawn the same way).
    y : ndarray, shape (n,)
        ``f(x) + noise * N(0, 1)``.
    """
    rng = as_generator(rng)
    target = func if callable(func) else CURVES[func]
    x = rng.uniform(0.0, 1.0, size=n)
    y = np.asarray(target(x), dtype=np.float64) + noise * rng.standard_normal(n)
    return x, y


def xor(n: int, rng: RandomLike, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clusters at the corners ``(+-1, +-1)``; the label is the XOR of the signs.

    Returns
    -------
    X : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
        1 for the corners (-1, 1) and (1, -1), 0 for the other two.
    """
    rng = as_generator(rng)
    bits = rng.integers(0, 2, size=(n, 2))
    X = (2.0 * bits - 1.0) + noise * rng.standard_normal((n, 2))
    return X, (bits[:, 0] ^ bits[:, 1]).astype(np.int64)


def moons(n: int, rng: RandomLike, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (the shape of scikit-learn's ``make_moons``).

    Returns
    -------
    X : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
        0 for the upper moon, 1 for the lower one; the sizes differ by at most one.
    """
    rng = as_generator(rng)
    n_upper, n_lower = _class_sizes(n, 2)
    t_upper = rng.uniform(0.0, np.pi, size=n_upper)
    t_lower = rng.uniform(0.0, np.pi, size=n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.repeat([0, 1], [n_upper, n_lower])
    return _shuffled(X, y, rng)


def circles(n: int, rng: RandomLike, noise: float = 0.05,
            factor: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (label 0) around a circle of radius ``factor`` (label 1).

    Returns
    -------
    X : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
    """
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must lie in (0, 1), got {factor}")
    rng = as_generator(rng)
    sizes = _class_sizes(n, 2)
    y = np.repeat([0, 1], sizes)
    radius = np.where(y == 0, 1.0, factor)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += noise * rng.standard_normal((n, 2))
    return _shuffled(X, y, rng)


def spirals(n: int, rng: RandomLike, noise: float = 0.05, n_classes: int = 2,
            turns: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms from the origin out to radius 1.

    Arm ``k`` starts at angle ``2 pi k / n_classes`` and winds ``turns`` times around
    the origin as the radius grows (CS231n's spiral data set).

    Returns
    -------
    X : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
        Ints in ``[0, n_classes)``.
    """
    rng = as_generator(rng)
    y = np.repeat(np.arange(n_classes), _class_sizes(n, n_classes))
    radius = rng.uniform(0.05, 1.0, size=n)
    angle = 2.0 * np.pi * (y / n_classes + turns * radius)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += noise * rng.standard_normal((n, 2))
    return _shuffled(X, y, rng)


def blobs(n: int, rng: RandomLike, centers: int | np.ndarray = 3,
          std: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, one class per centre.

    Parameters
    ----------
    centers : int or ndarray, shape (K, d)
        The centres, or how many 2-D centres to draw uniformly in ``[-5, 5]^2``.
    std : float
        Standard deviation of every cluster.

    Returns
    -------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
        The index of each sample's centre; the class sizes differ by at most one.
    """
    rng = as_generator(rng)
    if np.ndim(centers) == 0:
        centers = rng.uniform(-5.0, 5.0, size=(int(centers), 2))
    centers = np.asarray(centers, dtype=np.float64)
    y = np.repeat(np.arange(len(centers)), _class_sizes(n, len(centers)))
    X = centers[y] + std * rng.standard_normal((n, centers.shape[1]))
    return _shuffled(X, y, rng)


def standardize(X_train: np.ndarray, *others: np.ndarray) -> np.ndarray | tuple[np.ndarray, ...]:
    """Standardise with the training set's statistics: ``(X - mean_train) / std_train``.

    The statistics come from ``X_train`` only and are applied unchanged to ``others``
    (validation, test), so no information leaks from the held-out sets. Features that are
    constant in the training set (std 0, like the blank border pixels of digits) are only
    centred.

    Returns
    -------
    ndarray or tuple of ndarray
        The standardised copy of ``X_train`` alone when no ``others`` are given, else the
        tuple ``(X_train, *others)`` standardised (like ``np.atleast_1d``).
    """
    X_train = np.asarray(X_train, dtype=np.float64)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    # A relative threshold: a constant column can get a rounding-size std (~1e-17), not 0.
    std = np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)
    scaled = tuple((np.asarray(X, dtype=np.float64) - mean) / std for X in (X_train, *others))
    return scaled[0] if not others else scaled


def _split_standardised(X: np.ndarray, y: np.ndarray, rng: RandomLike,
                        test_fraction: float) -> tuple[np.ndarray, ...]:
    """Stratified train/test split by scikit-learn, then standardisation with train statistics."""
    from sklearn.model_selection import train_test_split

    # scikit-learn wants a seed, not a Generator: draw one from `rng` so results follow it.
    seed = int(as_generator(rng).integers(0, 2**32 - 1))
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, stratify=y)
    X_train, X_test = standardize(X_train, X_test)
    return X_train, y_train.astype(np.int64), X_test, y_test.astype(np.int64)


def load_breast_cancer_split(rng: RandomLike, test_fraction: float = 0.25) -> tuple[np.ndarray, ...]:
    """scikit-learn's bundled Wisconsin breast-cancer set (569 samples, 30 features), split.

    No download: the data ship with scikit-learn. Labels are 0 (malignant) and 1 (benign).

    Returns
    -------
    X_train, y_train, X_test, y_test
        Standardised features of shapes ``(n_train, 30)`` and ``(n_test, 30)`` (training
        statistics for both) and int labels; the split is stratified and follows ``rng``.
    """
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    return _split_standardised(data.data, data.target, rng, test_fraction)


def load_digits_split(rng: RandomLike, test_fraction: float = 0.25,
                      n_classes: int = 10) -> tuple[np.ndarray, ...]:
    """scikit-learn's bundled 8x8 handwritten digits (1797 samples, 64 pixels), split.

    No download: the data ship with scikit-learn. ``n_classes < 10`` keeps the digits
    ``0 .. n_classes-1`` only.

    Returns
    -------
    X_train, y_train, X_test, y_test
        Standardised pixels of shapes ``(n_train, 64)`` and ``(n_test, 64)`` (training
        statistics for both) and int labels in ``[0, n_classes)``.
    """
    from sklearn.datasets import load_digits

    data = load_digits(n_class=n_classes)
    return _split_standardised(data.data, data.target, rng, test_fraction)
