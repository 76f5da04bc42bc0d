# %% [markdown]
# # Chapter 4 — Backpropagation
#
# Chapters 1–3 trained models whose gradient we could write down by hand: a linear model, a
# logistic regression, a softmax regression. A neural network stacks such maps with
# non-linearities in between, and writing its gradient by hand stops being practical after two
# layers. **Backpropagation** computes it mechanically: every layer knows only its own local
# derivative, and the chain rule, applied from the loss backwards, assembles the rest.
#
# **Goals.** By the end of this notebook you will have written, from NumPy alone:
#
# 1. the layers `Linear`, `ReLU` and `Sigmoid`, each with a `forward` that caches what it needs
#    and a `backward` that turns the gradient of its output into the gradient of its input;
# 2. the losses `softmax_cross_entropy` and `mse_loss`, each returning the loss and its gradient;
# 3. a `Sequential` container that chains layers, and the update `sgd_step`;
#
# and you will check every gradient against finite differences, see why reverse mode costs
# about three forward passes whatever the number of parameters, solve XOR with a hidden layer, watch one hidden layer approximate a
# curve, and train a network to more than 95 % accuracy on handwritten digits.
#
# **Notation** (the lecture's, and the code's). Samples are **rows**.
#
# | symbol | code | shape | meaning |
# |---|---|---|---|
# | $n$ | `n` | | number of samples in a batch |
# | $X$, $A^{l-1}$ | `x` | `(n, d_in)` | input of a layer |
# | $W^l$, $b^l$ | `params["W"]`, `params["b"]` | `(d_in, d_out)`, `(d_out,)` | weights and biases |
# | $Z^l = A^{l-1} W^l + b^l$ | `z` | `(n, d_out)` | pre-activations |
# | $A^l = \sigma(Z^l)$ | | `(n, d_out)` | activations |
# | $L$ | `loss` | scalar | the loss, a **mean**: over the $n$ samples for the cross-entropy, over all $N = n \cdot k$ entries for the MSE of outputs of shape `(n, k)` ($N = n$ when $k = 1$) |
# | $\bar{V} = \partial L / \partial V$ | `dout`, `dx`, `grads[...]` | shape of $V$ | gradient of the loss with respect to $V$ |
#
# Every array is float64. A layer follows the course's **Module protocol** (the base class
# `Module` of `utils.nn`): `params` and `grads` are dicts with the same keys and shapes;
# `forward(x)` returns the output and caches what `backward` needs; `backward(dout)` receives
# $\partial L/\partial(\text{output})$, fills `grads` and returns $\partial L/\partial x$.
#
# **How to work.** Run the first cell, then go down the notebook. Each answer lives in its own
# cell, where `raise NotImplementedError()` marks the place of your code; the cell after it
# holds *visible* tests of the basics. Hidden tests check exact values and edge cases (one
# sample, one feature, large numbers) when the notebook is graded. Your code must not modify
# its inputs, and must not print warnings.

# %% nbgrader={"locked": true, "grade_id": "setup"}
import time

import numpy as np
import matplotlib.pyplot as plt

from utils.checks import (check_close, check_dtype, check_equal, check_finite, check_shape,
                          check_true, check_type, check_unchanged)
from utils.datasets import load_digits_split, moons, xor
from utils.gradcheck import check_module_gradients, numerical_gradient, relative_error
from utils.nn import Module
from utils.plotting import figures_off_while_grading, plot_decision_boundary, plot_loss_curves
from utils.widgets import playground, show

figures_off_while_grading()  # the grader looks at test results, not figures: skip drawing

plt.rcParams["figure.figsize"] = (6.4, 3.6)

# %% [markdown]
# ## 1. The chain rule on a computation graph
#
# Write a computation as a graph of elementary operations. For one neuron with a squared loss,
#
# $$u = w x,\qquad v = u + b,\qquad a = \sigma(v),\qquad L = (a - t)^2 .$$
#
# The **forward pass** computes the nodes from left to right. The **backward pass** goes from
# right to left and carries one number per node, the derivative of $L$ with respect to it,
# $\bar v = \partial L/\partial v$. Each step multiplies by a *local* derivative only:
#
# $$\bar a = 2(a - t),\quad \bar v = \bar a\,\sigma(v)(1-\sigma(v)) = \bar a\, a(1-a),\quad
# \bar u = \bar v,\quad \bar b = \bar v,\quad \bar w = \bar u\, x,\quad \bar x = \bar u\, w .$$
#
# That is the whole of backpropagation: the chain rule, evaluated from the output backwards,
# reusing the forward pass's values ($a$, $x$, $w$). A node used by several others receives
# the **sum** of what flows back along each edge (the multivariate chain rule).

# %%
w, x, b, t = 1.5, -0.8, 0.3, 1.0
u = w * x                       # forward, left to right
v = u + b
a = 1.0 / (1.0 + np.exp(-v))
L = (a - t) ** 2

a_bar = 2.0 * (a - t)            # backward, right to left: one local derivative per step
v_bar = a_bar * a * (1.0 - a)
u_bar, b_bar = v_bar, v_bar
w_bar, x_bar = u_bar * x, u_bar * w
print(f"L = {L:.6f};  dL/dw = {w_bar:.6f}, dL/db = {b_bar:.6f}, dL/dx = {x_bar:.6f}")

loss_of_w = lambda w_: (1.0 / (1.0 + np.exp(-(w_ * x + b))) - t) ** 2
eps = 1e-6
print(f"finite difference of L in w: {(loss_of_w(w + eps) - loss_of_w(w - eps)) / (2 * eps):.6f}")

# %% [markdown]
# ## 2. Layers as modules
#
# A network is a chain of such operations grouped into **layers**. Each layer is a small object
# with two methods: `forward` computes its output and keeps a **cache** (the values its local
# derivatives need), and `backward` receives $\bar{\text{out}}$ and returns $\bar{x}$, filling
# the gradients of its own parameters on the way. No layer needs to know anything about the
# others.
#
# ### 2.1 The linear layer
#
# $Z = XW + b$ for a batch $X$ of shape `(n, d_in)`. Entry by entry,
# $Z_{ij} = \sum_k X_{ik} W_{kj} + b_j$, so given $\bar Z$ (`dout`, shape `(n, d_out)`):
#
# $$\bar W = X^\top \bar Z \;\; (d_\text{in}, d_\text{out}),\qquad
# \bar b = \sum_{i=1}^n \bar Z_{i,:} \;\; (d_\text{out},),\qquad
# \bar X = \bar Z\, W^\top \;\; (n, d_\text{in}).$$
#
# The shapes alone almost force these formulas. $\bar b$ is a **sum** over the samples, not a
# mean: the loss is already a mean, so `dout` already carries its factor, $1/n$ for the
# cross-entropy over $n$ samples ($1/N$ for the MSE over all $N = n \cdot k$ entries of an output of
# shape `(n, k)`; section 3). The layer never divides again.
#
# **Initialisation.** Draw $W \sim \mathcal N(0, 1/d_\text{in})$ (standard deviation
# $\sqrt{1/d_\text{in}}$), so that $Z$ keeps the scale of $X$ whatever the width (chapter 5
# studies this), and $b = 0$. Draw from the `rng` you are given, never from `np.random`.

# %% nbgrader={"solution": true, "grade_id": "Linear"}
class Linear(Module):
    """Fully connected layer ``Z = X @ W + b``.

    Parameters
    ----------
    in_features : int
        ``d_in``, the number of input features.
    out_features : int
        ``d_out``, the number of outputs.
    rng : numpy.random.Generator
        Draws the initial weights ``W ~ N(0, 1/in_features)``; ``b`` starts at zero.

    Attributes
    ----------
    params : dict
        ``"W"``: ndarray (in_features, out_features); ``"b"``: ndarray (out_features,).
    grads : dict
        Same keys and shapes, filled by ``backward``. Before the first ``backward`` it may be
        empty (``Module``'s ``{}``) or hold zeros; nothing reads it then.

    Methods
    -------
    forward(x)
        ``x`` of shape (n, in_features) -> ``Z`` of shape (n, out_features); caches ``x``.
    backward(dout)
        ``dout = dL/dZ`` of shape (n, out_features). Sets ``grads["W"] = xᵀ dout``
        (in_features, out_features) and ``grads["b"] = dout`` summed over the samples
        (out_features,); returns ``dL/dx = dout Wᵀ`` of shape (n, in_features). Each call
        replaces the gradients of the previous one (no accumulation: the training loops of
        this course never zero them between steps). Both ways of replacing them are right:
        binding new arrays (``self.grads["W"] = ...``) or writing into arrays made in
        ``__init__``, in place (``self.grads["W"][...] = ...``).
    """

    def __init__(self, in_features, out_features, rng):
        super().__init__()
        ### BEGIN SOLUTION
        std = np.sqrt(1.0 / in_features)
        self.params["W"] = std * rng.standard_normal((in_features, out_features))
        self.params["b"] = np.zeros(out_features)
        self.x = None  # the cache: the input of the last forward
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        self.x = x
        return x @ self.params["W"] + self.params["b"]
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Linear_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

