# %% [markdown]
# # Chapter 5 — Activations and initialisation
#
# Chapter 4 trained networks of two or three layers with ReLUs and sigmoids, and they learned.
# Stack ten or twenty layers and the same recipe can stall: the loss barely moves, the first
# layers hardly change. Whether a deep network trains at all depends, long before the
# optimiser, on two choices made before the first step: the **activation** between the layers
# and the **scale of the initial weights**. This chapter measures their effect, layer by layer.
#
# **Goals.** By the end of this notebook you will have written, from NumPy alone:
#
# 1. the activations `tanh`, `relu`, `leaky_relu`, `gelu` and their derivatives `tanh_grad`,
#    `sigmoid_grad`, `relu_grad`, `leaky_relu_grad`, `gelu_grad`, all **stable**: no overflow,
#    `nan` or warning for inputs up to $10^3$ in size, the course's meaning of stable and what
#    the hidden tests try ($\pm 1000$ and entries of size $10^3$). The formulas below, which
#    exponentiate only $-|z|$, hold for every float, as chapter 4's `Sigmoid` does;
# 2. `init_weights`, five initialisation schemes with their exact variances;
# 3. `activation_stats` and `gradient_norms`, which push data forward and gradients backward
#    through a deep network and report each layer's statistics;
#
# and you will see saturation and the bound $\sigma' \le 1/4$ that makes sigmoid networks
# forget their first layers, why zero initialisation keeps every hidden unit identical, where
# the variances $1/d_\text{in}$ and $2/d_\text{in}$ come from (and why "Xavier" means different
# things in different papers and libraries), why inputs are standardised, and what batch
# normalisation does to each layer's pre-activations.
#
# **What the lecture said.** Backpropagation multiplies, at every layer, by the activation's
# derivative and by a weight matrix. A product of many factors smaller than one vanishes, a
# product of many factors larger than one explodes. Good activations have a derivative close
# to 1 where the data lies; good initialisations choose the weights' variance so that the
# signal keeps its scale from layer to layer, forwards and backwards.
#
# **Notation** (chapter 4's). Samples are rows.
#
# | symbol | code | shape | meaning |
# |---|---|---|---|
# | $n$ | `n_samples` | | samples in the batch |
# | $d_\text{in}$, $d_\text{out}$ | `fan_in`, `fan_out` | | inputs and outputs of a layer |
# | $W^l$ | `W` | `(fan_in, fan_out)` | weights of layer $l$ (biases are zero here) |
# | $Z^l = A^{l-1} W^l$ | `z` | `(n, width)` | pre-activations of layer $l$ |
# | $A^l = f(Z^l)$, $A^0 = X$ | | `(n, width)` | activations of layer $l$ |
# | $f$, $f'$ | `relu`, `relu_grad`, … | shape of `z` | an activation and its derivative, entrywise |
# | $\Phi$, $\varphi$ | | | the standard normal CDF and density |
#
# **How to work.** Run the first cells, then go down the notebook. Each answer lives in its own
# cell, where `raise NotImplementedError()` marks the place of your code; the cell after it
# holds *visible* tests. Hidden tests check exact values and edge cases (one sample, one unit,
# inputs of size $10^3$) when the notebook is graded. Your code must not modify its inputs,
# must not print warnings, and must draw random numbers only from the `rng` it is given.

# %% nbgrader={"locked": true, "grade_id": "setup"}
import numpy as np
import matplotlib.pyplot as plt
from scipy.special import erf

from utils.checks import (check_close, check_dtype, check_equal, check_finite, check_raises,
                          check_shape, check_true, check_unchanged)
from utils.plotting import figures_off_while_grading, plot_histograms
from utils.widgets import activation_explorer, show

figures_off_while_grading()  # the grader looks at test results, not figures: skip drawing

plt.rcParams["figure.figsize"] = (6.4, 3.6)

# %% nbgrader={"locked": true, "grade_id": "reference_ch04"}
# chapter 4's reference layers: written here by `python -m course sync`

# %% [markdown]
# The cell above holds chapter 4's answers (`Linear`, `ReLU`, `Sigmoid`, `Sequential`,
# `softmax_cross_entropy`, `mse_loss`, `sgd_step`), read-only. Its `Sigmoid` layer computes
# $\sigma(z) = 1/(1+e^{-z})$ stably; this chapter calls it as `sigmoid(z)`:

# %% nbgrader={"locked": true, "grade_id": "given_sigmoid"}
def sigmoid(z):
    """σ(z) = 1 / (1 + exp(-z)), entrywise and stable: chapter 4's Sigmoid layer."""
    return Sigmoid().forward(np.asarray(z, dtype=np.float64))


# %% [markdown]
# ## 1. Activations and their derivatives
#
# Every activation acts entrywise. Backpropagation needs its derivative at the
# pre-activation $z$: $\bar Z = \bar A \odot f'(Z)$. Five functions, each with a reason to exist.
#
# **Sigmoid**, $\sigma(z) = 1/(1+e^{-z})$, with $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$. Its
# output lies in $(0, 1)$ and is never centred on zero. Compute the derivative stably: for
# $z = -1000$, $e^{-z}$ overflows. Since $\sigma'$ is even, $\sigma'(z) = \sigma'(-|z|)$, and
# with $e = e^{-|z|} \le 1$,
#
# $$\sigma'(z) = \frac{e}{(1+e)^2},\qquad e = e^{-|z|} .$$
#
# (Using the stable `sigmoid` above, `sigmoid(z) * (1 - sigmoid(z))` is right too.)
#
# **Tanh**, $\tanh z = \dfrac{e^{z} - e^{-z}}{e^{z} + e^{-z}} = 2\sigma(2z) - 1$: a sigmoid
# stretched to $(-1, 1)$ and centred on zero, with $\tanh'(z) = 1 - \tanh^2 z$. Written with
# $e = e^{-2|z|}$ it never overflows: $\tanh z = \operatorname{sign}(z)\,\dfrac{1 - e}{1 + e}$.
# Write it from exponentials (you may compare with `np.tanh`).

# %% nbgrader={"solution": true, "grade_id": "tanh"}
def tanh(z):
    """Hyperbolic tangent, entrywise, stable: no overflow, nan or warning for inputs up to 1e3.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        ``(e^z − e^−z) / (e^z + e^−z)``, with no overflow warning at ``z = ±1000`` (the tests
        try ``±1000`` and entries of size 1e3; the form with ``e^(−2|z|)`` holds for every
        float).
        Calling ``np.tanh`` is allowed (the tests accept it); writing it from exponentials,
        as above, is the exercise.
    """
    ### BEGIN SOLUTION
    e = np.exp(-2.0 * np.abs(z))  # in (0, 1]: never overflows
    return np.sign(z) * (1.0 - e) / (1.0 + e)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_tanh_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

out = tanh(np.array([[0.0, np.log(2.0)], [-np.log(2.0), 1.0]]))
check_shape("tanh of shape (2, 2)", out, (2, 2), hint="entrywise: the output has the input's shape")
check_dtype("tanh(z)", out)
check_close("tanh([[0, log 2], [-log 2, 1]])", out, [[0.0, 0.6], [-0.6, np.tanh(1.0)]],
            hint="tanh(log 2) = (2 − 1/2) / (2 + 1/2) = 0.6; tanh is odd")

# %% nbgrader={"grade": true, "grade_id": "test_tanh_hidden", "points": 2}
# Hidden tests of tanh: exact values on fresh inputs of several shapes, inputs of size 1e3
# (no warning, no nan), and inputs left unchanged.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_shape, check_true, check_unchanged

rng = np.random.default_rng(5101)
for shape, scale in [((1,), 1.0), ((1, 1), 0.5), ((7, 3), 2.0), ((5, 4), 1e3), ((40,), 20.0)]:
    z = scale * rng.normal(size=shape)
    z.flat[0] = 0.0
    if z.size > 2:
        z.flat[1:3] = [1000.0, -1000.0]
    z_before = z.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = tanh(z)
    check_true(f"tanh on inputs of size {scale:g}", len(caught) == 0, "no warning",
               hint="e^z overflows at z = 1000: write tanh with e^(−2|z|) "
                    f"(warning seen: {caught[0].message if caught else ''})")
    check_shape(f"tanh of shape {shape}", out, shape)
    check_close(f"tanh of shape {shape}, inputs of size {scale:g}", out, np.tanh(z_before),
                rtol=1e-9, atol=1e-12, hint="(e^z − e^−z) / (e^z + e^−z), odd, in (−1, 1)")
    check_unchanged(f"z after tanh, shape {shape}", z_before, z)
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "tanh_grad"}
def tanh_grad(z):
    """Derivative of tanh at ``z``, entrywise.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations (the input of tanh, not its output).

    Returns
    -------
    ndarray, shape of ``z``
        ``1 − tanh(z)²``; stable (no warning at ``z = ±1000``).
    """
    ### BEGIN SOLUTION
    t = tanh(z)
    return 1.0 - t * t
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_tanh_grad_visible", "points": 1}
from utils.checks import check_close, check_shape

g = tanh_grad(np.array([0.0, np.log(2.0), -np.log(2.0)]))
check_shape("tanh_grad of shape (3,)", g, (3,))
check_close("tanh_grad([0, log 2, −log 2])", g, [1.0, 0.64, 0.64],
            hint="1 − tanh(z)²: tanh(log 2) = 0.6, so 1 − 0.36 = 0.64")

# %% nbgrader={"grade": true, "grade_id": "test_tanh_grad_hidden", "points": 2}
# Hidden tests of tanh_grad: exact values on fresh inputs, saturation at ±1000 (no warning),
# and inputs left unchanged.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_shape, check_true, check_unchanged

rng = np.random.default_rng(5201)
for shape, scale in [((1,), 1.0), ((6, 2), 1.5), ((4, 5), 1e3), ((30,), 8.0)]:
    z = scale * rng.normal(size=shape)
    z.flat[0] = 0.0
    if z.size > 2:
        z.flat[1:3] = [1000.0, -1000.0]
    z_before = z.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = tanh_grad(z)
    check_true(f"tanh_grad on inputs of size {scale:g}", len(caught) == 0, "no warning",
               hint="cosh(1000) overflows: use 1 − tanh(z)² with your stable tanh "
                    f"(warning seen: {caught[0].message if caught else ''})")
    check_shape(f"tanh_grad of shape {shape}", g, shape)
    check_close(f"tanh_grad of shape {shape}, inputs of size {scale:g}", g,
                1.0 - np.tanh(z_before) ** 2, rtol=1e-8, atol=1e-12,
                hint="1 − tanh(z)²: square tanh(z), and take tanh of the input first")
    check_unchanged(f"z after tanh_grad, shape {shape}", z_before, z)
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "sigmoid_grad"}
def sigmoid_grad(z):
    """Derivative of the logistic sigmoid at ``z``, entrywise.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        ``σ(z)(1 − σ(z))``, stable: no overflow warning and no nan at ``z = ±1000``.
    """
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(z))  # σ' is even: σ'(z) = σ'(−|z|) = e / (1 + e)²
    return e / (1.0 + e) ** 2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_grad_visible", "points": 1}
