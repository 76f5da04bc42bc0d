"""Gradient checking with centred finite differences.

``numerical_gradient`` estimates the gradient of a scalar function entry by entry,

    df/dx_i  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),

whose error is O(eps^2) for smooth f. ``relative_error`` compares two gradients on a scale
that does not depend on their size, and ``check_module_gradients`` compares a module's
``backward`` with the numerical gradient of ``sum(forward(x) * dout)`` for a random ``dout``.

How to read a relative error (float64, eps = 1e-6): below 1e-7 the gradient is right;
around 1e-4 look closer; above 1e-2 it is almost surely wrong.

Kinks. A centred difference straddling a point where f is not differentiable is wrong there:
ReLU at 0, ``max``, ``abs``, a hinge. If some input of a ReLU lies within ``eps`` of 0 the
numerical derivative there is about 1/2 while the analytical one is 0 or 1, and the check
reports a large error although ``backward`` is right. Use inputs away from the kinks (for
example shift them away from 0) or look at which entries disagree.

Randomness. The forward pass must be deterministic while the gradient is checked: a dropout
layer in training mode draws a new mask at every call, so check it in ``eval()`` mode or
with its mask held fixed.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_module_gradients"]

_TINY = np.finfo(np.float64).tiny


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """Centred finite-difference gradient of the scalar function ``f`` at ``x``.

    ``x`` is perturbed in place, one entry at a time, so ``f`` may read it directly (a
    closure over a module's parameter array works); every entry is restored exactly
    afterwards.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a number.
    x : ndarray of float64, any shape
        The point; modified during the call and restored before it returns.
    eps : float
        Step of the centred difference.

    Returns
    -------
    ndarray of float64, same shape as ``x``
        ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every entry ``i``.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = f"an array of dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError("numerical_gradient perturbs x in place, so x must be a float64 "
                        f"NumPy array, got {got}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + eps
            f_plus = float(f(x))
            x[index] = original - eps
            f_minus = float(f(x))
        finally:
            x[index] = original  # restore the saved value: adding and subtracting eps may round
        grad[index] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b| / max(|a| + |b|)``: the largest difference on the arrays' scale.

    Returns 0.0 for two zero (or empty) arrays, and ``nan`` if either holds a ``nan``.

    Raises
    ------
    ValueError
        If the shapes differ (a gradient of the wrong shape is a bug of its own).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = np.max(np.abs(a) + np.abs(b))
    return float(np.max(np.abs(a - b)) / max(scale, _TINY))


def _params_and_grads(module: Any) -> tuple[dict, dict]:
    """The parameter and gradient dicts, from ``parameters()``/``gradients()`` if the
    object has them (a ``Sequential``), else from the ``params``/``grads`` attributes."""
    if callable(getattr(module, "parameters", None)) and callable(getattr(module, "gradients", None)):
        return module.parameters(), module.gradients()
    return getattr(module, "params", {}), getattr(module, "grads", {})


def _checked_copy(name: str, analytic: Any, reference: np.ndarray) -> np.ndarray:
    """A float64 copy of a gradient from ``backward``, with a clear error if it is unusable."""
    if analytic is None:
        raise ValueError(f"backward gave no gradient for {name} (got None)")
    analytic = np.array(analytic, dtype=np.float64)
    if analytic.shape != reference.shape:
        raise ValueError(f"the gradient for {name} has shape {analytic.shape}, "
                         f"expected {reference.shape} (the shape of {name} itself)")
    return analytic


def check_module_gradients(module: Any, x: np.ndarray,
                           rng: np.random.Generator | int | None = None,
                           eps: float = 1e-6) -> dict[str, float]:
    """Compare a module's ``backward`` with centred finite differences.

    With a random upstream gradient ``dout`` (shaped like the output), the scalar
    ``L = sum(forward(x) * dout)`` has gradient ``backward(dout)`` with respect to ``x`` and
    ``grads[key]`` with respect to ``params[key]``. Each is compared with the numerical
    gradient of ``L`` (parameters are perturbed in place, then restored).

    Works for any object following the Module protocol of chapter 4: ``forward(x)``,
    ``backward(dout)`` returning the input gradient and filling ``grads`` with the keys and
    shapes of ``params``. An object with ``parameters()`` and ``gradients()`` methods (a
    ``Sequential``) is checked through those; they must return the layers' own arrays.

    Parameters
    ----------
    module : object following the Module protocol
    x : array_like, shape accepted by ``module.forward``
        The input; copied to float64, never modified.
    rng : Generator or int, optional
        Draws ``dout``; defaults to ``np.random.default_rng(0)`` (the global state is
        never used).
    eps : float
        Step of the centred differences.

    Returns
    -------
    dict[str, float]
        Relative errors keyed ``"x"`` for the input gradient and by each parameter name.
        See the module docstring for how to read them, and for kinks such as ReLU at 0.
    """
    rng = np.random.default_rng(0) if rng is None else (
        rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng))
    x = np.array(x, dtype=np.float64)  # a private copy: it is perturbed below
    out = np.asarray(module.forward(x), dtype=np.float64)
    dout = rng.standard_normal(out.shape)

    def loss(_: np.ndarray) -> float:
        return float(np.sum(np.asarray(module.forward(x)) * dout))

    # A copy: a backward that scales its argument in place must not change the loss below.
    dx = _checked_copy("x", module.backward(dout.copy()), x)
    params, grads = _params_and_grads(module)
    analytic = {}
    for key, value in params.items():
        if key not in grads:
            raise ValueError(f"backward did not fill grads[{key!r}]; it must hold one "
                             "gradient per entry of params, with the same keys")
        analytic[key] = _checked_copy(f"params[{key!r}]", grads[key], np.asarray(value))

    errors = {"x": relative_error(dx, numerical_gradient(loss, x, eps))}
    for key, value in params.items():
        errors[key] = relative_error(analytic[key], numerical_gradient(loss, value, eps))
    module.forward(x)  # leave the cache consistent with x, not with the last perturbation
    return errors