layer = Linear(3, 2, np.random.default_rng(0))
check_shape('Linear(3, 2).params["W"]', layer.params["W"], (3, 2),
            hint="W has shape (in_features, out_features), so that Z = X @ W")
check_shape('Linear(3, 2).params["b"]', layer.params["b"], (2,), hint="one bias per output")
check_close('Linear(3, 2).params["b"] at initialisation', layer.params["b"], np.zeros(2),
            hint="biases start at zero")

layer.params["W"][...] = [[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]
layer.params["b"][...] = [0.5, -0.5]
x = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]])
z = layer.forward(x)
check_shape("Linear(3, 2).forward(x) for x of shape (2, 3)", z, (2, 2))
check_dtype("Linear.forward(x)", z)
check_close("Linear.forward on a small example", z, [[4.5, -1.5], [1.5, -2.5]],
            hint="Z = x @ W + b, with b added to every row")
dout = np.array([[1.0, 0.0], [0.0, 2.0]])
dx = layer.backward(dout)
check_shape("Linear.backward(dout) for dout of shape (2, 2)", dx, (2, 3),
            hint="the gradient with respect to x has the shape of x")
check_close("dx = dout Wᵀ on a small example", dx, [[1.0, 0.0, 1.0], [0.0, 2.0, -2.0]])
check_close('grads["W"] = xᵀ dout on a small example', layer.grads["W"],
            [[1.0, 0.0], [2.0, -2.0], [3.0, 2.0]], hint="xᵀ @ dout, shape (in_features, out_features)")
check_close('grads["b"] on a small example', layer.grads["b"], [1.0, 2.0],
            hint="sum dout over the samples (axis 0)")

# %% nbgrader={"grade": true, "grade_id": "test_Linear_hidden", "points": 3}
# Hidden tests of Linear: the initialisation's statistics, exact gradients on fresh inputs,
# edge cases and the conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_equal, check_shape, check_true, check_unchanged

# Initialisation: a property of the distribution, whatever the order of the draws.
big = Linear(500, 400, np.random.default_rng(4101))
W0 = big.params["W"]
check_shape("Linear(500, 400) W", W0, (500, 400), hint="shape (in_features, out_features)")
check_close("standard deviation of W in Linear(500, 400)", W0.std(), np.sqrt(1.0 / 500), rtol=0.03,
            hint="W ~ N(0, 1/in_features): standard deviation sqrt(1/in_features), not 1/in_features")
check_close("mean of W in Linear(500, 400)", W0.mean(), 0.0, atol=1e-3, hint="a centred normal")
# The shape of the distribution, not only its variance: the fraction of the N = 200 000 weights
# beyond k standard deviations is binomial, of standard deviation sqrt(p(1 − p)/N) (5e-4 at
# k = 2, 1.2e-4 at k = 3); 6 of those is the tolerance. A uniform draw of the same variance has
# no weight beyond 1.74σ, a normal clipped at 3σ none beyond 3σ.
for k, tail in [(2, 0.0455), (3, 0.0027)]:
    beyond = np.mean(np.abs(W0) > k * np.sqrt(1.0 / 500))
    check_close(f"fraction of the weights of Linear(500, 400) beyond {k} standard deviations", beyond, tail,
                rtol=0, atol=6 * np.sqrt(tail * (1 - tail) / W0.size),
                hint=f"draw from a normal distribution ({100 * tail:.2g} % of it lies beyond {k}σ), "
                     "not a uniform or clipped one of the same variance")
check_close("b of Linear(500, 400)", big.params["b"], np.zeros(400), rtol=0, atol=0,
            hint="biases start at exactly zero")
same = Linear(500, 400, np.random.default_rng(4101))
check_equal("W of two layers built from generators with the same seed", same.params["W"], W0,
            hint="draw from the rng argument only (never np.random.*), so a seed fixes the result")
check_true("W of two layers built from generators with different seeds",
           not np.array_equal(Linear(500, 400, np.random.default_rng(4101)).params["W"][:2],
                              Linear(500, 400, np.random.default_rng(7)).params["W"][:2]),
           "different seeds to give different weights", hint="draw W from rng")
tiny = Linear(1, 1, np.random.default_rng(2))
check_shape("Linear(1, 1) W", tiny.params["W"], (1, 1), hint="W is 2-D even with one input and one output")
check_shape("Linear(1, 1) b", tiny.params["b"], (1,), hint="b is 1-D, one entry per output")

# Forward and backward against formulas computed here, on fresh inputs.
rng = np.random.default_rng(4102)
for n, d_in, d_out, scale in [(1, 1, 1, 1.0), (5, 3, 3, 1.0), (7, 4, 2, 1.0), (2, 6, 9, 1.0),
                              (10, 6, 3, 1e3)]:
    layer = Linear(d_in, d_out, np.random.default_rng(n))
    W, b = rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    x, dout = scale * rng.normal(size=(n, d_in)), scale * rng.normal(size=(n, d_out))
    x_before, dout_before = x.copy(), dout.copy()
    case = f"Linear({d_in}, {d_out}) with n={n}, entries of size {scale:g}"
    z = layer.forward(x)
    check_shape(f"forward of {case}", z, (n, d_out))
    check_close(f"forward of {case}", z, x_before @ W + b, rtol=1e-10, atol=1e-10 * scale,
                hint="Z = x @ W + b")
    dx = layer.backward(dout)
    check_shape(f"dx of {case}", dx, (n, d_in), hint="dx has the shape of x")
    check_close(f"dx of {case}", dx, dout_before @ W.T, rtol=1e-10, atol=1e-10 * scale,
                hint="dx = dout @ W.T")
    check_shape(f'grads["W"] of {case}', layer.grads["W"], (d_in, d_out),
                hint="the gradient of W has the shape of W: x.T @ dout, not dout.T @ x")
    check_close(f'grads["W"] of {case}', layer.grads["W"], x_before.T @ dout_before,
                rtol=1e-10, atol=1e-10 * scale ** 2, hint="x.T @ dout, with the x cached by forward")
    check_shape(f'grads["b"] of {case}', layer.grads["b"], (d_out,))
    check_close(f'grads["b"] of {case}', layer.grads["b"], dout_before.sum(axis=0),
                rtol=1e-10, atol=1e-10 * scale,
                hint="a sum over the samples, not a mean: dout already holds the 1/n of the loss")
    check_unchanged(f"x after {case}", x_before, x)
    check_unchanged(f"dout after {case}", dout_before, dout)
    check_close(f'W after {case}', layer.params["W"], W, rtol=0, atol=0,
                hint="forward and backward must not change the parameters")

# Two layers of one shape used as in a network (both forwards, then both backwards in reverse
# order), for three steps: each keeps its own cache and parameters, and every backward sets
# that layer's gradients for this step (it does not add them to the last step's).
first, second = Linear(3, 3, np.random.default_rng(9)), Linear(3, 3, np.random.default_rng(10))
check_true("the params dicts of two Linear(3, 3) layers", first.params is not second.params
           and first.params["W"] is not second.params["W"], "one dict and one array per layer",
           hint="create the arrays in __init__ (on self), not on the class")
for step in range(3):
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    W1, W2 = first.params["W"].copy(), second.params["W"].copy()
    h = first.forward(x)
    second.forward(h)
    dh = second.backward(dout)
    dx = first.backward(dh)
    where = f"backward step {step + 1} of two Linear(3, 3) layers in a chain"
    check_close(f"dx of the first layer at {where}", dx, dout @ W2.T @ W1.T, rtol=1e-10, atol=1e-12,
                hint="each layer multiplies by its own W.T")
    check_close(f'grads["W"] of the first layer at {where}', first.grads["W"], x.T @ dh, rtol=1e-10, atol=1e-12,
                hint="xᵀ dout with the x this layer cached (keep the cache on self, one per layer), set at "
                     "each backward, not added to the last call's")
    check_close(f'grads["W"] of the second layer at {where}', second.grads["W"], h.T @ dout,
                rtol=1e-10, atol=1e-12, hint="set the gradients of this call; do not add them to the last call's")
    check_close(f'grads["b"] of the second layer at {where}', second.grads["b"], dout.sum(axis=0),
                rtol=1e-10, atol=1e-12, hint="set, never accumulate")
    for layer in (first, second):  # an optimiser's step between two backward calls
        layer.params["W"] -= 0.1 * layer.grads["W"]
### END HIDDEN TESTS