from utils.checks import check_close, check_shape

g = sigmoid_grad(np.array([[0.0, np.log(3.0), -np.log(3.0)]]))
check_shape("sigmoid_grad of shape (1, 3)", g, (1, 3))
check_close("sigmoid_grad([[0, log 3, −log 3]])", g, [[0.25, 0.1875, 0.1875]],
            hint="σ(z)(1 − σ(z)): σ(0) = 1/2 and σ(log 3) = 3/4")

# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_grad_hidden", "points": 2}
# Hidden tests of sigmoid_grad: exact values on fresh inputs, inputs of size 1e3 (no warning,
# no nan), the value 1/4 at 0 (within a relative 1e-8: e/(1 + e)² may round an ulp above 1/4
# near 0), and inputs left unchanged.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_shape, check_true, check_unchanged

rng = np.random.default_rng(5301)
for shape, scale in [((1,), 1.0), ((1, 1), 3.0), ((5, 4), 2.0), ((3, 3), 1e3), ((25,), 40.0)]:
    z = scale * rng.normal(size=shape)
    z.flat[0] = 0.0
    if z.size > 2:
        z.flat[1:3] = [1000.0, -1000.0]
    z_before = z.copy()
    e = np.exp(-np.abs(z_before))
    expected = e / (1.0 + e) ** 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = sigmoid_grad(z)
    check_true(f"sigmoid_grad on inputs of size {scale:g}", len(caught) == 0, "no warning",
               hint="exp(−z) overflows at z = −1000: use exp(−|z|), or a stable sigmoid "
                    f"(warning seen: {caught[0].message if caught else ''})")
    check_shape(f"sigmoid_grad of shape {shape}", g, shape)
    check_close(f"sigmoid_grad of shape {shape}, inputs of size {scale:g}", g, expected,
                rtol=1e-8, atol=1e-14, hint="σ(z)(1 − σ(z)) of the input z, at most 1/4 (at z = 0)")
    check_unchanged(f"z after sigmoid_grad, shape {shape}", z_before, z)
### END HIDDEN TESTS

# %% [markdown]
# **ReLU**, $\max(z, 0)$, with derivative $1$ for $z > 0$ and $0$ for $z < 0$; at $z = 0$ we
# take **0**, as in chapter 4. It does not saturate for $z > 0$, and it is cheap. But a unit
# whose pre-activation is negative on every sample passes no gradient at all (a "dead" ReLU).
#
# **Leaky ReLU**, $z$ for $z > 0$ and $\alpha z$ otherwise (default $\alpha = 0.01$): a small
# slope on the negative side keeps some gradient flowing. Its derivative is $1$ for $z > 0$
# and $\alpha$ for $z \le 0$ (at $0$ we take $\alpha$, the left slope, as for ReLU).

# %% nbgrader={"solution": true, "grade_id": "relu"}
def relu(z):
    """Rectified linear unit, entrywise ``max(z, 0)``.

    Parameters
    ----------
    z : ndarray of float or int, any shape

    Returns
    -------
    ndarray of float64, shape of ``z`` (float64 for an int ``z`` too; a new array: ``z`` is
    not modified)
    """
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_relu_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

out = relu(np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 0.25]]))
check_shape("relu of shape (2, 3)", out, (2, 3), hint="entrywise max(z, 0), not a max over an axis")
check_dtype("relu(z)", out)
check_close("relu([[-2, 0, 3], [1.5, -0.5, 0.25]])", out, [[0.0, 0.0, 3.0], [1.5, 0.0, 0.25]],
            hint="negative entries become 0, the others stay")

# %% nbgrader={"grade": true, "grade_id": "test_relu_hidden", "points": 2}
# Hidden tests of relu: exact values on fresh inputs of several shapes (with exact zeros and
# entries of size 1e3), and inputs left unchanged.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_dtype, check_shape, check_unchanged

rng = np.random.default_rng(5401)
for shape, scale in [((1,), 1.0), ((1, 1), 1.0), ((6, 5), 1.0), ((4, 3), 1e3), ((30,), 2.0)]:
    z = scale * rng.normal(size=shape)
    z.flat[::3] = 0.0
    z_before = z.copy()
    out = relu(z)
    check_shape(f"relu of shape {shape}", out, shape, hint="entrywise: np.maximum(z, 0), not np.max")
    check_dtype(f"relu of shape {shape}", out)
    check_close(f"relu of shape {shape}, inputs of size {scale:g}", out,
                np.where(z_before > 0, z_before, 0.0), rtol=0, atol=0, hint="max(z, 0) entrywise")
    check_unchanged(f"z after relu, shape {shape}", z_before, z,
                    hint="return a new array; do not set the negative entries of z to 0 in place")

z_int = np.array([[-3, 0, 2], [5, -1, 7]])
out = relu(z_int)
check_dtype("relu of an int array", out, hint="float64 for an int input too: compare with 0.0, not 0")
check_close("relu([[-3, 0, 2], [5, -1, 7]]) (ints)", out, [[0.0, 0.0, 2.0], [5.0, 0.0, 7.0]], rtol=0, atol=0)
check_unchanged("the int array z after relu", np.array([[-3, 0, 2], [5, -1, 7]]), z_int)

# No negative entry: the result must still be a new array, so that writing to it leaves z alone.
z_pos = np.array([[0.5, 2.0], [0.0, 3.0]])
out = relu(z_pos)
out[...] = -1.0
check_unchanged("z = [[0.5, 2], [0, 3]] after writing into relu(z)", np.array([[0.5, 2.0], [0.0, 3.0]]), z_pos,
                hint="return a new array even when z has no negative entry (not z itself, not a view of it)")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "relu_grad"}