# %% [markdown]
# ### 2.2 Activations: ReLU and the sigmoid
#
# An activation acts entrywise on its input `x` (in a network, the pre-activations $Z$ of the
# layer before): `forward(x)` returns $\sigma(x)$, so its backward pass is an entrywise product,
# `dx` $= \bar x = \bar{\text{out}} \odot \sigma'(x)$ with $\bar{\text{out}}$ = `dout`. It has no
# parameters (`params` stays empty).
#
# * **ReLU**, $\max(x, 0)$: $\sigma'(x) = 1$ for $x > 0$ and $0$ for $x < 0$. At $x = 0$ it has
#   no derivative; we take **0** there (as PyTorch does). Cache the mask $x > 0$.
# * **Sigmoid**, $\sigma(x) = 1/(1 + e^{-x})$: $\sigma'(x) = \sigma(x)(1 - \sigma(x))$, so cache
#   the **output** $a$ and use $a(1-a)$. Compute it stably: $e^{-x}$ overflows for $x = -1000$
#   (use $e^{x}/(1 + e^{x})$ for negative $x$, as in chapter 3).

# %% nbgrader={"solution": true, "grade_id": "ReLU"}
class ReLU(Module):
    """Rectified linear unit, entrywise ``max(x, 0)``; no parameters.

    Methods
    -------
    forward(x)
        ``x`` of any shape -> ``max(x, 0)``, same shape; caches the mask ``x > 0``.
    backward(dout)
        ``dout`` of the shape of ``x`` -> ``dout * (x > 0)``: the derivative is taken as 0 at 0.
    """

    def forward(self, x):
        ### BEGIN SOLUTION
        self.mask = x > 0
        return np.where(self.mask, x, 0.0)
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        return np.where(self.mask, dout, 0.0)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ReLU_visible", "points": 1}
from utils.checks import check_close, check_equal, check_shape

relu = ReLU()
check_equal("ReLU().params", relu.params, {}, hint="ReLU has no parameters")
out = relu.forward(np.array([[-2.0, 0.5, 3.0]]))
check_close("ReLU.forward([[-2, 0.5, 3]])", out, [[0.0, 0.5, 3.0]], hint="max(x, 0) entrywise")
dx = relu.backward(np.array([[10.0, 20.0, 30.0]]))
check_shape("ReLU.backward(dout)", dx, (1, 3))
check_close("ReLU.backward([[10, 20, 30]]) after forward([[-2, 0.5, 3]])", dx, [[0.0, 20.0, 30.0]],
            hint="dout where the input was positive, 0 elsewhere")

# %% nbgrader={"grade": true, "grade_id": "test_ReLU_hidden", "points": 2}
# Hidden tests of ReLU: exact values on fresh inputs (with exact zeros, where the derivative
# is taken as 0), several shapes, and inputs left unchanged.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged

rng = np.random.default_rng(4201)
for shape, scale in [((1, 1), 1.0), ((6, 5), 1.0), ((4, 3), 1e3), ((30,), 1.0), ((2, 3, 4), 1.0)]:
    x = scale * rng.normal(size=shape)
    x.flat[::3] = 0.0  # exact zeros: the kink
    dout = rng.normal(size=shape)
    x_before, dout_before = x.copy(), dout.copy()
    relu = ReLU()
    out = relu.forward(x)
    check_shape(f"ReLU.forward of shape {shape}", out, shape)
    check_close(f"ReLU.forward of shape {shape}", out, np.where(x_before > 0, x_before, 0.0),
                rtol=0, atol=0, hint="max(x, 0)")
    dx = relu.backward(dout)
    check_shape(f"ReLU.backward of shape {shape}", dx, shape)
    check_close(f"ReLU.backward of shape {shape} (zeros in the input)", dx,
                np.where(x_before > 0, dout_before, 0.0), rtol=0, atol=0,
                hint="dout * (x > 0): the derivative at exactly 0 is taken as 0, not 1")
    check_unchanged(f"x after ReLU.forward, shape {shape}", x_before, x,
                    hint="return a new array; do not clip x in place")
    check_unchanged(f"dout after ReLU.backward, shape {shape}", dout_before, dout,
                    hint="return a new array; do not zero entries of dout in place")

# Two ReLUs of one shape in a network, for two steps: both forwards, then both backwards in
# reverse order. Each backward must use its own instance's latest mask.
first, second = ReLU(), ReLU()
for step in range(2):
    x1, x2, dout = rng.normal(size=(3, 5, 4))
    first.forward(x1)
    second.forward(x2)
    where = f"at step {step + 1}, with a second ReLU's forward in between"
    check_close(f"backward of the second ReLU {where}", second.backward(dout), np.where(x2 > 0, dout, 0.0),
                rtol=0, atol=0, hint="dout * (x > 0) for the x of this instance's last forward")
    check_close(f"backward of the first ReLU {where}", first.backward(dout), np.where(x1 > 0, dout, 0.0),
                rtol=0, atol=0, hint="keep the mask on self (each ReLU its own), refreshed by every forward")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "Sigmoid"}
class Sigmoid(Module):
    """Logistic sigmoid, entrywise ``1 / (1 + exp(-x))``; no parameters.

    Methods
    -------
    forward(x)
        ``x`` of any shape -> ``a = σ(x)``, same shape, stable: no overflow, ``nan`` or
        warning for inputs up to about 1e3 in size (``x = ±1000`` and entries of size 1e3):
        that is what the tests check, the course's meaning of stable. Exponentiating only
        ``−|x|``, as chapter 3's ``sigmoid`` does, goes further (every float), which is
        welcome but not required. Caches the output
        ``a``.
    backward(dout)
        ``dout`` of the shape of ``x`` -> ``dout * a * (1 - a)``, from the cached output.
    """

    def forward(self, x):
        ### BEGIN SOLUTION
        e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0
        self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        return dout * self.out * (1.0 - self.out)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Sigmoid_visible", "points": 1}
from utils.checks import check_close, check_shape

sig = Sigmoid()
out = sig.forward(np.array([[0.0, np.log(3.0)]]))
check_shape("Sigmoid.forward of shape (1, 2)", out, (1, 2))
check_close("Sigmoid.forward([[0, log 3]])", out, [[0.5, 0.75]], hint="1 / (1 + exp(-x))")
dx = sig.backward(np.array([[1.0, 16.0]]))
check_close("Sigmoid.backward([[1, 16]]) after forward([[0, log 3]])", dx, [[0.25, 3.0]],
            hint="dout * a * (1 - a), with a the output of forward")

# %% nbgrader={"grade": true, "grade_id": "test_Sigmoid_hidden", "points": 2}
# Hidden tests of Sigmoid: exact values on fresh inputs, stability at ±1000 (no warning, no
# nan), several shapes, and inputs left unchanged.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_shape, check_true, check_unchanged

rng = np.random.default_rng(4301)
for shape, scale in [((1, 1), 1.0), ((5, 4), 3.0), ((3, 3), 1e3), ((12,), 40.0), ((2, 3, 2), 5.0)]:
    x = scale * rng.normal(size=shape)
    x.flat[0] = 0.0
    if x.size > 2:
        x.flat[1:3] = [1000.0, -1000.0]  # where a naive exp(-x) overflows
    dout = rng.normal(size=shape)
    x_before, dout_before = x.copy(), dout.copy()
    expected = np.exp(-np.logaddexp(0.0, -x_before))  # σ(x) = exp(−log(1 + e^−x)), stable
    sig = Sigmoid()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = sig.forward(x)
        dx = sig.backward(dout)
    check_true(f"Sigmoid on inputs of size {scale:g}", len(caught) == 0,
               "no warning", hint="exp(-x) overflows for x = -1000: use exp(x) / (1 + exp(x)) "
                                  f"where x < 0 (warning seen: {caught[0].message if caught else ''})")
    check_shape(f"Sigmoid.forward of shape {shape}", out, shape)
    check_close(f"Sigmoid.forward of shape {shape}, inputs of size {scale:g}", out, expected,
                rtol=1e-10, atol=1e-15, hint="1 / (1 + exp(-x)), computed stably")
    check_close(f"Sigmoid.backward of shape {shape}, inputs of size {scale:g}", dx,
                dout_before * expected * (1.0 - expected), rtol=1e-8, atol=1e-15,
                hint="dout * a * (1 - a) with a = σ(x), the cached output (not the input)")
    check_unchanged(f"x after Sigmoid.forward, shape {shape}", x_before, x)
    check_unchanged(f"dout after Sigmoid.backward, shape {shape}", dout_before, dout)

# Two Sigmoids of one shape in a network, for two steps: both forwards, then both backwards in
# reverse order. Each backward must use its own instance's latest output.
first, second = Sigmoid(), Sigmoid()
for step in range(2):
    x1, x2, dout = rng.normal(size=(3, 5, 4))
    first.forward(x1)
    second.forward(x2)
    where = f"at step {step + 1}, with a second Sigmoid's forward in between"
    for layer, x, name in [(second, x2, "second"), (first, x1, "first")]:
        a = np.exp(-np.logaddexp(0.0, -x))
        check_close(f"backward of the {name} Sigmoid {where}", layer.backward(dout), dout * a * (1.0 - a),
                    rtol=1e-8, atol=1e-15,
                    hint="keep the output a on self (each Sigmoid its own), refreshed by every forward")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Losses that return their gradient
#
# The backward pass starts at the loss. Each loss function returns the loss **and** its
# gradient with respect to the network's output, the `dout` of the last layer.
#
# **Softmax cross-entropy** (chapter 3) for logits $Z$ of shape `(n, K)` and integer labels
# $y$: with $P = \mathrm{softmax}(Z)$ row by row and the one-hot $Y$,
#
# $$L = -\frac1n\sum_{i=1}^n \log P_{i, y_i}
#     = \frac1n\sum_{i=1}^n \Big(\log\sum_k e^{Z_{ik}} - Z_{i y_i}\Big),\qquad
#   \bar Z = \frac{P - Y}{n}.$$
#
# Subtract each row's maximum before exponentiating (log-sum-exp): the result is unchanged and
# $e^{1000}$ never appears. **Mean squared error** for predictions and targets of the same
# shape: $L = \frac1{N}\sum (\hat Y - T)^2$ over all $N$ entries, $\bar{\hat Y} = 2(\hat Y - T)/N$.