def relu_grad(z):
    """Derivative of ReLU at ``z``, entrywise: 1 where ``z > 0``, else 0 (0 at ``z = 0``).

    Parameters
    ----------
    z : ndarray of float or int, any shape

    Returns
    -------
    ndarray of float64 (not bool), shape of ``z``
    """
    ### BEGIN SOLUTION
    return (z > 0).astype(np.float64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_relu_grad_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

g = relu_grad(np.array([-2.0, 0.5, 3.0]))
check_shape("relu_grad of shape (3,)", g, (3,))
check_dtype("relu_grad(z)", g, hint="return floats (e.g. (z > 0).astype(float)), not booleans")
check_close("relu_grad([-2, 0.5, 3])", g, [0.0, 1.0, 1.0], hint="1 where z > 0, 0 elsewhere")

# %% nbgrader={"grade": true, "grade_id": "test_relu_grad_hidden", "points": 2}
# Hidden tests of relu_grad: exact values on fresh inputs (with exact zeros, where the
# derivative is taken as 0), entries of size 1e3 (no warning), inputs left unchanged.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_dtype, check_shape, check_true, check_unchanged

rng = np.random.default_rng(5501)
for shape, scale in [((1,), 1.0), ((1, 1), 1.0), ((6, 5), 1.0), ((4, 3), 1e3), ((30,), 2.0)]:
    z = scale * rng.normal(size=shape)
    z.flat[::3] = 0.0
    z_before = z.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = relu_grad(z)
    check_true(f"relu_grad of shape {shape}", len(caught) == 0, "no warning",
               hint="compare z with 0; do not divide by z")
    check_shape(f"relu_grad of shape {shape}", g, shape)
    check_dtype(f"relu_grad of shape {shape}", g)
    check_close(f"relu_grad of shape {shape} (zeros in the input)", g, (z_before > 0) * 1.0,
                rtol=0, atol=0, hint="1 where z > 0 and 0 elsewhere: the derivative at exactly 0 is 0, not 1")
    check_unchanged(f"z after relu_grad, shape {shape}", z_before, z)

g = relu_grad(np.array([[-3, 0, 2], [5, -1, 7]]))
check_dtype("relu_grad of an int array", g, hint="float64 for an int input too")
check_close("relu_grad([[-3, 0, 2], [5, -1, 7]]) (ints)", g, [[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]], rtol=0, atol=0)
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "leaky_relu"}
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU, entrywise: ``z`` where ``z > 0``, ``alpha * z`` elsewhere.

    Parameters
    ----------
    z : ndarray of float or int, any shape
    alpha : float, 0 <= alpha < 1
        Slope of the negative side.

    Returns
    -------
    ndarray of float64, shape of ``z`` (float64 for an int ``z`` too)
    """
    ### BEGIN SOLUTION
    return np.where(z > 0, z, alpha * z)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_leaky_relu_visible", "points": 1}
from utils.checks import check_close, check_shape

out = leaky_relu(np.array([-2.0, 0.0, 3.0]))
check_shape("leaky_relu of shape (3,)", out, (3,))
check_close("leaky_relu([-2, 0, 3]) with the default alpha = 0.01", out, [-0.02, 0.0, 3.0],
            hint="z where z > 0, alpha * z elsewhere")
check_close("leaky_relu([-2, 0, 3], alpha=0.5)", leaky_relu(np.array([-2.0, 0.0, 3.0]), alpha=0.5),
            [-1.0, 0.0, 3.0], hint="use the alpha argument, not a fixed 0.01")

# %% nbgrader={"grade": true, "grade_id": "test_leaky_relu_hidden", "points": 2}
# Hidden tests of leaky_relu: exact values on fresh inputs for several slopes alpha (and the
# default), entries of size 1e3, int inputs, and inputs left unchanged.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_dtype, check_shape, check_unchanged

rng = np.random.default_rng(5601)
for shape, scale, alpha in [((1,), 1.0, 0.2), ((1, 1), 1.0, None), ((6, 5), 1.0, 0.1),
                            ((4, 3), 1e3, None), ((30,), 2.0, 0.0), ((8,), 3.0, 0.3)]:
    z = scale * rng.normal(size=shape)
    z.flat[::4] = 0.0
    z_before = z.copy()
    slope = 0.01 if alpha is None else alpha
    out = leaky_relu(z) if alpha is None else leaky_relu(z, alpha=alpha)
    case = f"leaky_relu of shape {shape}, alpha = {slope:g}" + (" (the default)" if alpha is None else "")
    check_shape(case, out, shape)
    check_close(case, out, np.where(z_before > 0, z_before, slope * z_before), rtol=1e-12, atol=0,
                hint="positive entries unchanged, negative ones times alpha (the slope is on the negative side)")
    check_unchanged(f"z after {case}", z_before, z)

z_int = np.array([[-3, 0, 2], [5, -1, 7]])
out = leaky_relu(z_int, alpha=0.5)
check_dtype("leaky_relu of an int array", out, hint="float64 for an int input too (alpha * z is not an int)")
check_close("leaky_relu([[-3, 0, 2], [5, -1, 7]], alpha=0.5) (ints)", out, [[-1.5, 0.0, 2.0], [5.0, -0.5, 7.0]],
            rtol=1e-15, atol=0)
check_unchanged("the int array z after leaky_relu", np.array([[-3, 0, 2], [5, -1, 7]]), z_int)
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "leaky_relu_grad"}
def leaky_relu_grad(z, alpha=0.01):
    """Derivative of leaky ReLU at ``z``, entrywise: 1 where ``z > 0``, ``alpha`` elsewhere
    (``alpha`` at ``z = 0``).

    Parameters
    ----------
    z : ndarray of float or int, any shape
    alpha : float, 0 <= alpha < 1

    Returns
    -------
    ndarray of float64, shape of ``z`` (float64 for an int ``z`` too)
    """
    ### BEGIN SOLUTION
    return np.where(z > 0, 1.0, alpha)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_leaky_relu_grad_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

g = leaky_relu_grad(np.array([-2.0, 0.5, 3.0]))
check_shape("leaky_relu_grad of shape (3,)", g, (3,))
check_dtype("leaky_relu_grad(z)", g)
check_close("leaky_relu_grad([-2, 0.5, 3])", g, [0.01, 1.0, 1.0], hint="1 where z > 0, alpha elsewhere")

# %% nbgrader={"grade": true, "grade_id": "test_leaky_relu_grad_hidden", "points": 2}
# Hidden tests of leaky_relu_grad: exact values on fresh inputs for several slopes (and the
# default), exact zeros (derivative alpha there), and inputs left unchanged.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_dtype, check_shape, check_unchanged

rng = np.random.default_rng(5701)
for shape, scale, alpha in [((1,), 1.0, 0.2), ((1, 1), 1.0, None), ((6, 5), 1.0, 0.1),
                            ((4, 3), 1e3, None), ((30,), 2.0, 0.0), ((8,), 3.0, 0.3)]:
    z = scale * rng.normal(size=shape)
    z.flat[::3] = 0.0
    z_before = z.copy()
    slope = 0.01 if alpha is None else alpha
    g = leaky_relu_grad(z) if alpha is None else leaky_relu_grad(z, alpha=alpha)
    case = f"leaky_relu_grad of shape {shape}, alpha = {slope:g}" + (" (the default)" if alpha is None else "")
    check_shape(case, g, shape, hint="one derivative per entry of z, even where all are equal")
    check_dtype(case, g)
    check_close(case, g, np.where(z_before > 0, 1.0, slope), rtol=0, atol=1e-15,
                hint="1 where z > 0, alpha where z <= 0 (alpha at exactly 0)")
    check_unchanged(f"z after {case}", z_before, z)

g = leaky_relu_grad(np.array([[-3, 0, 2], [5, -1, 7]]), alpha=0.5)
check_dtype("leaky_relu_grad of an int array", g, hint="float64 for an int input too")
check_close("leaky_relu_grad([[-3, 0, 2], [5, -1, 7]], alpha=0.5) (ints)", g, [[0.5, 0.5, 1.0], [1.0, 0.5, 1.0]],
            rtol=0, atol=1e-15)
### END HIDDEN TESTS

# %% [markdown]
# **GELU** (Hendrycks & Gimpel, 2016; the activation of BERT and GPT), $z\,\Phi(z)$: the input
# times the probability that a standard normal variable is below it. A smooth ReLU that dips
# slightly below zero for negative $z$. With $\Phi(z) = \tfrac12\big(1 + \operatorname{erf}(z/\sqrt2)\big)$
# and the density $\varphi(z) = e^{-z^2/2}/\sqrt{2\pi}$, the product rule gives
#
# $$\operatorname{gelu}(z) = \tfrac12 z\big(1 + \operatorname{erf}(z/\sqrt2)\big),\qquad
#   \operatorname{gelu}'(z) = \Phi(z) + z\,\varphi(z).$$
#
# We want the **exact** form: `erf` is imported from `scipy.special` in the first cell. (Many
# libraries also offer the approximation $\tfrac12 z(1 + \tanh(\sqrt{2/\pi}(z + 0.044715 z^3)))$;
# it differs from the exact GELU by up to about $5 \times 10^{-4}$.)

# %% nbgrader={"solution": true, "grade_id": "gelu"}
def gelu(z):
    """Gaussian error linear unit, exact form, entrywise.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        ``0.5 z (1 + erf(z / √2)) = z Φ(z)``; no warning at ``z = ±1000``.
    """
    ### BEGIN SOLUTION
    return 0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gelu_visible", "points": 1}
from utils.checks import check_close, check_shape

out = gelu(np.array([0.0, 1.0, -1.0]))
check_shape("gelu of shape (3,)", out, (3,))
check_close("gelu([0, 1, −1])", out, [0.0, 0.8413447460685429, -0.15865525393145707],
            hint="z Φ(z) with Φ(1) = 0.841344746..., exact (erf), not the tanh approximation")

# %% nbgrader={"grade": true, "grade_id": "test_gelu_hidden", "points": 2}
# Hidden tests of gelu: exact values (the erf form) on fresh inputs of several shapes, inputs
# of size 1e3 (no warning, no nan), and inputs left unchanged.
### BEGIN HIDDEN TESTS
import warnings
from scipy.special import erf as exact_erf
from utils.checks import check_close, check_shape, check_true, check_unchanged

rng = np.random.default_rng(5801)
for shape, scale in [((1,), 1.0), ((1, 1), 2.0), ((6, 4), 1.5), ((3, 4), 1e3), ((40,), 3.0)]:
    z = scale * rng.normal(size=shape)
    z.flat[0] = 0.0
    if z.size > 2:
        z.flat[1:3] = [1000.0, -1000.0]
    z_before = z.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = gelu(z)
    check_true(f"gelu on inputs of size {scale:g}", len(caught) == 0, "no warning",
               hint=f"warning seen: {caught[0].message if caught else ''}")
    check_shape(f"gelu of shape {shape}", out, shape)
    check_close(f"gelu of shape {shape}, inputs of size {scale:g}", out,
                0.5 * z_before * (1.0 + exact_erf(z_before / np.sqrt(2.0))), rtol=1e-9, atol=1e-12,
                hint="the exact 0.5 z (1 + erf(z / √2)): erf of z/√2 (not of z), not the tanh approximation")
    check_unchanged(f"z after gelu, shape {shape}", z_before, z)
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "gelu_grad"}
def gelu_grad(z):
    """Derivative of the exact GELU at ``z``, entrywise.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        ``Φ(z) + z φ(z)``, with ``Φ(z) = (1 + erf(z/√2))/2`` and
        ``φ(z) = exp(−z²/2)/√(2π)``; no warning at ``z = ±1000``.
    """
    ### BEGIN SOLUTION
    cdf = 0.5 * (1.0 + erf(z / np.sqrt(2.0)))
    density = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    return cdf + z * density
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gelu_grad_visible", "points": 1}
from utils.checks import check_close, check_shape

g = gelu_grad(np.array([0.0, 1.0]))
check_shape("gelu_grad of shape (2,)", g, (2,))
check_close("gelu_grad(0)", g[0], 0.5, hint="Φ(0) = 1/2, and the term z φ(z) vanishes at 0")
check_close("gelu_grad(1)", g[1], 0.8413447460685429 + 0.24197072451914337,
            hint="Φ(1) + 1 · φ(1): do not forget the z φ(z) term of the product rule")

# %% nbgrader={"grade": true, "grade_id": "test_gelu_grad_hidden", "points": 2}
# Hidden tests of gelu_grad: exact values on fresh inputs of several shapes, inputs of size
# 1e3 (no warning, no nan), agreement with finite differences of gelu, inputs left unchanged.
### BEGIN HIDDEN TESTS
import warnings
from scipy.special import erf as exact_erf
from utils.checks import check_close, check_shape, check_true, check_unchanged

rng = np.random.default_rng(5901)
for shape, scale in [((1,), 1.0), ((1, 1), 2.0), ((6, 4), 1.5), ((3, 4), 1e3), ((40,), 3.0)]:
    z = scale * rng.normal(size=shape)
    z.flat[0] = 0.0
    if z.size > 2:
        z.flat[1:3] = [1000.0, -1000.0]
    z_before = z.copy()
    expected = (0.5 * (1.0 + exact_erf(z_before / np.sqrt(2.0)))
                + z_before * np.exp(-0.5 * z_before ** 2) / np.sqrt(2.0 * np.pi))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = gelu_grad(z)
    check_true(f"gelu_grad on inputs of size {scale:g}", len(caught) == 0, "no warning",
               hint=f"warning seen: {caught[0].message if caught else ''}")
    check_shape(f"gelu_grad of shape {shape}", g, shape)
    check_close(f"gelu_grad of shape {shape}, inputs of size {scale:g}", g, expected, rtol=1e-9,
                atol=1e-12, hint="Φ(z) + z φ(z), with φ(z) = exp(−z²/2) / √(2π)")
    check_unchanged(f"z after gelu_grad, shape {shape}", z_before, z)

z = np.linspace(-4.0, 4.0, 17)
eps = 1e-6
gelu_exact = lambda v: 0.5 * v * (1.0 + exact_erf(v / np.sqrt(2.0)))
check_close("gelu_grad against centred differences of the exact GELU", gelu_grad(z),
            (gelu_exact(z + eps) - gelu_exact(z - eps)) / (2 * eps), rtol=1e-6, atol=1e-8,
            hint="differentiate z Φ(z) with the product rule")
### END HIDDEN TESTS

# %% [markdown]
# All five side by side, with their derivatives, and a check of each derivative against
# centred finite differences (away from the kinks of ReLU and leaky ReLU at 0). The cell below
# collects them in `ACTIVATIONS`, name → (function, derivative), used for the rest of the
# chapter.

# %% nbgrader={"locked": true, "grade_id": "given_activations"}
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "gelu": (gelu, gelu_grad),
}

# %%
z = np.linspace(-4.0, 4.0, 401)
fig, (ax_f, ax_g) = plt.subplots(1, 2, figsize=(11, 3.8))
for name, (f, f_grad) in ACTIVATIONS.items():
    ax_f.plot(z, f(z), label=name)
    ax_g.plot(z, f_grad(z), label=name)
ax_f.set(title="activations f(z)", xlabel="z", ylim=(-1.5, 4))
ax_g.set(title="derivatives f'(z)", xlabel="z")
ax_g.axhline(0.25, color="grey", ls=":", lw=1)
ax_g.annotate("σ' ≤ 1/4", (2.2, 0.28), color="grey")
ax_f.legend(fontsize="small")
plt.show()

z_check = np.concatenate([np.linspace(-4.0, -0.1, 20), np.linspace(0.1, 4.0, 20)])  # away from 0
eps = 1e-6
for name, (f, f_grad) in ACTIVATIONS.items():
    numeric = (f(z_check + eps) - f(z_check - eps)) / (2 * eps)
    print(f"{name:10s} max |f'(z) − finite difference| = {np.abs(f_grad(z_check) - numeric).max():.1e}")

# %% [markdown]
# ## 2. Saturation and the vanishing gradient
#
# Where $|z|$ is large, sigmoid and tanh are flat: they **saturate**, and their derivative is
# almost zero. A saturated unit barely changes its output whatever its weights do, so it
# barely learns. Worse, the sigmoid's derivative is small *everywhere*:
#
# $$\sigma'(z) = \sigma(z)(1-\sigma(z)) \le \tfrac14,$$
#
# since $p(1-p) \le \tfrac14$ for every $p \in [0,1]$ (equality at $p = \tfrac12$, i.e.
# $z = 0$). Backpropagation through $L$ layers multiplies
#
# $$\bar A^{0} = \bar A^{L}\,\mathrm{diag}(f'(Z^L))\,W^{L\top}\cdots\mathrm{diag}(f'(Z^1))\,W^{1\top},$$
#
# (for one sample, a row), one factor $f'$ per layer. Here $\bar A^{l} = \partial\ell/\partial A^{l}$
# is the gradient of the loss with respect to layer $l$'s output, so $\bar A^{L}$ is the gradient
# with respect to the network's output and $\bar A^{0}$ the one with respect to its input, after
# $L$ sigmoid layers. Each diagonal factor has norm at most $\max_z \sigma'(z) = \tfrac14$ (reached
# only at $z = 0$), so when the weight matrices have spectral norm at most 1,
# $\lVert\bar A^{0}\rVert \le 4^{-L}\,\lVert\bar A^{L}\rVert$: after 10 layers,
# $4^{-10} \approx 10^{-6}$. This is an upper bound, not the rate: any unit away from $z = 0$ has
# $\sigma' < \tfrac14$, and the gradient shrinks faster. Larger weights loosen the bound, but they
# push the units into saturation, where $\sigma'$ is smaller still (see the question below). Tanh's derivative reaches 1 at 0, ReLU's is exactly 1 on the
# positive side: they do not carry this built-in factor.
#
# A chain of scalar units makes it concrete: $a_l = f(w\,a_{l-1})$ with $w = 1$, and the
# derivative $\partial a_L/\partial a_0$ by the chain rule.

# %%
depths = np.arange(1, 21)
fig, ax = plt.subplots(figsize=(7, 3.8))
for name in ("sigmoid", "tanh", "relu", "gelu"):
    f, f_grad = ACTIVATIONS[name]
    a, derivative, chain = np.array([0.5]), 1.0, []
    for _ in depths:
        z_l = 1.0 * a
        derivative *= f_grad(z_l)[0] * 1.0  # times w = 1
        a = f(z_l)
        chain.append(derivative)
    ax.semilogy(depths, chain, "o-", ms=3, label=name)
ax.semilogy(depths, 0.25 ** depths, "k:", label="bound (1/4)^L for sigmoid")
ax.set(xlabel="number of layers L", ylabel="|∂a_L / ∂a_0|", title="a chain of scalar units, w = 1")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# **Question (2 points).** (a) Show that $\sigma'(z) \le 1/4$ for every $z$, and say where the
# bound is reached. (b) Take one sample through $L$ sigmoid layers, $A^l = \sigma(A^{l-1}W^l)$
# (no biases), whose weight matrices all have spectral norm at most $s$. Give an upper bound on
# $\lVert\bar A^0\rVert$, the Euclidean norm of the loss gradient with respect to the input,
# as a function of $s$, $L$ and $\lVert\bar A^L\rVert$ (the norm of the gradient with respect
# to the last layer's output), valid for every input and every such weights. How large must
# $s$ be for this bound not to shrink with depth, and why does making the weights that large
# not rescue sigmoid networks?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_vanishing_gradient", "points": 2}
# **Model answer.** (a) $\sigma'(z) = p(1-p)$ with $p = \sigma(z) \in (0,1)$, and
# $p(1-p) = \tfrac14 - (p - \tfrac12)^2 \le \tfrac14$, with equality only at $p = \tfrac12$,
# i.e. $z = 0$. (b) Each layer maps $\bar A^{l} \mapsto \bar A^{l}\mathrm{diag}(\sigma'(Z^l))W^{l\top}$;
# the diagonal factor has norm $\le \tfrac14$ and $W^{l\top}$ norm $\le s$, so
# $\|\bar A^0\| \le (s/4)^L \|\bar A^L\|$. The bound stays put only if $s \ge 4$. But large
# weights give large pre-activations, where $\sigma$ saturates and $\sigma'(z) \ll \tfrac14$:
# the product of the diagonal factors then falls even faster, so the gradient still vanishes
# (and the forward signal is squashed to 0 or 1).
# 2 points: (a) $p(1-p) \le 1/4$, reached at $z=0$ (1); (b) $(s/4)^L$, and saturation for large
# weights (1).

# %% [markdown]
# ## 3. Why not start from zero? Symmetry
#
# If every weight starts at the same value (zero, say), every hidden unit of a layer computes
# the same function of the input, receives the same gradient, and takes the same step: the
# units stay **identical** for ever, and a layer of 16 units is worth one. Random
# initialisation breaks this symmetry. Below, a 1–16–1 network of sigmoids (chapter 4's layers)
# learns a curve twice: once from zero weights, once from random ones.

# %%
rng = np.random.default_rng(0)
x_curve = np.linspace(-3.0, 3.0, 80)[:, None]
y_curve = np.sin(1.5 * x_curve) + 0.3 * x_curve


def fit_curve(zero_init, steps=1500, lr=0.1):
    """A 1-16-1 sigmoid network trained by full-batch SGD on the curve; returns it and its losses."""
    net = Sequential(Linear(1, 16, rng), Sigmoid(), Linear(16, 1, rng))
    params = net.parameters()
    if zero_init:
        for key in params:
            params[key][...] = 0.0
    losses = []
    for _ in range(steps):
        loss, dpred = mse_loss(net.forward(x_curve), y_curve)
        net.backward(dpred)
        sgd_step(params, net.gradients(), lr)
        losses.append(loss)
    return net, np.array(losses)


nets = {"zero initialisation": fit_curve(True), "random initialisation": fit_curve(False)}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
ax1.plot(x_curve, y_curve, "k", lw=3, alpha=0.3, label="target")
for name, (net, losses) in nets.items():
    ax1.plot(x_curve, net.forward(x_curve), label=name)
    ax2.semilogy(losses, label=name)
    W1 = net.parameters()["0.W"]
    print(f"{name:22s}: final loss {losses[-1]:.4f}; the 16 hidden units' input weights span "
          f"[{W1.min():+.4f}, {W1.max():+.4f}]")
ax1.set(xlabel="x", ylabel="y", title="fits after 1500 steps")
ax1.legend(fontsize="small")
ax2.set(xlabel="step", ylabel="training MSE", title="training loss")
ax2.legend(fontsize="small")
plt.show()

# %% [markdown]
# From zero, all 16 hidden units keep exactly the same weights (the range above has width
# 0): the network can only draw one sigmoid, scaled and shifted. Random weights give 16
# different units and a good fit. Symmetry is broken by the *randomness*, but the *scale* of
# that randomness matters just as much, as the next sections show.
#
# ## 4. The scale of the initial weights
#
# Take one layer $z_j = \sum_{i=1}^{d_\text{in}} a_i W_{ij}$, with weights drawn independently,
# mean 0 and variance $v$, independent of the inputs $a_i$. Then
#
# $$\operatorname{Var}(z_j) = d_\text{in}\, v\, \mathbb E[a_i^2].$$
#
# The forward signal keeps its scale if $d_\text{in} v\,\mathbb E[a^2] = \operatorname{Var}(z)$
# of the previous layer:
#
# * for an activation close to the identity near 0 (tanh, and the linear case):
#   $\mathbb E[a^2] \approx \operatorname{Var}(z)$, so $v = 1/d_\text{in}$ (**LeCun**, 1998);
# * for ReLU, half of the units are zero: $\mathbb E[\mathrm{relu}(z)^2] = \tfrac12\operatorname{Var}(z)$
#   for a symmetric $z$, so $v = 2/d_\text{in}$ (**He** et al., 2015, also called **Kaiming**);
# * the backward pass multiplies by $W^\top$ and asks for $v = 1/d_\text{out}$ instead;
#   **Glorot and Bengio** (2010) compromise with $v = 2/(d_\text{in} + d_\text{out})$.
#
# **Names, and the confusion around "Xavier".** This course pins its names; with
# $d_\text{in}$ = `fan_in`, $d_\text{out}$ = `fan_out`:
#
# | our `scheme` | distribution | also called |
# |---|---|---|
# | `"zeros"` | all weights 0 | |
# | `"small"` | $\mathcal N(0, 0.01^2)$ | the "0.01 × randn" of early tutorials |
# | `"lecun"` | $\mathcal N(0, 1/d_\text{in})$ | LeCun normal; chapter 4's `Linear` |
# | `"xavier"` | $\mathcal N(0, 2/(d_\text{in}+d_\text{out}))$ | Glorot normal; PyTorch `xavier_normal_` |
# | `"he"` | $\mathcal N(0, 2/d_\text{in})$ | He / Kaiming normal (fan-in mode) |
#
# Elsewhere the same names mean other things. Glorot and Bengio's paper proposed a
# **uniform** distribution, $\mathcal U[-a, a]$ with $a = \sqrt{6/(d_\text{in}+d_\text{out})}$
# (the same variance as our `"xavier"`, which draws the normal, since
# $a^2/3 = 2/(d_\text{in}+d_\text{out})$), which is
# what Keras's default `glorot_uniform` and PyTorch's `xavier_uniform_` draw. Caffe's filler
# named `"xavier"` uses only the fan-in by default, variance $1/d_\text{in}$: LeCun's scale under
# Glorot's name, and many papers that say "Xavier initialisation" mean that. PyTorch's `nn.Linear`
# default is none of these: $\mathcal U[-1/\sqrt{d_\text{in}}, 1/\sqrt{d_\text{in}}]$, variance
# $1/(3d_\text{in})$. And "He" can use the fan-out (Kaiming's `mode="fan_out"`) or a uniform
# draw. When a paper says "Xavier" or "He", check the distribution and the fan it means.
#
# `init_weights` draws every scheme from the `rng` it is given. **Variance is not standard
# deviation**: $\mathcal N(0, 2/d_\text{in})$ has standard deviation $\sqrt{2/d_\text{in}}$,
# so draw `np.sqrt(2 / fan_in) * rng.standard_normal(shape)` or
# `rng.normal(0.0, np.sqrt(2 / fan_in), shape)`.

# %% nbgrader={"solution": true, "grade_id": "init_weights"}
def init_weights(fan_in, fan_out, scheme, rng):
    """Initial weight matrix of a layer with ``fan_in`` inputs and ``fan_out`` outputs.

    Parameters
    ----------
    fan_in, fan_out : int
        ``d_in`` and ``d_out``.
    scheme : str
        ``"zeros"``: all zeros; ``"small"``: N(0, 0.01²); ``"lecun"``: N(0, 1/fan_in);
        ``"xavier"``: N(0, 2/(fan_in + fan_out)); ``"he"``: N(0, 2/fan_in). The second
        argument of N is the **variance**. Any other name raises ``ValueError``.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    W : ndarray of float64, shape (fan_in, fan_out)
    """
    ### BEGIN SOLUTION
    variances = {"small": 0.01 ** 2, "lecun": 1.0 / fan_in, "xavier": 2.0 / (fan_in + fan_out),
                 "he": 2.0 / fan_in}
    if scheme == "zeros":
        return np.zeros((fan_in, fan_out))
    if scheme not in variances:
        raise ValueError(f"unknown scheme {scheme!r}: choose 'zeros' or one of {sorted(variances)}")
    return np.sqrt(variances[scheme]) * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_init_weights_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_raises, check_shape

rng = np.random.default_rng(0)
W = init_weights(3, 2, "he", rng)
check_shape('init_weights(3, 2, "he", rng)', W, (3, 2), hint="shape (fan_in, fan_out), so that Z = A @ W")
check_dtype('init_weights(3, 2, "he", rng)', W)
check_close('init_weights(4, 5, "zeros", rng)', init_weights(4, 5, "zeros", rng), np.zeros((4, 5)),
            rtol=0, atol=0)
W = init_weights(1000, 200, "he", rng)
check_close('standard deviation of init_weights(1000, 200, "he", rng)', W.std(), np.sqrt(2 / 1000),
            rtol=0.05, hint="N(0, 2/fan_in) has standard deviation sqrt(2/fan_in)")
check_raises('init_weights(3, 2, "uniform", rng)', lambda: init_weights(3, 2, "uniform", rng), ValueError,
             hint="raise ValueError for a scheme you do not know")

# %% nbgrader={"grade": true, "grade_id": "test_init_weights_hidden", "points": 3}
# Hidden tests of init_weights: each scheme's mean, variance and normal shape on a large draw
# (statistics, so any order of drawing passes), shapes, the rng as the only source of
# randomness, and ValueError for unknown schemes.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_dtype, check_equal, check_raises, check_shape, check_true

fan_in, fan_out = 500, 200
n_weights = fan_in * fan_out
variances = {"small": 1e-4, "lecun": 1 / fan_in, "xavier": 2 / (fan_in + fan_out), "he": 2 / fan_in}
hints = {"small": "N(0, 0.01²): standard deviation 0.01",
         "lecun": "N(0, 1/fan_in): standard deviation sqrt(1/fan_in)",
         "xavier": "N(0, 2/(fan_in + fan_out)): both fans, standard deviation sqrt(2/(fan_in + fan_out))",
         "he": "N(0, 2/fan_in): standard deviation sqrt(2/fan_in), twice LeCun's variance"}
for scheme, variance in variances.items():
    W = init_weights(fan_in, fan_out, scheme, np.random.default_rng(6101))
    case = f'init_weights({fan_in}, {fan_out}, "{scheme}", rng)'
    check_shape(case, W, (fan_in, fan_out), hint="shape (fan_in, fan_out)")
    check_dtype(case, W)
    # The sample variance of N normal draws has relative standard deviation sqrt(2/N) ≈ 0.0045.
    check_close(f"variance of {case}", W.var(), variance, rtol=0.03, atol=0,
                hint=hints[scheme] + " (the second argument of N is the variance)")
    check_close(f"mean of {case}", W.mean(), 0.0, atol=6 * np.sqrt(variance / n_weights),
                hint="a centred distribution")
    # The fraction of the N weights beyond k standard deviations is binomial, of standard
    # deviation sqrt(p(1 − p)/N): 6.6e-4 at k = 2, 1.6e-4 at k = 3; the tolerance is 6 of those.
    # A uniform draw of the same variance has nothing beyond 1.74σ, a normal clipped at 3σ nothing
    # beyond 3σ.
    for k, tail in [(2, 0.0455), (3, 0.0027)]:
        beyond = np.mean(np.abs(W) > k * np.sqrt(variance))
        check_close(f"fraction of {case} beyond {k} standard deviations", beyond, tail, rtol=0,
                    atol=6 * np.sqrt(tail * (1 - tail) / n_weights),
                    hint=f"draw from a normal distribution ({100 * tail:.2g} % of it lies beyond {k} standard "
                         "deviations), not a uniform or clipped one of the same variance")
    again = init_weights(fan_in, fan_out, scheme, np.random.default_rng(6101))
    check_equal(f"{case} twice with the same seed", again, W,
                hint="draw from the rng argument only (never np.random.*), so that a seed fixes the result")
    other = init_weights(fan_in, fan_out, scheme, np.random.default_rng(6102))
    check_true(f"{case} with two different seeds", not np.array_equal(other, W),
               "different weights for different seeds", hint="draw from rng")

for shape in [(1, 1), (3, 7), (9, 2)]:
    for scheme in ("zeros", "small", "lecun", "xavier", "he"):
        W = init_weights(*shape, scheme, np.random.default_rng(6103))
        check_shape(f'init_weights({shape[0]}, {shape[1]}, "{scheme}", rng)', W, shape,
                    hint="shape (fan_in, fan_out)")
        check_dtype(f'init_weights({shape[0]}, {shape[1]}, "{scheme}", rng)', W)
    check_close(f'init_weights({shape[0]}, {shape[1]}, "zeros", rng)',
                init_weights(*shape, "zeros", np.random.default_rng(6103)), np.zeros(shape), rtol=0, atol=0)
for unknown in ("kaiming", "glorot", "uniform", "", "He_uniform"):
    check_raises(f'init_weights(3, 2, "{unknown}", rng)',
                 lambda: init_weights(3, 2, unknown, np.random.default_rng(6104)), ValueError,
                 hint="any scheme other than the five names raises ValueError (not KeyError, not a default)")
### END HIDDEN TESTS

# %% [markdown]
# **Question (2 points).** (a) Where does the factor 2 of He's variance $2/d_\text{in}$ come
# from? (b) A colleague writes "we used Xavier initialisation", with $d_\text{in} = 256$,
# $d_\text{out} = 64$. Glorot's uniform and normal draws both have the variance
# $2/(d_\text{in}+d_\text{out})$: give it, and say which of the two our
# `init_weights(…, "xavier", rng)` draws. Then name a distribution called "Xavier" elsewhere
# whose variance differs, and give that variance.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_init_names", "points": 2}
# **Model answer.** (a) $\operatorname{Var}(z) = d_\text{in} v\,\mathbb E[a^2]$. With ReLU and a
# pre-activation symmetric around 0, half of the mass is set to 0 and
# $\mathbb E[\mathrm{relu}(z)^2] = \tfrac12 \mathbb E[z^2]$. To keep $\operatorname{Var}(z)$
# from layer to layer, $d_\text{in} v \cdot \tfrac12 = 1$, so $v = 2/d_\text{in}$: the 2 makes
# up for the half of the units that ReLU switches off.
# (b) Glorot's $2/(d_\text{in}+d_\text{out}) = 2/320 = 1/160 \approx 0.00625$, the same for the
# normal $\mathcal N(0, 1/160)$ and the uniform $\mathcal U[-a, a]$ with
# $a = \sqrt{6/320} \approx 0.137$ (the original paper, Keras's default); our `"xavier"` draws
# the **normal** one (PyTorch `xavier_normal_`). A different variance: Caffe's "xavier",
# $1/d_\text{in} = 1/256 \approx 0.0039$ (LeCun's scale under Glorot's name).
# 2 points: (a) half of the units are zero, $\mathbb E[\mathrm{relu}(z)^2] = \operatorname{Var}(z)/2$
# (1); (b) $1/160$ for both of Glorot's draws and ours the normal one, and Caffe's $1/256$ (1).

# %% [markdown]
# ## 5. Layer by layer through a deep network
#
# Now a deep network: `depth` layers of `width` units, $Z^l = A^{l-1}W^l$ and
# $A^l = f(Z^l)$, zero biases, inputs $A^0 = X$ standard normal of shape `(n_samples, width)`,
# each $W^l$ of shape `(width, width)` drawn by `init_weights`. The cell below gives the
# forward pass, which you may use; it returns the lists of pre-activations and activations.
# (Its option `batch_norm` is for section 7.)

# %% nbgrader={"locked": true, "grade_id": "given_forward_pass"}
def forward_pass(X, weights, f, batch_norm=False, eps=1e-5):
    """Push ``X`` through layers ``Z = A @ W`` (zero biases), ``A = f(Z)``.

    Parameters
    ----------
    X : ndarray, shape (n, width)
        The input ``A⁰``.
    weights : list of ndarray, each (width, width)
        ``W¹, …, W^depth``.
    f : callable
        The activation, entrywise.
    batch_norm : bool
        Standardise each unit's pre-activations over the batch before ``f``:
        ``(Z − mean) / sqrt(var + eps)`` (batch normalisation at initialisation: scale 1, shift 0).

    Returns
    -------
    pre_activations, activations : lists of ndarray, each (n, width), ``Z¹…`` and ``A¹…``
        (``activations`` does not include ``X``).
    """
    pre_activations, activations, A = [], [], X
    for W in weights:
        Z = A @ W
        if batch_norm:
            Z = (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + eps)
        A = f(Z)
        pre_activations.append(Z)
        activations.append(A)
    return pre_activations, activations


# %% [markdown]
# `activation_stats` reports, for each layer, the mean and the standard deviation of its
# activations $A^l$, over all `n_samples × width` entries (NumPy's `mean` and `std`, the
# population standard deviation). Use the `rng` for everything random: the inputs and every
# layer's weights (draw each layer's weights with `init_weights(width, width, scheme, rng)`).

# %% nbgrader={"solution": true, "grade_id": "activation_stats"}
def activation_stats(depth, width, activation, scheme, rng, n_samples=1000):
    """Mean and standard deviation of every layer's activations in a deep network.

    The network: inputs ``X`` standard normal of shape ``(n_samples, width)``; ``depth``
    layers, ``Z = A @ W`` with ``W = init_weights(width, width, scheme, rng)`` drawn layer by
    layer, zero biases, and ``A = f(Z)`` with ``f = ACTIVATIONS[activation][0]`` after every
    layer (the last one included).

    Parameters
    ----------
    depth, width : int
    activation : str
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"`` or ``"gelu"``.
    scheme : str
        An ``init_weights`` scheme.
    rng : numpy.random.Generator
        Draws the inputs and the weights, in any order you like (inputs first or weights
        first): the tests compare statistics, never particular draws.
    n_samples : int

    Returns
    -------
    stats : ndarray of float64, shape (depth, 2)
        ``stats[l] = (mean, std)`` of the activations ``A`` of layer ``l + 1`` (row 0 is the
        first layer's output, not the input), over all its entries; ``std`` is ``np.std``
        (``ddof=0``).
    """
    ### BEGIN SOLUTION
    f = ACTIVATIONS[activation][0]
    X = rng.standard_normal((n_samples, width))
    weights = [init_weights(width, width, scheme, rng) for _ in range(depth)]
    _, activations = forward_pass(X, weights, f)
    return np.array([[A.mean(), A.std()] for A in activations])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_activation_stats_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape, check_true

stats = activation_stats(4, 16, "relu", "he", np.random.default_rng(0), n_samples=200)
check_shape('activation_stats(4, 16, "relu", "he", rng, n_samples=200)', stats, (4, 2),
            hint="one row (mean, std) per layer")
check_dtype("activation_stats(...)", stats)
check_true("means of ReLU activations", bool(np.all(stats[:, 0] > 0)), "positive means",
           hint="statistics of the activations relu(Z), not of the pre-activations Z")
zeros = activation_stats(3, 8, "sigmoid", "zeros", np.random.default_rng(0), n_samples=50)
check_close('activation_stats(3, 8, "sigmoid", "zeros", ...)', zeros, [[0.5, 0.0]] * 3,
            hint="with zero weights every Z is 0 and every activation σ(0) = 1/2")

# %% nbgrader={"grade": true, "grade_id": "test_activation_stats_hidden", "points": 3}
# Hidden tests of activation_stats: exact statistics with zero weights, edge cases (one
# layer, one unit, one sample), and statistics averaged over several seeds against a
# reference computed here (with tolerances for sampling noise: any order of draws passes).
### BEGIN HIDDEN TESTS
import warnings
from scipy.special import expit
from utils.checks import check_close, check_dtype, check_equal, check_finite, check_shape, check_true

reference_f = {"sigmoid": expit, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
               "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}
reference_std = {"small": lambda d: 0.01, "lecun": lambda d: np.sqrt(1 / d),
                 "xavier": lambda d: np.sqrt(2 / (2 * d)), "he": lambda d: np.sqrt(2 / d)}


def reference_stats(depth, width, activation, scheme, rng, n_samples):
    A, rows = rng.standard_normal((n_samples, width)), []
    for _ in range(depth):
        A = reference_f[activation](A @ (reference_std[scheme](width) * rng.standard_normal((width, width))))
        rows.append([A.mean(), A.std()])
    return np.array(rows)


for activation, value in [("sigmoid", 0.5), ("tanh", 0.0), ("relu", 0.0), ("leaky_relu", 0.0), ("gelu", 0.0)]:
    stats = activation_stats(3, 5, activation, "zeros", np.random.default_rng(6201), n_samples=10)
    check_close(f'activation_stats(3, 5, "{activation}", "zeros", rng, n_samples=10)', stats,
                [[value, 0.0]] * 3, rtol=0, atol=1e-15,
                hint=f"zero weights, zero biases: every Z is 0 and every activation is f(0) = {value:g}, "
                     "in every layer (the last one too)")

for depth, width, n_samples in [(1, 1, 1), (1, 3, 1), (2, 1, 5), (5, 4, 7)]:
    case = f'activation_stats({depth}, {width}, "tanh", "lecun", rng, n_samples={n_samples})'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stats = activation_stats(depth, width, "tanh", "lecun", np.random.default_rng(6202), n_samples=n_samples)
    check_true(case, len(caught) == 0, "no warning", hint="np.std with ddof=0 (the population standard deviation)")
    check_shape(case, stats, (depth, 2), hint="one row (mean, std) per layer")
    check_dtype(case, stats)
    check_finite(case, stats)
    if width == 1 and n_samples == 1:
        check_close(f"standard deviations of {case}", stats[:, 1], np.zeros(depth), rtol=0, atol=0,
                    hint="one sample of one unit: each layer has a single activation, of spread 0 "
                         "(use n_samples rows of inputs, not a fixed number)")

# The wiring, exactly: init_weights is replaced here by one that hands out three fixed matrices,
# first layer first (the docstring's W = init_weights(width, width, scheme, rng), once per layer).
# Their rows and columns have very different norms, so Z = A @ Wᵀ, one matrix for every layer or
# the layers in another order change the statistics. The inputs stay random: the expected values
# and their spread come from 40 reference runs of the same size; the tolerance is 6 of those
# standard deviations (a right answer fails with probability about 2e-9).
FIXED_WEIGHTS = [np.array([[2.0, 0.0, 0.0], [2.0, 0.1, 0.0], [2.0, 0.0, 0.1]]),
                 np.array([[0.2, 1.5, 0.0], [0.0, 0.2, 1.5], [0.0, 0.0, 0.2]]),
                 np.array([[1.0, -1.0, 0.5], [0.0, 0.3, 0.0], [0.0, 0.0, 3.0]])]
weight_calls = []


def fixed_init_weights(fan_in, fan_out, scheme, rng):
    weight_calls.append((fan_in, fan_out))
    return FIXED_WEIGHTS[(len(weight_calls) - 1) % 3].copy()


def fixed_reference_stats(rng, n_samples):
    A, rows = rng.standard_normal((n_samples, 3)), []
    for W in FIXED_WEIGHTS:
        A = np.maximum(A @ W, 0.0)
        rows.append([A.mean(), A.std()])
    return np.array(rows)


notebook_init_weights, init_weights = init_weights, fixed_init_weights
try:
    stats = activation_stats(3, 3, "relu", "he", np.random.default_rng(6210), n_samples=4000)
finally:
    init_weights = notebook_init_weights
case = 'activation_stats(3, 3, "relu", "he", rng, n_samples=4000) with three fixed weight matrices'
check_equal(f"the calls of init_weights by {case}", weight_calls, [(3, 3)] * 3,
            hint="draw every layer's weights with init_weights(width, width, scheme, rng), once per layer")
runs = np.array([fixed_reference_stats(np.random.default_rng(6220 + k), 4000) for k in range(40)])
check_close(case, stats, runs.mean(axis=0), rtol=0, atol=6 * runs.std(axis=0),
            hint="Z = A @ W with each layer's own W, first layer first; statistics of relu(Z)")

# Averages over 8 seeds, against a reference averaged over 8 other seeds: the tolerances
# are about twice the largest gap seen between two such averages, and far below the gaps
# that mistakes make.
for depth, width, activation, scheme, rtol, atol in [
        (6, 64, "tanh", "xavier", 0.1, 0.015), (5, 64, "sigmoid", "small", 0.2, 0.002),
        (5, 128, "relu", "he", 0.35, 0.07), (4, 64, "leaky_relu", "he", 0.35, 0.07)]:
    got = np.mean([activation_stats(depth, width, activation, scheme, np.random.default_rng(6300 + k), n_samples=200)
                   for k in range(8)], axis=0)
    expected = np.mean([reference_stats(depth, width, activation, scheme, np.random.default_rng(6400 + k), 200)
                        for k in range(8)], axis=0)
    case = f'activation_stats({depth}, {width}, "{activation}", "{scheme}", rng, n_samples=200), averaged over 8 seeds'
    check_shape(case, got, (depth, 2))
    check_close(f"means per layer of {case}", got[:, 0], expected[:, 0], rtol=rtol, atol=atol,
                hint="the mean of each layer's activations f(Z) (not of Z), zero biases, rows from the first layer on")
    check_close(f"standard deviations per layer of {case}", got[:, 1], expected[:, 1], rtol=rtol, atol=atol / 5,
                hint="np.std over all n_samples × width entries of each layer's activations; weights from "
                     "init_weights(width, width, scheme, rng), a new matrix for every layer")
### END HIDDEN TESTS

# %% [markdown]
# `gradient_norms` goes the other way. Give the network a **fixed random regression target**
# $T$, standard normal of the shape of the output, `(n_samples, width)`; the network's output
# is its last activations $A^L$ (no separate output layer), and the loss is the MSE over all
# entries, $\mathcal L = \frac{1}{n\cdot\text{width}}\sum (A^L - T)^2$, as chapter 4's `mse_loss`.
# Backpropagate (chapter 4, section 2):
#
# $$\bar A^L = \frac{2(A^L - T)}{n\cdot\text{width}},\qquad \bar Z^l = \bar A^l \odot f'(Z^l),\qquad
#   \bar W^l = A^{l-1\top}\bar Z^l,\qquad \bar A^{l-1} = \bar Z^l W^{l\top},$$
#
# and report the Frobenius norm $\|\bar W^l\|_F = \sqrt{\sum_{ij} (\bar W^l_{ij})^2}$ of every
# layer, **first layer first**.

# %% nbgrader={"solution": true, "grade_id": "gradient_norms"}
def gradient_norms(depth, width, activation, scheme, rng, n_samples=256):
    """Frobenius norm of the loss gradient of every layer's weights in a deep network.

    The network of ``activation_stats``: inputs ``X`` standard normal of shape
    ``(n_samples, width)``, ``depth`` layers ``Z = A @ W``, ``W = init_weights(width, width,
    scheme, rng)`` drawn layer by layer, zero biases, ``A = f(Z)`` after every layer. The
    target ``T`` is standard normal of shape ``(n_samples, width)``, drawn from ``rng``; the
    loss is ``mean((A_last − T)²)`` over all entries.

    Parameters
    ----------
    depth, width : int
    activation : str
        A key of ``ACTIVATIONS``: ``f, f_grad = ACTIVATIONS[activation]``.
    scheme : str
        An ``init_weights`` scheme.
    rng : numpy.random.Generator
        Draws the inputs, the target and the weights, in any order (the tests compare
        statistics over several seeds, never particular draws).
    n_samples : int

    Returns
    -------
    norms : ndarray of float64, shape (depth,)
        ``norms[l] = ‖dL/dW‖_F`` of layer ``l + 1``: the first layer first.
    """
    ### BEGIN SOLUTION
    f, f_grad = ACTIVATIONS[activation]
    X = rng.standard_normal((n_samples, width))
    target = rng.standard_normal((n_samples, width))
    weights = [init_weights(width, width, scheme, rng) for _ in range(depth)]
    pre_activations, activations = forward_pass(X, weights, f)
    inputs = [X] + activations[:-1]  # A^{l-1}, the input of each layer
    dA = 2.0 * (activations[-1] - target) / target.size
    norms = np.zeros(depth)
    for l in reversed(range(depth)):
        dZ = dA * f_grad(pre_activations[l])
        norms[l] = np.linalg.norm(inputs[l].T @ dZ)
        dA = dZ @ weights[l].T
    return norms
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gradient_norms_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape, check_true

norms = gradient_norms(4, 16, "tanh", "xavier", np.random.default_rng(0), n_samples=64)
check_shape('gradient_norms(4, 16, "tanh", "xavier", rng, n_samples=64)', norms, (4,),
            hint="one norm per layer")
check_dtype("gradient_norms(...)", norms)
check_true("gradient norms of tanh with Xavier weights", bool(np.all(norms > 0)), "positive norms")
check_close('gradient_norms(3, 8, "relu", "zeros", ...)',
            gradient_norms(3, 8, "relu", "zeros", np.random.default_rng(0), n_samples=20), np.zeros(3),
            rtol=0, atol=0, hint="zero weights: every Z is 0, relu_grad(0) = 0, so no gradient flows")

# %% nbgrader={"grade": true, "grade_id": "test_gradient_norms_hidden", "points": 3}
# Hidden tests of gradient_norms: exact structure with zero weights (which layer gets a
# gradient, and how large), edge cases, and norms averaged over several seeds against a
# reference computed here (tolerances for sampling noise: any order of draws passes).
### BEGIN HIDDEN TESTS
import warnings
from scipy.special import expit
from utils.checks import check_close, check_dtype, check_equal, check_finite, check_shape, check_true

reference_fg = {
    "sigmoid": (expit, lambda z: expit(z) * (1.0 - expit(z))),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0) * 1.0),
}
reference_std = {"small": lambda d: 0.01, "lecun": lambda d: np.sqrt(1 / d),
                 "xavier": lambda d: np.sqrt(2 / (2 * d)), "he": lambda d: np.sqrt(2 / d)}


def reference_norms(depth, width, activation, scheme, rng, n_samples):
    f, f_grad = reference_fg[activation]
    X, T = rng.standard_normal((n_samples, width)), rng.standard_normal((n_samples, width))
    Ws = [reference_std[scheme](width) * rng.standard_normal((width, width)) for _ in range(depth)]
    As, Zs = [X], []
    for W in Ws:
        Zs.append(As[-1] @ W)
        As.append(f(Zs[-1]))
    dA, norms = 2.0 * (As[-1] - T) / T.size, np.zeros(depth)
    for l in range(depth - 1, -1, -1):
        dZ = dA * f_grad(Zs[l])
        norms[l] = np.sqrt(np.sum((As[l].T @ dZ) ** 2))
        dA = dZ @ Ws[l].T
    return norms


# Zero weights, sigmoid: every activation is 1/2 and only the last layer gets a gradient,
# dW_jk = Σ_i 0.5 · σ'(0) · 2(0.5 − T_ik)/(n·width), whose norm is close to 1/8 for large n.
norms = gradient_norms(4, 16, "sigmoid", "zeros", np.random.default_rng(6501), n_samples=4000)
case = 'gradient_norms(4, 16, "sigmoid", "zeros", rng, n_samples=4000)'
check_shape(case, norms, (4,))
check_close(f"first three layers of {case}", norms[:3], np.zeros(3), rtol=0, atol=1e-15,
            hint="with zero weights, dA = dZ Wᵀ = 0 below the last layer; the first layer comes first")
check_close(f"last layer of {case}", norms[3], 0.125, rtol=0.05,
            hint="dL/dA = 2(A − T)/(n·width) (the mean over all entries, with its factor 2), times σ'(Z), "
                 "then dW = A_prevᵀ dZ")
# One tanh layer from zero weights: dW = Xᵀ(−2T/(n·width)), of norm close to 2/√n.
norms = gradient_norms(1, 32, "tanh", "zeros", np.random.default_rng(6502), n_samples=2000)
check_close('gradient_norms(1, 32, "tanh", "zeros", rng, n_samples=2000)', norms, [2 / np.sqrt(2000)],
            rtol=0.12, hint="the first layer's input is X itself: dW = Xᵀ dZ")

for depth, width, n_samples in [(1, 1, 1), (1, 3, 1), (2, 1, 5), (5, 4, 7)]:
    case = f'gradient_norms({depth}, {width}, "relu", "he", rng, n_samples={n_samples})'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        norms = gradient_norms(depth, width, "relu", "he", np.random.default_rng(6503), n_samples=n_samples)
    check_true(case, len(caught) == 0, "no warning")
    check_shape(case, norms, (depth,), hint="one norm per layer")
    check_dtype(case, norms)
    check_finite(case, norms)

# The wiring, exactly, as for activation_stats: three fixed weight matrices handed out by a
# replaced init_weights, first layer first, whose rows and columns have very different norms, so
# passing dA back through W instead of Wᵀ, one matrix for every layer or the layers in another
# order change the norms. Expected values and tolerance (6 standard deviations) from 40
# reference runs of the same size with their own random inputs and targets. (The matrices and
# the replacement are repeated from activation_stats' hidden cell: each test cell stands alone,
# so that one function's failure never costs points in another's.)
FIXED_WEIGHTS = [np.array([[2.0, 0.0, 0.0], [2.0, 0.1, 0.0], [2.0, 0.0, 0.1]]),
                 np.array([[0.2, 1.5, 0.0], [0.0, 0.2, 1.5], [0.0, 0.0, 0.2]]),
                 np.array([[1.0, -1.0, 0.5], [0.0, 0.3, 0.0], [0.0, 0.0, 3.0]])]
weight_calls = []


def fixed_init_weights(fan_in, fan_out, scheme, rng):
    weight_calls.append((fan_in, fan_out))
    return FIXED_WEIGHTS[(len(weight_calls) - 1) % 3].copy()


def fixed_reference_norms(rng, n_samples):
    As, Zs = [rng.standard_normal((n_samples, 3))], []
    T = rng.standard_normal((n_samples, 3))
    for W in FIXED_WEIGHTS:
        Zs.append(As[-1] @ W)
        As.append(np.tanh(Zs[-1]))
    dA, norms = 2.0 * (As[-1] - T) / T.size, np.zeros(3)
    for l in (2, 1, 0):
        dZ = dA * (1.0 - np.tanh(Zs[l]) ** 2)
        norms[l] = np.sqrt(np.sum((As[l].T @ dZ) ** 2))
        dA = dZ @ FIXED_WEIGHTS[l].T
    return norms


notebook_init_weights, init_weights = init_weights, fixed_init_weights
try:
    norms = gradient_norms(3, 3, "tanh", "xavier", np.random.default_rng(6510), n_samples=4000)
finally:
    init_weights = notebook_init_weights
case = 'gradient_norms(3, 3, "tanh", "xavier", rng, n_samples=4000) with three fixed weight matrices'
check_equal(f"the calls of init_weights by {case}", weight_calls, [(3, 3)] * 3,
            hint="draw every layer's weights with init_weights(width, width, scheme, rng), once per layer")
runs = np.array([fixed_reference_norms(np.random.default_rng(6520 + k), 4000) for k in range(40)])
check_close(case, norms, runs.mean(axis=0), rtol=0, atol=6 * runs.std(axis=0),
            hint="dA_prev = dZ @ W.T with each layer's own W (Wᵀ, not W: the shapes agree for square "
                 "matrices, the values do not); norms listed first layer first")

# Averages over 8 seeds, against a reference averaged over 8 other seeds (tolerances: about
# twice the largest gap seen between two such averages).
for depth, width, activation, scheme, rtol in [
        (8, 64, "tanh", "xavier", 0.2), (5, 64, "sigmoid", "small", 0.3), (5, 128, "relu", "he", 0.5)]:
    got = np.mean([gradient_norms(depth, width, activation, scheme, np.random.default_rng(6600 + k), n_samples=128)
                   for k in range(8)], axis=0)
    expected = np.mean([reference_norms(depth, width, activation, scheme, np.random.default_rng(6700 + k), 128)
                        for k in range(8)], axis=0)
    case = f'gradient_norms({depth}, {width}, "{activation}", "{scheme}", rng, n_samples=128), averaged over 8 seeds'
    check_shape(case, got, (depth,))
    check_close(case, got, expected, rtol=rtol, atol=0,
                hint="backward from dA = 2(A − T)/(n·width): dZ = dA ⊙ f'(Z) (the derivative at the "
                     "pre-activation), dW = A_prevᵀ dZ, dA_prev = dZ Wᵀ; norms listed first layer first")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. What the statistics show
#
# First the activations themselves: histograms of layers 1, 3, 6 and 10 of a 10-layer network
# of width 256, for three classic pairs. Then the per-layer statistics of every pair, and the
# gradient norms on a log scale.

# %%
def layer_activations(depth, width, activation, scheme, rng, n_samples=500, batch_norm=False):
    """The pre-activations and activations of every layer (a helper for the plots)."""
    X = rng.standard_normal((n_samples, width))
    weights = [init_weights(width, width, scheme, rng) for _ in range(depth)]
    return forward_pass(X, weights, ACTIVATIONS[activation][0], batch_norm=batch_norm)


shown_layers = [0, 2, 5, 9]
pairs = [("tanh", "small"), ("tanh", "xavier"), ("relu", "he")]
fig, axes = plt.subplots(len(pairs), len(shown_layers), figsize=(11, 6.5), sharey="row",
                         layout="constrained")
for row, (activation, scheme) in zip(axes, pairs):
    _, activations = layer_activations(10, 256, activation, scheme, np.random.default_rng(1))
    plot_histograms([activations[l] for l in shown_layers], [f"layer {l + 1}" for l in shown_layers],
                    ax=row, bins=60)
    row[0].set_ylabel(f"{activation} + {scheme}")
fig.suptitle("activations per layer (all entries, 500 samples × 256 units)")
plt.show()

# %% [markdown]
# With `"small"` weights tanh's activations shrink towards 0 layer after layer (the histogram
# becomes a spike: every unit outputs almost the same thing). With Xavier they keep a spread,
# slowly narrowing; with ReLU and He the positive part keeps its shape from layer to layer.

# %%
pairs = [("sigmoid", "small"), ("sigmoid", "xavier"), ("tanh", "small"), ("tanh", "xavier"),
         ("relu", "lecun"), ("relu", "he"), ("gelu", "he")]
depth, width = 15, 128
layers = np.arange(1, depth + 1)
fig, (ax_std, ax_grad) = plt.subplots(1, 2, figsize=(12, 4.2))
for activation, scheme in pairs:
    stats = activation_stats(depth, width, activation, scheme, np.random.default_rng(2), n_samples=300)
    norms = gradient_norms(depth, width, activation, scheme, np.random.default_rng(3), n_samples=128)
    line, = ax_std.semilogy(layers, stats[:, 1], "o-", ms=3, label=f"{activation} + {scheme}")
    ax_grad.semilogy(layers, norms, "o-", ms=3, color=line.get_color())
    print(f"{activation:8s} + {scheme:7s}: std of the activations, layer 1 → {depth}: "
          f"{stats[0, 1]:.2e} → {stats[-1, 1]:.2e};  ‖dL/dW‖, layer 1: {norms[0]:.1e}, "
          f"layer {depth}: {norms[-1]:.1e}")
ax_std.set(xlabel="layer", ylabel="std of the activations", title=f"forward: {depth} layers of {width} units")
ax_grad.set(xlabel="layer", ylabel="‖dL/dW‖ (Frobenius)", title="backward: gradient norm per layer")
ax_std.legend(fontsize="x-small", ncol=2)
plt.show()

# %% [markdown]
# Read the right panel from right to left, the way the gradient flows. With sigmoid and
# `"small"` weights the gradient of the first layer is many orders of magnitude below the last
# one's: each layer multiplies it by $\sigma' \le \tfrac14$ and by weights of size $0.01$.
# Even Xavier does not save the sigmoid (its factor $\tfrac14$ stays), and its activations
# sit around $\tfrac12$, never centred. Tanh with `"small"` weights is a different failure:
# its gradient norms are *equal* across layers, but all about $10^{-14}$. The forward signal
# shrinks by the same factor per layer as the backward one, and $\bar W^l = A^{l-1\top}\bar Z^l$
# multiplies the two, so look at the level, not only at the slope. Tanh with Xavier and ReLU
# with He keep both the activations' scale and the gradient norms within a small factor
# across all 15 layers: the first layers learn as fast as the last ones. ReLU with LeCun's
# variance (half of He's) loses a factor $\sqrt2$ of standard deviation per layer, visible as
# a straight line on the log scale.
#
# ## 7. Normalised inputs, and batch normalisation
#
# The variance argument assumed inputs of mean 0 and variance about 1. Raw features rarely are
# (pixel values in $[0, 255]$, prices in thousands): an input with a large offset or scale
# pushes most first-layer units of a tanh or sigmoid network into saturation, whatever the
# initialisation, and a saturated unit passes almost no gradient to its weights. That is why inputs are **standardised** (each feature minus its training
# mean, divided by its training standard deviation), as `utils.datasets` does. Below: the same
# tanh network with Xavier weights, on standardised inputs and on inputs $5 + 10X$.

# %%
rng = np.random.default_rng(4)
X_standard = rng.standard_normal((500, 64))
weights = [init_weights(64, 64, "xavier", rng) for _ in range(6)]
for name, X in {"standardised inputs": X_standard, "inputs 5 + 10 X": 5.0 + 10.0 * X_standard}.items():
    _, activations = forward_pass(X, weights, tanh)
    saturated = [np.mean(np.abs(A) > 0.99) for A in activations]
    print(f"{name:20s} fraction of saturated units (|tanh| > 0.99) per layer:",
          " ".join(f"{s:.2f}" for s in saturated))
    print(f"{'':20s} mean tanh'(Z) in the first layer: {tanh_grad(X @ weights[0]).mean():.3f}")

# %% [markdown]
# On the raw inputs most units of the first layer are saturated, and the average derivative
# $\tanh'(Z)$ that scales their weights' gradient falls from about 0.6 to below 0.1: those
# weights learn about ten times more slowly. (The deeper layers receive values near $\pm1$, a fine scale again: the damage is
# in the first layer.)
#
# **Batch normalisation** (Ioffe & Szegedy, 2015) applies the same idea inside the network:
# it standardises each unit's pre-activation over the mini-batch,
# $\hat Z_{:,j} = (Z_{:,j} - \mu_j)/\sqrt{\sigma_j^2 + \epsilon}$, then (in training) rescales
# with learned $\gamma_j$ and shifts with $\beta_j$; at initialisation $\gamma = 1$, $\beta = 0$.
# Every layer's pre-activations then have mean 0 and variance 1 *whatever the weights' scale*:
# the `"small"` initialisation that kills a deep sigmoid or tanh network becomes harmless.
# `forward_pass(..., batch_norm=True)` does exactly this; compare the per-layer statistics.

# %%
from matplotlib.lines import Line2D

depth, width = 15, 128
layers = np.arange(1, depth + 1)
fig, (ax_z, ax_a) = plt.subplots(1, 2, figsize=(12, 4))
networks = [("tanh", "small", "C0", "o"), ("sigmoid", "small", "C1", "s"), ("relu", "lecun", "C2", "^")]
for activation, scheme, colour, marker in networks:
    for batch_norm, line in ((False, "--"), (True, "-")):
        pre, act = layer_activations(depth, width, activation, scheme, np.random.default_rng(5),
                                     n_samples=256, batch_norm=batch_norm)
        # with batch norm the three networks' Z lie on one line (std 1): the markers tell them apart
        style = dict(ls=line, marker=marker, ms=6 if batch_norm else 4, mfc="none" if batch_norm else colour,
                     color=colour)
        ax_z.semilogy(layers, [Z.std() for Z in pre], **style)
        ax_a.semilogy(layers, [A.std() for A in act], **style)
ax_z.set(xlabel="layer", ylabel="std of the pre-activations Z", title="pre-activations")
ax_a.set(xlabel="layer", ylabel="std of the activations A", title="activations")
# two legends: colour and marker name the network, the line style says whether batch norm is on
network_keys = [Line2D([], [], color=c, marker=m, ls="", label=f"{a} + {sc}") for a, sc, c, m in networks]
style_keys = [Line2D([], [], color="k", ls="--", lw=1.5, label="without batch norm"),
              Line2D([], [], color="k", ls="-", lw=1.5, marker="o", mfc="none", label="with batch norm")]
ax_z.legend(handles=style_keys, fontsize="small", loc="lower left", handlelength=3)
ax_a.legend(handles=network_keys, fontsize="small", loc="lower left")
plt.show()

# %% [markdown]
# Without batch normalisation (dashed), the pre-activations of tanh with `"small"` weights
# shrink by orders of magnitude, those of ReLU with LeCun's variance halve every two layers,
# and those of the sigmoid network stay at a few hundredths, where $\sigma$ is almost linear
# and every unit outputs about $\tfrac12$. With it (solid), every layer's pre-activations have
# mean 0 and standard deviation 1 (up to the small $\epsilon$), whatever the scheme, and the
# activations keep the same spread at every depth. The price: the statistics
# depend on the mini-batch (a different computation at test time, with running averages), and
# the backward pass must go through the normalisation too.
#
# ## 8. Explore
#
# The widget below runs **your** `activation_stats` and `gradient_norms`. Choose the depth, the
# width, the activation and the scheme; it redraws the mean and standard deviation of each
# layer's activations and the gradient norms on a log scale. Try: sigmoid with every scheme;
# ReLU with LeCun and with He at depth 30; tanh with `"small"`; `"zeros"` with each activation.

# %%
show(activation_explorer(activation_stats=activation_stats, gradient_norms=gradient_norms))

# %% [markdown]
# ## Summary
#
# * Activations and their derivatives: $\sigma' = \sigma(1-\sigma) \le \tfrac14$ (compute it
#   with $e^{-|z|}$), $\tanh' = 1 - \tanh^2$, ReLU's derivative the mask $z > 0$ (0 at 0), leaky
#   ReLU's $1$ or $\alpha$, and the exact GELU $z\Phi(z)$ with derivative $\Phi(z) + z\varphi(z)$.
# * Saturated units learn slowly, and backpropagation multiplies one $f'$ per layer: with
#   sigmoids and weights of spectral norm at most 1, the gradient with respect to the input
#   is at most $4^{-L}$ times the one with respect to the output of the $L$-th layer (a bound:
#   $\tfrac14$ is $\sigma'$ at its maximum, $z = 0$).
# * Equal initial weights keep the hidden units identical: random initialisation breaks the
#   symmetry, and its variance sets the scale: $\operatorname{Var}(z) = d_\text{in}\,v\,\mathbb E[a^2]$
#   gives LeCun's $1/d_\text{in}$, Glorot's $2/(d_\text{in}+d_\text{out})$ and He's
#   $2/d_\text{in}$ for ReLU. "Xavier" means different distributions in different places:
#   Glorot's uniform and normal share the variance $2/(d_\text{in}+d_\text{out})$ (our
#   `"xavier"` draws the normal), Caffe's has $1/d_\text{in}$; check the variance and the fan.
# * Per-layer statistics tell a healthy network from a sick one: sigmoid or `"small"` weights
#   collapse the activations and the gradients; tanh with Xavier and ReLU with He hold them
#   across depth.
# * Standardised inputs keep the first layer out of saturation; batch normalisation
#   standardises every layer's pre-activations, whatever the weights' scale.
# * Next: better optimisers than plain SGD (chapter 6).