# %% nbgrader={"solution": true, "grade_id": "softmax_cross_entropy"}
def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy and its gradient with respect to the logits.

    Parameters
    ----------
    logits : ndarray, shape (n, K)
        Class scores ``Z``.
    y : ndarray of int, shape (n,)
        Labels in ``[0, K)``.

    Returns
    -------
    loss : float
        ``mean_i (logsumexp(Z_i) − Z_{i, y_i})``, computed stably (no overflow for |Z| ~ 1e3);
        one float64 number; only its value is checked, so a Python float, a ``np.float64``
        or a 0-d float64 array all pass.
    dlogits : ndarray, shape (n, K)
        ``(softmax(Z) − onehot(y)) / n``.
    """
    ### BEGIN SOLUTION
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].mean()
    dlogits = np.exp(log_probs)
    dlogits[rows, y] -= 1.0
    return float(loss), dlogits / n
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_cross_entropy_visible", "points": 1}
from utils.checks import check_close, check_shape

loss, dlogits = softmax_cross_entropy(np.zeros((4, 3)), np.array([0, 1, 2, 0]))
check_close("softmax_cross_entropy of zero logits, K=3", loss, np.log(3.0),
            hint="equal logits give probability 1/3 to every class: loss log 3")
check_shape("dlogits for logits of shape (4, 3)", dlogits, (4, 3))
expected = (np.full((4, 3), 1 / 3) - np.eye(3)[[0, 1, 2, 0]]) / 4
check_close("dlogits of zero logits", dlogits, expected,
            hint="(softmax − onehot) / n: do not forget the 1/n of the mean")

# %% nbgrader={"grade": true, "grade_id": "test_softmax_cross_entropy_hidden", "points": 3}
# Hidden tests of softmax_cross_entropy: exact values on fresh inputs, n=1, two classes, logits
# of size 1e3 (stable: no warning, no inf), and inputs left unchanged.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_finite, check_shape, check_true, check_unchanged

rng = np.random.default_rng(4401)
# (5, 5): as many samples as classes, where an axis mix-up keeps every shape right.
for n, K, scale in [(1, 2, 1.0), (1, 5, 1.0), (6, 2, 1.0), (20, 7, 3.0), (9, 4, 1e3), (5, 5, 2.0)]:
    logits = scale * rng.normal(size=(n, K))
    y = rng.integers(0, K, size=n)
    logits_before, y_before = logits.copy(), y.copy()
    top = logits_before.max(axis=1, keepdims=True)
    log_z = top[:, 0] + np.log(np.exp(logits_before - top).sum(axis=1))
    expected_loss = np.mean(log_z - logits_before[np.arange(n), y_before])
    probs = np.exp(logits_before - log_z[:, None])
    expected_grad = (probs - np.eye(K)[y_before]) / n
    case = f"softmax_cross_entropy with n={n}, K={K}, logits of size {scale:g}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss, dlogits = softmax_cross_entropy(logits, y)
    check_true(case, len(caught) == 0, "no warning",
               hint="subtract each row's max before exp (log-sum-exp)")
    check_finite(f"loss of {case}", loss, hint="subtract each row's max before exp")
    check_close(f"loss of {case}", loss, expected_loss, rtol=1e-10, atol=1e-12,
                hint="the mean over samples of logsumexp(z_i) − z_i[y_i]")
    check_shape(f"dlogits of {case}", dlogits, (n, K))
    check_close(f"dlogits of {case}", dlogits, expected_grad, rtol=1e-8, atol=1e-12,
                hint="(softmax(logits) − onehot(y)) / n")
    check_unchanged(f"logits after {case}", logits_before, logits)
    check_unchanged(f"y after {case}", y_before, y)

# One confident, right sample and one confident, wrong one.
loss, _ = softmax_cross_entropy(np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]]),
                                np.array([0, 2]))
check_close("softmax_cross_entropy of logits ±1000", loss, 1000.0, rtol=1e-12,
            hint="losses 0 and 2000 averaged over the two samples, computed without overflow")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "mse_loss"}
def mse_loss(pred, target):
    """Mean squared error over all entries, and its gradient with respect to ``pred``.

    Parameters
    ----------
    pred : ndarray, any shape, e.g. (n,) or (n, k)
        Predictions.
    target : ndarray, same shape as ``pred``
        Targets.

    Returns
    -------
    loss : float
        ``mean((pred − target)²)`` over all ``N = pred.size`` entries: for ``pred`` of shape
        ``(n, k)`` that is ``N = n·k``, not the number of samples ``n`` (the course's MSE is a
        mean over entries; the cross-entropy's is over samples). One float64 number:
        only its value is checked, so a Python float, a ``np.float64`` or a 0-d float64
        array all pass.
    dpred : ndarray, shape of ``pred``
        ``2 (pred − target) / N``, ``N = pred.size`` as for the loss.
    """
    ### BEGIN SOLUTION
    diff = pred - target
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_mse_loss_visible", "points": 1}
from utils.checks import check_close, check_shape

loss, dpred = mse_loss(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 6.0]))
check_close("mse_loss([1, 2, 3, 4], [1, 2, 3, 6])", loss, 1.0, hint="(0 + 0 + 0 + 4) / 4")
check_shape("dpred of mse_loss for pred of shape (4,)", dpred, (4,))
check_close("dpred of mse_loss([1, 2, 3, 4], [1, 2, 3, 6])", dpred, [0.0, 0.0, 0.0, -1.0],
            hint="2 (pred − target) / pred.size")

# %% nbgrader={"grade": true, "grade_id": "test_mse_loss_hidden", "points": 2}
# Hidden tests of mse_loss: exact values on fresh inputs of shapes (n,) and (n, k) (the mean is
# over all entries), n=1, large magnitudes, and inputs left unchanged.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged

rng = np.random.default_rng(4501)
for shape, scale in [((1,), 1.0), ((1, 1), 1.0), ((9,), 1.0), ((8, 3), 1.0), ((5, 4), 1e3)]:
    pred, target = scale * rng.normal(size=shape), scale * rng.normal(size=shape)
    pred_before, target_before = pred.copy(), target.copy()
    size = pred_before.size
    case = f"mse_loss with inputs of shape {shape}, entries of size {scale:g}"
    loss, dpred = mse_loss(pred, target)
    check_close(f"loss of {case}", loss, ((pred_before - target_before) ** 2).sum() / size,
                rtol=1e-10, hint="the mean over all entries (divide by pred.size)")
    check_shape(f"dpred of {case}", dpred, shape, hint="dpred has the shape of pred")
    check_close(f"dpred of {case}", dpred, 2.0 * (pred_before - target_before) / size,
                rtol=1e-10, atol=1e-14 * scale,
                hint="2 (pred − target) / pred.size: divide by the number of entries, not by n")
    check_unchanged(f"pred after {case}", pred_before, pred)
    check_unchanged(f"target after {case}", target_before, target)

# A nearly perfect fit of targets of size 1e3 (residuals of size 1e-4): the expanded
# mean(p²) − 2 mean(p t) + mean(t²) loses every digit there (its terms are 1e6, their rounding
# 1e-10, the loss 1e-8), while the mean of the squared residuals is exact to a few ulps.
target = 1e3 * rng.normal(size=(6, 3))
pred = target + 1e-4 * rng.normal(size=(6, 3))
loss, _ = mse_loss(pred, target)
check_close("loss of mse_loss with targets of size 1e3 and residuals of size 1e-4", loss,
            np.mean((pred - target) ** 2), rtol=1e-8, atol=0,
            hint="square the residuals pred − target; expanding the square cancels catastrophically")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Chaining layers, and one step of gradient descent
#
# A `Sequential` runs its layers' `forward` in order and their `backward` in **reverse** order,
# each receiving the gradient its successor returned. Its `parameters()` and `gradients()`
# gather every layer's arrays in one dict keyed `"{index}.{name}"`, where `index` is the layer's
# position (parameterless layers count too): `Sequential(Linear, ReLU, Linear)` has the keys
# `"0.W"`, `"0.b"`, `"2.W"`, `"2.b"`. They hold the layers' **own** arrays, not copies, so that
# an optimiser updating them in place updates the model (`gradients()` is called after a
# `backward`, when every layer has filled its `grads`). `sgd_step` is that optimiser:
# $p \leftarrow p - \eta\, g$ for every key, in place (`p -= lr * g`; writing `params[key] =
# p - lr * g` would put a new array in the dict and leave the layer's array as it was).
# (`train()` and `eval()` are given: they switch every layer's mode; chapter 7 needs it.)

# %% nbgrader={"solution": true, "grade_id": "Sequential"}
class Sequential(Module):
    """A chain of modules: ``forward`` runs them in order, ``backward`` in reverse order.

    Parameters
    ----------
    *layers : Module
        The layers, first to last; kept in the list ``self.layers``.

    Methods
    -------
    forward(x)
        ``x`` -> the last layer's output, each layer's output being the next one's input.
    backward(dout)
        ``dout`` (shape of the output) -> gradient with respect to ``x``, calling each layer's
        ``backward`` from the last to the first.
    parameters()
        dict ``"{index}.{name}"`` -> the layer's own parameter array (no copy), ``index`` being
        the layer's position in ``self.layers``: e.g. ``"0.W"``, ``"0.b"``, ``"2.W"``.
    gradients()
        After a ``backward``: the same keys as ``parameters()`` -> the layers' current gradient
        arrays (no copies), built from the layers' ``grads`` at each call. Before the first
        ``backward`` a layer's ``grads`` may still be empty (see ``Linear``), so what
        ``gradients()`` returns then is left open (fewer keys, zeros, or a ``KeyError``): the
        course calls it only after a ``backward``, and so do the tests.

    Every layer is a module with its parameters in its own ``params`` (``Linear``, ``ReLU``,
    ``Sigmoid``, ...). Nesting is not required: a ``Sequential`` inside a ``Sequential`` would
    run forward and backward, but its own ``params`` is empty, so the outer ``parameters()``
    would not see its layers' arrays. Nothing in the course nests, and no test does.
    """

    def __init__(self, *layers):
        super().__init__()
        self.layers = list(layers)

    def forward(self, x):
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer.forward(x)
        return x
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        return {f"{i}.{name}": array for i, layer in enumerate(self.layers)
                for name, array in layer.params.items()}
        ### END SOLUTION

    def gradients(self):
        ### BEGIN SOLUTION
        return {f"{i}.{name}": array for i, layer in enumerate(self.layers)
                for name, array in layer.grads.items()}
        ### END SOLUTION

    def train(self):
        for layer in self.layers:
            layer.train()
        return super().train()

    def eval(self):
        for layer in self.layers:
            layer.eval()
        return super().eval()


# %% nbgrader={"grade": true, "grade_id": "test_Sequential_visible", "points": 1}
# Two small test layers (not answers) so that Sequential is tested on its own.
from utils.checks import check_close, check_equal, check_true
from utils.nn import Module


class Scale(Module):
    """out = x * w, entrywise, with a parameter w of shape (d,)."""

    def __init__(self, w):
        super().__init__()
        self.params["w"] = np.array(w, dtype=float)

    def forward(self, x):
        self.x = x
        return x * self.params["w"]

    def backward(self, dout):
        self.grads["w"] = (dout * self.x).sum(axis=0)
        return dout * self.params["w"]


class Square(Module):
    """out = x ** 2, entrywise, no parameters."""

    def forward(self, x):
        self.x = x
        return x ** 2

    def backward(self, dout):
        return 2.0 * self.x * dout


first, second = Scale([2.0, -1.0]), Scale([3.0, 0.5])
net = Sequential(first, Square(), second)
x = np.array([[1.0, 2.0]])
out = net.forward(x)
check_close("Sequential(Scale([2, -1]), Square(), Scale([3, 0.5])).forward([[1, 2]])", out,
            [[12.0, 2.0]], hint="each layer's output is the next layer's input, in order")
dx = net.backward(np.array([[1.0, 1.0]]))
check_close("Sequential.backward([[1, 1]])", dx, [[24.0, 2.0]],
            hint="call the layers' backward from the last to the first")
params = net.parameters()
check_equal("sorted keys of Sequential.parameters()", sorted(params), ["0.w", "2.w"],
            hint='keys "{index}.{name}", index = position of the layer (Square is index 1)')
check_true('Sequential.parameters()["0.w"]', params["0.w"] is first.params["w"],
           "the first layer's own array w (the same object, not a copy)")
check_close('Sequential.gradients()["2.w"]', net.gradients()["2.w"], [4.0, 4.0],
            hint="the gradients of each layer, under the same keys as parameters()")

# %% nbgrader={"grade": true, "grade_id": "test_Sequential_hidden", "points": 3}
# Hidden tests of Sequential: forward order, backward in reverse, keys, the layers' own arrays
# (an in-place update changes the model), one layer and many samples.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_equal, check_shape, check_true
from utils.nn import Module


class Mul(Module):
    """out = x * w entrywise, w of shape (d,)."""

    def __init__(self, w):
        super().__init__()
        self.params["w"] = np.array(w, dtype=float)

    def forward(self, x):
        self.x = x
        return x * self.params["w"]

    def backward(self, dout):
        self.grads["w"] = (dout * self.x).sum(axis=0)
        return dout * self.params["w"]


class Shift(Module):
    """out = x + c, c of shape (d,)."""

    def __init__(self, c):
        super().__init__()
        self.params["c"] = np.array(c, dtype=float)

    def forward(self, x):
        return x + self.params["c"]

    def backward(self, dout):
        self.grads["c"] = dout.sum(axis=0)
        return dout


class Cube(Module):
    """out = x ** 3, no parameters."""

    def forward(self, x):
        self.x = x
        return x ** 3

    def backward(self, dout):
        return 3.0 * self.x ** 2 * dout


rng = np.random.default_rng(4601)
for n, d in [(1, 1), (1, 3), (8, 4)]:
    w1, c, w2 = rng.normal(size=d), rng.normal(size=d), rng.normal(size=d)
    layers = [Mul(w1), Shift(c), Cube(), Mul(w2)]
    net = Sequential(*layers)
    x, dout = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    h = x * w1 + c                        # the chain, and its gradients, computed here
    expected_out = h ** 3 * w2
    dh = dout * w2 * 3.0 * h ** 2
    case = f"Sequential(Mul, Shift, Cube, Mul) with n={n}, d={d}"
    out = net.forward(x)
    check_shape(f"forward of {case}", out, (n, d))
    check_close(f"forward of {case}", out, expected_out, rtol=1e-10, atol=1e-12,
                hint="apply the layers in the order given")
    dx = net.backward(dout)
    check_close(f"backward of {case}", dx, dh * w1, rtol=1e-10, atol=1e-12,
                hint="backward runs from the last layer to the first, passing each result on")
    grads = net.gradients()
    check_equal(f"sorted keys of gradients() of {case}", sorted(grads), ["0.w", "1.c", "3.w"],
                hint='"{index}.{name}" with index the position of the layer in the Sequential')
    check_close(f'gradients()["0.w"] of {case}', grads["0.w"], (dh * x).sum(axis=0), rtol=1e-10, atol=1e-12)
    check_close(f'gradients()["1.c"] of {case}', grads["1.c"], dh.sum(axis=0), rtol=1e-10, atol=1e-12)
    check_close(f'gradients()["3.w"] of {case}', grads["3.w"], (dout * h ** 3).sum(axis=0),
                rtol=1e-10, atol=1e-12)
    params = net.parameters()
    check_equal(f"sorted keys of parameters() of {case}", sorted(params), ["0.w", "1.c", "3.w"],
                hint='"{index}.{name}", parameterless layers counted in the index')
    for key, layer, name in [("0.w", layers[0], "w"), ("1.c", layers[1], "c"), ("3.w", layers[3], "w")]:
        check_true(f'parameters()["{key}"] of {case}', params[key] is layer.params[name],
                   f"the layer's own array params[{name!r}], not a copy")
        check_true(f'gradients()["{key}"] of {case}', grads[key] is layer.grads[name],
                   f"the layer's own array grads[{name!r}], not a copy")

    # An in-place update through parameters() must change what the model computes.
    params["1.c"] += 1.0
    check_close(f"forward after params['1.c'] += 1 in {case}", net.forward(x),
                (x * w1 + c + 1.0) ** 3 * w2, rtol=1e-10, atol=1e-12,
                hint="parameters() must return the layers' arrays themselves, so that an "
                     "optimiser updating them in place trains the model")

single = Sequential(Mul([2.0]))
check_close("Sequential with one layer", single.forward(np.array([[3.0]])), [[6.0]])
check_close("backward of a Sequential with one layer", single.backward(np.array([[1.0]])), [[2.0]])

# Training runs many steps, and a program builds several networks. Mul sets a new gradient
# array at every backward (as Linear does): gradients() must report this step's, every call.
net_a, net_b = Sequential(Mul([1.0, 2.0]), Cube()), Sequential(Shift([0.5, -0.5]))
check_true("the layer lists of two Sequential networks", net_a.layers is not net_b.layers,
           "one list per network", hint="keep the layers on self, not on the class")
for step in range(3):
    x, dout = rng.normal(size=(2, 3, 2))
    case = f"Sequential(Mul([1, 2]), Cube()) at training step {step + 1}, another Sequential alive"
    check_close(f"forward of {case}", net_a.forward(x), (x * [1.0, 2.0]) ** 3, rtol=1e-10, atol=1e-12,
                hint="each network runs its own layers")
    net_b.forward(x)
    net_a.backward(dout)
    check_close(f'gradients()["0.w"] of {case}', net_a.gradients()["0.w"],
                (dout * 3.0 * (x * [1.0, 2.0]) ** 2 * x).sum(axis=0), rtol=1e-10, atol=1e-12,
                hint="build the dict from the layers' current grads at every call (a layer's backward "
                     "may put a new array there): no dict cached from an earlier call")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "sgd_step"}
def sgd_step(params, grads, lr):
    """One step of plain gradient descent, in place.

    Parameters
    ----------
    params : dict str -> ndarray
        The parameters (for example ``model.parameters()``); every array is updated in place,
        ``p -= lr * grads[key]``, so the model holding them sees the change.
    grads : dict str -> ndarray
        Gradients with the same keys and shapes; not modified.
    lr : float
        Learning rate.

    Returns
    -------
    None
    """
    ### BEGIN SOLUTION
    for key, p in params.items():
        p -= lr * grads[key]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sgd_step_visible", "points": 1}
from utils.checks import check_close

W, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -0.5])
params = {"W": W, "b": b}
grads = {"W": np.ones((2, 2)), "b": np.array([1.0, -1.0])}
sgd_step(params, grads, 0.5)
check_close("the array W itself after sgd_step(lr=0.5)", W, [[0.5, 1.5], [2.5, 3.5]],
            hint="update in place (p -= lr * g): the dict must keep holding the same arrays")
check_close("the array b itself after sgd_step(lr=0.5)", b, [0.0, 0.0], hint="p -= lr * g")

# %% nbgrader={"grade": true, "grade_id": "test_sgd_step_hidden", "points": 2}
# Hidden tests of sgd_step: several keys and shapes, the same arrays updated in place, the
# gradients left unchanged.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_true, check_unchanged

rng = np.random.default_rng(4701)
shapes = {"0.W": (3, 4), "0.b": (4,), "2.W": (4, 1), "2.b": (1,)}
for lr in (0.1, 1e-3, 2.0):
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    grads = {k: 1e3 * rng.normal(size=s) for k, s in shapes.items()}
    arrays = dict(params)
    before = {k: p.copy() for k, p in params.items()}
    grads_before = {k: g.copy() for k, g in grads.items()}
    sgd_step(params, grads, lr)
    for key in shapes:
        check_true(f"params[{key!r}] after sgd_step(lr={lr:g})", params[key] is arrays[key],
                   "the same array as before the step", hint="update in place: p -= lr * g")
        check_close(f"params[{key!r}] after sgd_step(lr={lr:g})", arrays[key],
                    before[key] - lr * grads_before[key], rtol=1e-12, atol=1e-12,
                    hint="p ← p − lr · g, for every key")
        check_unchanged(f"grads[{key!r}] after sgd_step(lr={lr:g})", grads_before[key], grads[key])

# The two dicts are matched by key, not by position: here grads lists its keys in another order.
params = {"a": np.zeros(3), "b": np.zeros(3), "c": np.zeros(3)}
grads = {"c": np.full(3, 3.0), "a": np.full(3, 1.0), "b": np.full(3, 2.0)}
sgd_step(params, grads, 1.0)
for key, value in [("a", -1.0), ("b", -2.0), ("c", -3.0)]:
    check_close(f"params[{key!r}] after sgd_step with grads in another key order", params[key], np.full(3, value),
                rtol=0, atol=0, hint="use grads[key] for params[key]; do not zip the two dicts' values")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The four equations of backpropagation, on a two-layer network
#
# Take a network with one hidden layer of sigmoids and a linear output, trained with the MSE:
#
# $$Z^1 = X W^1 + b^1,\quad A^1 = \sigma(Z^1),\quad Z^2 = A^1 W^2 + b^2,\quad
#   L = \tfrac1N \lVert Z^2 - T \rVert^2 .$$
#
# Write $\delta^l = \partial L / \partial Z^l$ (the *error* of layer $l$, shape `(n, d_l)`).
# The lecture's four equations, in our row convention:
#
# | | equation | meaning |
# |---|---|---|
# | BP1 | $\delta^2 = \partial L/\partial Z^2 = 2(Z^2 - T)/N$ | the error at the output (from the loss) |
# | BP2 | $\delta^1 = (\delta^2\, {W^2}^\top) \odot \sigma'(Z^1)$, with $\sigma'(Z^1) = A^1 (1 - A^1)$ | the error moves back one layer |
# | BP3 | $\partial L / \partial b^l = \sum_i \delta^l_{i,:}$ | bias gradient: the error summed over samples |
# | BP4 | $\partial L / \partial W^l = {A^{l-1}}^\top \delta^l$ (with $A^0 = X$) | weight gradient: input times error |
#
# Our layers implement exactly these: the loss gives BP1, `Sigmoid.backward` and
# `Linear.backward`'s `dout @ W.T` give BP2, and `Linear`'s `grads` are BP3 and BP4. Let us
# compute the four equations by hand and compare with what `Sequential.backward` fills.

# %%
rng = np.random.default_rng(0)
X_small, T_small = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
two_layer = Sequential(Linear(3, 5, rng), Sigmoid(), Linear(5, 2, rng))
W1, b1 = two_layer.layers[0].params["W"], two_layer.layers[0].params["b"]
W2, b2 = two_layer.layers[2].params["W"], two_layer.layers[2].params["b"]

# By hand: forward, then BP1 to BP4.
Z1 = X_small @ W1 + b1
A1 = 1.0 / (1.0 + np.exp(-Z1))
Z2 = A1 @ W2 + b2
delta2 = 2.0 * (Z2 - T_small) / Z2.size          # BP1
delta1 = (delta2 @ W2.T) * A1 * (1.0 - A1)       # BP2
by_hand = {"0.W": X_small.T @ delta1, "0.b": delta1.sum(axis=0),   # BP4, BP3
           "2.W": A1.T @ delta2, "2.b": delta2.sum(axis=0)}

# With the layers.
loss, dpred = mse_loss(two_layer.forward(X_small), T_small)
two_layer.backward(dpred)
for key, grad in two_layer.gradients().items():
    print(f"{key}: relative error between BP1–BP4 by hand and backward = {relative_error(grad, by_hand[key]):.1e}")

# %% [markdown]
# ## 6. Why reverse mode: one forward and one backward pass instead of two forward passes per parameter
#
# The gradient of a scalar loss with respect to $P$ parameters could be estimated by centred
# finite differences, perturbing one parameter at a time: $2P$ forward passes. Backpropagation
# gets all $P$ derivatives from **one forward and one backward pass**, and the backward pass
# costs about **two** forward passes: each `Linear` does two matrix products of the size of its
# forward product, one for $\bar W$ and one for $\bar X$, against one going forward. So about
# three forward passes in all, counting the products. This is *reverse-mode* automatic
# differentiation: its cost is a small multiple of the forward pass, **whatever $P$**. Let us
# time both on a network with a few hundred parameters. (On matrices this small, Python's
# per-call overhead weighs as much as the products, so the measured time ratio, printed
# below, comes out below 3.)

# %%
X_digits, y_digits, X_digits_test, y_digits_test = load_digits_split(0)
batch_X, batch_y = X_digits[:32], y_digits[:32]
timing_net = Sequential(Linear(64, 8, rng), ReLU(), Linear(8, 10, rng))
n_params = sum(p.size for p in timing_net.parameters().values())


def median_seconds(run, repeats=100):
    """Median wall time of ``run()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def forward_loss():
    return softmax_cross_entropy(timing_net.forward(batch_X), batch_y)[0]


def forward_backward():
    _, dlogits = softmax_cross_entropy(timing_net.forward(batch_X), batch_y)
    timing_net.backward(dlogits)


t_forward, t_backprop = median_seconds(forward_loss), median_seconds(forward_backward)
forward_backward()
analytic = {k: g.copy() for k, g in timing_net.gradients().items()}
start = time.perf_counter()
numeric = {k: numerical_gradient(lambda _: forward_loss(), p) for k, p in timing_net.parameters().items()}
t_numeric = time.perf_counter() - start

print(f"P = {n_params} parameters, batch of {len(batch_X)} digits")
print(f"forward pass + loss         {1e6 * t_forward:8.1f} µs")
print(f"forward + backward          {1e6 * t_backprop:8.1f} µs   ({t_backprop / t_forward:.1f} × the time of forward + loss)")
print(f"finite differences (2P)     {1e6 * t_numeric:8.0f} µs   ({t_numeric / t_backprop:.0f} × the time of forward + backward)")
print("largest relative error, backprop vs finite differences: "
      f"{max(relative_error(analytic[k], numeric[k]) for k in analytic):.1e}")

# %% [markdown]
# ## 7. Gradient checking, layer by layer
#
# The comparison above is a **gradient check**, the standard test of any backward pass.
# `utils.gradcheck.check_module_gradients(module, x)` draws a random upstream gradient $G$ and
# compares the module's `backward` with centred finite differences of
# $\sum (\text{forward}(x) \odot G)$, for the input and for every parameter. Relative errors
# below $10^{-7}$ mean the gradient is right; above $10^{-2}$ it is almost surely wrong.
#
# ReLU has a **kink** at 0: a centred difference straddling it sees a slope of about ½, while
# the analytic derivative is 0 or 1. So we check ReLU on inputs kept away from 0, and then show
# what happens when some inputs lie within `eps` of the kink.

# %%
rng = np.random.default_rng(1)
away_from_zero = lambda shape: rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 2.0, size=shape)
checks = {
    "Linear(4, 3)": (Linear(4, 3, rng), rng.normal(size=(5, 4))),
    "ReLU": (ReLU(), away_from_zero((5, 4))),
    "Sigmoid": (Sigmoid(), rng.normal(size=(5, 4))),
    "Sequential(Linear, Sigmoid, Linear, ReLU)":
        (Sequential(Linear(4, 6, rng), Sigmoid(), Linear(6, 3, rng), ReLU()), rng.normal(size=(5, 4))),
}
for name, (module, x) in checks.items():
    errors = check_module_gradients(module, x, rng=rng)
    print(f"{name:42s}", "  ".join(f"{k}: {e:.1e}" for k, e in errors.items()))

logits, labels = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, labels)[0], logits.copy())
print(f"{'softmax_cross_entropy':42s} logits: {relative_error(softmax_cross_entropy(logits, labels)[1], numeric):.1e}")
pred, target = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
numeric = numerical_gradient(lambda p: mse_loss(p, target)[0], pred.copy())
print(f"{'mse_loss':42s} pred: {relative_error(mse_loss(pred, target)[1], numeric):.1e}")

near_kink = away_from_zero((5, 4))
near_kink[0, :2] = [3e-7, -3e-7]  # two inputs closer to 0 than eps = 1e-6
print(f"ReLU with two inputs within eps of 0: x: {check_module_gradients(ReLU(), near_kink, rng=rng)['x']:.1e}")

# %% [markdown]
# Every layer agrees with finite differences to about $10^{-9}$ or better, except ReLU next to
# its kink: there the numerical derivative is an average of the two sides (about ½), and the
# error jumps by many orders of magnitude, into the "almost surely wrong" range, although
# `backward` is right. When a check fails on a network with
# ReLUs, first look at whether the disagreeing entries sit at a kink. (In training the exact
# value 0 is reached with probability ~0, which is why the choice "derivative 0 at 0" is harmless.)
#
# ## 8. XOR needs a hidden layer
#
# Chapter 3 showed that no linear classifier separates XOR. A network without a hidden layer,
# `Sequential(Linear(2, 2))`, is softmax regression: linear boundaries. With a hidden layer the
# network first maps the points to a space where they *are* linearly separable. We train both
# with full-batch gradient descent; `train` below is the training loop used for the rest of the
# chapter (mini-batches of shuffled samples, one `sgd_step` per batch).

# %%
def train(model, X, y, loss_fn, lr, epochs, batch_size, rng):
    """Mini-batch SGD on ``loss_fn(model.forward(X_batch), y_batch)``; the training loss per epoch."""
    params = model.parameters()  # the model's own arrays: sgd_step updates them in place
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, dout = loss_fn(model.forward(X[batch]), y[batch])
            model.backward(dout)
            sgd_step(params, model.gradients(), lr)
        losses.append(loss_fn(model.forward(X), y)[0])
    return np.array(losses)


def accuracy(model, X, y):
    return float(np.mean(model.forward(X).argmax(axis=1) == y))


rng = np.random.default_rng(2)
X_xor, y_xor = xor(200, rng, noise=0.2)
xor_models = {"no hidden layer": Sequential(Linear(2, 2, rng)),
              "hidden layer of 8 ReLUs": Sequential(Linear(2, 8, rng), ReLU(), Linear(8, 2, rng))}
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (name, model) in zip(axes, xor_models.items()):
    train(model, X_xor, y_xor, softmax_cross_entropy, lr=0.5, epochs=200, batch_size=len(X_xor), rng=rng)
    plot_decision_boundary(model.forward, X_xor, y_xor, ax=ax, resolution=60)
    ax.set_title(f"{name}: accuracy {accuracy(model, X_xor, y_xor):.0%}")
    print(f"XOR, {name}: training accuracy {accuracy(model, X_xor, y_xor):.1%}")
plt.show()

# %% [markdown]
# **Question (2 points).** (a) Why can no network *without* a hidden layer classify XOR
# correctly? (b) A network `Sequential(Linear(2, 8, rng), Linear(8, 2, rng))` has a hidden layer of 8
# units but no activation: can it solve XOR? Explain with the formula of what it computes.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_xor_hidden_layer", "points": 2}
# **Model answer.** (a) Without a hidden layer the network computes the logits $Z = XW + b$;
# the predicted class changes where $z_1 - z_0 = x^\top(w_1 - w_0) + (b_1 - b_0)$ changes sign:
# a straight line. XOR's two classes sit on opposite corners of a square, and no line has
# $(1,1)$ and $(-1,-1)$ on one side and $(1,-1)$, $(-1,1)$ on the other (the four
# inequalities contradict each other: sum them pairwise). So at best 3 of the 4 corners are
# right. (b) No: a composition of affine maps is affine,
# $(XW^1 + b^1)W^2 + b^2 = X(W^1W^2) + (b^1W^2 + b^2)$, the same linear boundary as (a). The
# non-linearity between the layers is what lets the hidden layer bend the boundary.
# 2 points: (a) linear boundary, corners argument (1); (b) composition of linear maps is
# linear, formula (1).

# %% [markdown]
# ## 9. Universal approximation, seen at work
#
# One hidden layer of enough units can approximate any continuous function on an interval
# (Cybenko 1989, Hornik 1991). The idea fits in a picture: a **steep sigmoid**
# $\sigma(s(x - c))$ with a large slope $s$ is almost a step at $c$. A hidden layer of $N$ such
# units, with output weights equal to the jumps of $f$ between $N+1$ knots, builds a staircase
# that follows $f$; more units make finer steps. We set the weights by hand, in our own
# `Linear` and `Sigmoid` layers (no training), and watch the error fall as $N$ grows.

# %%
def staircase_network(f, n_units, steepness, rng):
    """A 1-N-1 network of steep sigmoids whose output climbs f's jumps between N+1 knots on [0, 1]."""
    knots = np.linspace(0.0, 1.0, n_units + 1)
    centres = 0.5 * (knots[:-1] + knots[1:])  # one step half way between consecutive knots
    net = Sequential(Linear(1, n_units, rng), Sigmoid(), Linear(n_units, 1, rng))
    params = net.parameters()
    params["0.W"][...] = steepness            # sigmoid(s x − s c) = a step at c
    params["0.b"][...] = -steepness * centres
    params["2.W"][:, 0] = np.diff(f(knots))   # each step's height: the jump of f
    params["2.b"][...] = f(knots[0])
    return net


target = lambda x: np.sin(2 * np.pi * x) + 0.5 * x
x_grid = np.linspace(0.0, 1.0, 400)[:, None]
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(x_grid, target(x_grid), "k", lw=3, alpha=0.3, label="target f")
for n_units in (5, 20, 100):
    net = staircase_network(target, n_units, steepness=20.0 * n_units, rng=np.random.default_rng(0))
    approx = net.forward(x_grid)
    error = np.abs(approx - target(x_grid)).max()
    ax.plot(x_grid, approx, lw=1.2, label=f"{n_units} sigmoids: max error {error:.3f}")
    print(f"{n_units:4d} hidden units: max |network − f| = {error:.4f}")
ax.set_xlabel("x")
ax.set_ylabel("f(x) and the network's output")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# The printed errors fall by a factor of about 4 from 5 to 20 units (4 times as many: like
# $1/N$, since each step is a jump of size about $|f'|/N$) and by about 6 from 20 to 100 units
# (5 times as many): at least as fast as $1/N$, a little faster at the larger $N$. The theorem
# says such a network *exists*; it says nothing about how many units are needed for a given
# accuracy in many dimensions, nor whether gradient descent finds the weights. Training does
# find much better ones than our staircase, as the next sections show.
#
# ## 10. A decision boundary on moons
#
# Two interleaving half-circles: a curved boundary, learned by a network with two hidden layers
# of 16 ReLUs, trained by mini-batch SGD.

# %%
rng = np.random.default_rng(3)
X_moons, y_moons = moons(300, rng, noise=0.15)
moons_net = Sequential(Linear(2, 16, rng), ReLU(), Linear(16, 16, rng), ReLU(), Linear(16, 2, rng))
moons_losses = train(moons_net, X_moons, y_moons, softmax_cross_entropy, lr=0.2, epochs=40,
                     batch_size=32, rng=rng)
print(f"moons: training accuracy {accuracy(moons_net, X_moons, y_moons):.1%}")
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
plot_decision_boundary(moons_net.forward, X_moons, y_moons, ax=ax1, resolution=60)
ax1.set_title("2-16-16-2 ReLU network")
plot_loss_curves({"training loss": moons_losses}, ax=ax2, log=True)
plt.show()

# %% [markdown]
# ## 11. Handwritten digits
#
# scikit-learn's bundled digits: 8×8 images (64 standardised pixels), ten classes, 1347
# training and 450 test images. A network 64–64–10 with ReLU, plain SGD on mini-batches of
# 32, ten epochs: our own layers, nothing else.

# %%
rng = np.random.default_rng(4)
digits_net = Sequential(Linear(64, 64, rng), ReLU(), Linear(64, 10, rng))
digits_losses = train(digits_net, X_digits, y_digits, softmax_cross_entropy, lr=0.1, epochs=10,
                      batch_size=32, rng=rng)
train_accuracy = accuracy(digits_net, X_digits, y_digits)
test_accuracy = accuracy(digits_net, X_digits_test, y_digits_test)
print(f"digits: training accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%}")
assert test_accuracy >= 0.95, f"expected at least 95 % test accuracy, got {test_accuracy:.1%}"

predicted = digits_net.forward(X_digits_test).argmax(axis=1)
wrong = np.flatnonzero(predicted != y_digits_test)[:8]
fig = plt.figure(figsize=(11, 3.6))
left, right = fig.subfigures(1, 2)
plot_loss_curves({"training loss": digits_losses}, ax=left.subplots(), log=True)
right.suptitle(f"misclassified test digits, true → predicted ({len(wrong)} shown)")
for ax, i in zip(right.subplots(2, 4).flat, list(wrong) + [None] * 8):
    ax.axis("off")
    if i is not None:
        # standardised pixels: ink where a pixel is above its average (> 0); clipped at 2, since
        # a pixel that is almost always blank reaches ~37 and would wash out the others
        ax.imshow(np.clip(X_digits_test[i].reshape(8, 8), 0.0, 2.0), cmap="gray_r", vmin=0.0, vmax=2.0)
        ax.set_title(f"{y_digits_test[i]} → {predicted[i]}", fontsize="small")
plt.show()

# %% [markdown]
# **Question (2 points).** A network has $P = 10^6$ parameters. (a) How many forward passes does
# a centred finite-difference estimate of the gradient of its loss take, and what does one
# gradient by backpropagation cost, counting **both** its forward pass and its backward pass,
# in forward passes (count the matrix products of each `Linear`, as in section 6)? (b) Reverse mode is not the only way to apply the chain
# rule: *forward mode* carries derivatives from the inputs towards the output. Why is reverse
# mode the right choice for training, and when would forward mode be cheaper?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_reverse_mode", "points": 2}
# **Model answer.** (a) Centred differences perturb each parameter twice: $2P = 2\times10^6$
# forward passes (and each estimate has truncation and rounding error). A gradient by
# backpropagation costs one forward and one backward pass, the backward alone costing about two
# forward passes (two matrix products per linear layer instead of one): about 3 forward passes
# in all, forward included, independent of
# $P$, against $2P$ for finite differences: a ratio that grows like $P$. (The timing above, with
# $P = 610$, measured a time ratio below 3 on tiny matrices, where Python's overhead counts, and
# finite differences some hundreds of times slower than backpropagation.)
# (b) Forward mode computes the derivative of all outputs with respect to **one** input
# direction per pass, so the full gradient needs $P$ passes; reverse mode computes the
# derivative of **one** output (the scalar loss) with respect to all inputs in one pass. Training
# has one scalar output and millions of parameters, so reverse mode wins. Forward mode is
# cheaper when there are few inputs and many outputs (a Jacobian-vector product, e.g. the
# sensitivity of many outputs to one parameter). The price of reverse mode is memory: the
# forward pass's caches must be kept until the backward pass.
# 2 points: (a) 2P vs ~3 forward passes (1); (b) one output/many inputs ⇒ reverse; forward
# mode for few inputs, many outputs (1).

# %% [markdown]
# ## 12. The playground: your network, live
#
# The playground trains a small network on a 2-D data set one epoch per tick and redraws the
# decision boundary and the loss curves. Here it runs **your** layers: `make_model` builds a
# `Sequential` from your `Linear`, `ReLU` and `Sigmoid`, trained with your
# `softmax_cross_entropy` and `sgd_step`. Try XOR and the spirals with no hidden layer, one, and
# two; a large learning rate; sigmoids in a deep network (they learn slowly: chapter 5 says why).

# %%
ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "linear": None}  # "linear": no activation


def make_model(layer_sizes, activation, rng):
    """A Sequential of Linear layers of the given sizes, with `activation` between them."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"this notebook has no {activation!r} layer; choose one of {sorted(ACTIVATIONS)}")
    layers = []
    for i, (d_in, d_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        if i > 0 and ACTIVATIONS[activation] is not None:
            layers.append(ACTIVATIONS[activation]())
        layers.append(Linear(d_in, d_out, rng))
    return Sequential(*layers)


# The menu offers only the activations this make_model builds; make_model is the notebook's code.
show(playground(make_model, loss=softmax_cross_entropy, step=sgd_step, activations=list(ACTIVATIONS),
                make_model_given=True))

# %% [markdown]
# ## Summary
#
# * Backpropagation is the chain rule evaluated from the loss backwards: each operation
#   multiplies the incoming gradient by its local derivative, using values cached by the
#   forward pass. In a layer: $\bar W = X^\top \bar Z$, $\bar b = \sum_i \bar Z_{i,:}$,
#   $\bar X = \bar Z W^\top$; an activation multiplies entrywise by $\sigma'$ (ReLU: the mask
#   $x > 0$ of its input; sigmoid: $a(1-a)$ from its output).
# * The losses return their gradient: softmax cross-entropy $\bar Z = (P - Y)/n$ (stable with
#   log-sum-exp), MSE $2(\hat Y - T)/N$. The four equations BP1–BP4 are these rules on a
#   two-layer network.
# * Reverse mode costs a few forward passes whatever the number of parameters; finite
#   differences cost $2P$. They remain the way to **check** a backward pass (relative error
#   below $10^{-7}$), away from kinks such as ReLU's 0.
# * A `Sequential` chains modules, backward in reverse; its `parameters()` are the layers' own
#   arrays, so `sgd_step` updates them in place.
# * Without a non-linear hidden layer a network is linear (XOR fails); one hidden layer of
#   enough units approximates any continuous function; trained by SGD, a small MLP separates
#   moons and reads digits with more than 95 % test accuracy.
# * Next: which activation and which initialisation let deeper networks train (chapter 5), and
#   better optimisers than plain SGD (chapter 6).
