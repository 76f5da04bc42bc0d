# %% [markdown]
# # Chapter 3 — Logistic and softmax regression
#
# Chapter 1 predicted a number. Now we predict a **class**: malignant or benign, which digit.
# The lecture took three steps, and so does this notebook: the **perceptron**, a hard linear
# threshold with Rosenblatt's learning rule, and its limit (XOR); **logistic regression**, which
# replaces the threshold by a probability and derives its loss from the likelihood; and
# **softmax regression**, the same idea for $K$ classes, the output layer of every classifier
# network in the chapters to come.
#
# **Goals.** By the end of this notebook you will have written, from NumPy alone:
#
# 1. a numerically stable sigmoid and the binary cross-entropy (BCE);
# 2. the loss and gradient of logistic regression, and its training by gradient descent;
# 3. one-hot targets, a stable softmax and the cross-entropy of softmax regression with its
#    gradient, computed through the log-sum-exp;
# 4. class predictions and the accuracy;
#
# and you will have trained both models on real data (scikit-learn's bundled breast-cancer and
# digits sets), drawn linear decision boundaries, and checked that softmax regression with two
# classes *is* logistic regression.
#
# **Notation** (the lecture's, and the code's).
#
# | symbol | code | shape | meaning |
# |---|---|---|---|
# | $n$, $d$, $K$ | `n`, `d`, `n_classes` | | samples, columns of $X$ (the bias column included, so $d$ is also the number of parameters of logistic regression, chapter 2's $p$), classes |
# | $X$ | `X` | `(n, d)` | inputs, one sample per **row**; a column of ones holds the bias |
# | $y$ | `y` | `(n,)` | labels: 0/1 for two classes, ints in $[0, K)$ for $K$ classes |
# | $\theta$ | `theta` | `(d,)` | parameters of logistic regression, logits $z = X\theta$ |
# | $W$ | `W` | `(d, K)` | parameters of softmax regression, scores $Z = XW$ |
# | $Y$ | `Y` | `(n, K)` | one-hot targets: $Y_{ik} = 1$ if $y_i = k$ |
# | $p$, $P$ | `p`, `P` | `(n,)`, `(n, K)` | predicted probabilities |
#
# Every array of real numbers is float64 (class labels and the classes `predict_classes`
# returns are integers), and every loss is a **mean** over the samples. "Stable" means: no
# overflow, no `nan` and no warning for inputs as large as $\pm 1000$. A
# function documented as returning a **Python float** must return an object of Python's type
# `float`: `float(...)` of a NumPy result always is one, and a NumPy `np.float64` passes too
# (it is a subclass of `float`), but a `np.float32` or a 0-d array (`np.array(1.5)`) does not.
#
# **How to work.** Run the first cell, then go down the notebook. Each function you write lives
# in its own cell, where `raise NotImplementedError()` marks the place of your code; the cell just
# after it holds *visible* tests that check the basics. Hidden tests check exact values and edge
# cases (one sample, one feature, huge logits) when the notebook is graded: passing the visible
# tests is necessary, not sufficient. Your functions must not modify their inputs and must not
# print warnings (a test cell that prints a warning scores zero).

# %% nbgrader={"locked": true, "grade_id": "setup"}
import warnings

import numpy as np
import matplotlib.pyplot as plt

from utils.checks import (check_close, check_dtype, check_equal, check_finite, check_shape,
                          check_true, check_type, check_unchanged)
from utils.datasets import blobs, load_breast_cancer_split, load_digits_split, xor
from utils.plotting import figures_off_while_grading, plot_decision_boundary, plot_loss_curves
from utils.widgets import logistic_explorer, show

figures_off_while_grading()  # the grader looks at test results, not figures: skip drawing

plt.rcParams["figure.figsize"] = (6.4, 3.6)

# %% [markdown]
# ## 1. The perceptron
#
# Rosenblatt's perceptron (1958) is a linear classifier with a hard threshold. With labels
# $t_i = 2y_i - 1 \in \{-1, +1\}$ and a bias column in $X$, it predicts
# $\hat t = \operatorname{sign}(x^\top w)$. Its **learning rule** visits the samples one by one
# and corrects only the mistakes:
#
# $$\text{if } t_i\, x_i^\top w \le 0: \qquad w \leftarrow w + t_i\, x_i .$$
#
# A correction moves $x_i^\top w$ towards the right sign by $\lVert x_i \rVert^2$. The
# **perceptron convergence theorem** (Novikoff, 1962) says that if some $w^\star$ separates the
# two classes with a margin, the rule makes a finite number of corrections and stops with zero
# mistakes. If no such $w^\star$ exists, it never stops: it keeps cycling.
#
# The perceptron is not graded; here it is, on two well-separated clusters.

# %%
def with_bias(X):
    """Prepend a column of ones, so that the first parameter is the bias."""
    return np.column_stack([np.ones(len(X)), X])


def perceptron(X, y, n_epochs=50):
    """Rosenblatt's rule on ``X`` (bias column included) and 0/1 labels ``y``.

    Returns the weights and the number of mistakes in each epoch (it stops after a clean one).
    """
    t = 2.0 * y - 1.0  # labels in {-1, +1}
    w = np.zeros(X.shape[1])
    mistakes = []
    for _ in range(n_epochs):
        count = 0
        for x_i, t_i in zip(X, t):
            if t_i * (x_i @ w) <= 0.0:
                w = w + t_i * x_i
                count += 1
        mistakes.append(count)
        if count == 0:
            break
    return w, mistakes


X_sep, y_sep = blobs(100, np.random.default_rng(0), centers=np.array([[-2.0, -2.0], [2.0, 2.0]]),
                     std=0.8)
X_xor, y_xor = xor(100, np.random.default_rng(1), noise=0.2)
w_sep, mistakes_sep = perceptron(with_bias(X_sep), y_sep)
w_xor, mistakes_xor = perceptron(with_bias(X_xor), y_xor)
print("mistakes per epoch, separable clusters:", mistakes_sep)
print("mistakes per epoch, XOR (first 10 of 50):", mistakes_xor[:10])

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
plot_decision_boundary(lambda P: (with_bias(P) @ w_sep > 0).astype(int), X_sep, y_sep, ax=ax1,
                       resolution=120)
ax1.set_title(f"separable: no mistake after {len(mistakes_sep)} epochs")
plot_decision_boundary(lambda P: (with_bias(P) @ w_xor > 0).astype(int), X_xor, y_xor, ax=ax2,
                       resolution=120)
ax2.set_title(f"XOR: still {mistakes_xor[-1]} mistakes after 50 epochs")
plt.show()

# %% [markdown]
# ## 2. XOR defeats every linear classifier
#
# On the clusters, the rule stops after a few epochs. On XOR it never does, and no amount of
# training can help: **no line separates XOR**. Take the four corners and any affine score
# $s(x) = b + w_1 x_1 + w_2 x_2$ that is positive on class 1, $(-1, 1)$ and $(1, -1)$, and
# negative on class 0, $(1, 1)$ and $(-1, -1)$:
#
# $$b - w_1 + w_2 > 0, \quad b + w_1 - w_2 > 0, \qquad b + w_1 + w_2 < 0, \quad b - w_1 - w_2 < 0 .$$
#
# Adding the first two gives $2b > 0$; adding the last two gives $2b < 0$. A contradiction: every
# linear classifier (perceptron, logistic or softmax regression) gets at least one corner wrong.
# Minsky and Papert's book (1969) made this limit famous. Two ways out: new **features** (the
# product $x_1 x_2$ separates XOR by its sign), or features **learned** by a hidden layer
# (chapter 4).

# %%
corners = np.array([[-1.0, 1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, -1.0]])
corner_labels = np.array([1, 1, 0, 0])
_, mistakes_corners = perceptron(with_bias(corners), corner_labels, n_epochs=100)
print(f"4 XOR corners, 100 epochs: mistakes in the last five epochs {mistakes_corners[-5:]}")
with_product = np.column_stack([corners, corners[:, 0] * corners[:, 1]])
_, mistakes_product = perceptron(with_bias(with_product), corner_labels)
print(f"with the feature x1·x2 added: mistakes per epoch {mistakes_product}")

# %% [markdown]
# **Question (2 points).** The argument above uses the four corners only, while the XOR data
# set of the plot draws its points as Gaussian clouds (standard deviation 0.2) around those
# corners, so no point sits exactly on one. Explain why it still follows that *no* linear
# classifier reaches 100 % accuracy on it, and say in one sentence why adding the feature
# $x_1 x_2$ changes the answer although the classifier stays linear.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_xor_linear", "points": 2}
# **Model answer.** A linear classifier predicts class 1 on a half-plane $\{x : s(x) > 0\}$,
# and half-planes are **convex**: if they contain two points, they contain the segment between
# them. In the noisy data set take one class-1 point near $(-1, 1)$ and one near $(1, -1)$, and
# one class-0 point near $(1, 1)$ and one near $(-1, -1)$. The two segments joining them are
# close to the two diagonals of the square, so they cross at a point $c$ (near the origin). A
# classifier right on all four points would need $s(c) > 0$ (since $c$ is on the class-1 segment)
# and $s(c) < 0$ (since $c$ is on the class-0 segment): impossible. So at least one of any such
# four points is misclassified, and the accuracy stays below 100 % (at best about 75 %: a line
# can leave three of the four clusters on their side, never all four). The corner argument is the
# same with $c$ the origin: the sums of the inequalities are $2s(0)$. With the feature $x_1x_2$
# the classifier is linear in the *features* $(x_1, x_2, x_1x_2)$, where the classes are
# separable ($-x_1x_2 > 0$ exactly on class 1), but not in $x$: mapped back to the plane, the
# boundary is the pair of axes, not a line.
# 2 points: the convexity (or summing) argument carried to the noisy data (1); linear in the
# new features, a non-linear boundary in the input plane (1).

# %% [markdown]
# ## 3. From a threshold to a probability
#
# ### 3.1 The Bernoulli likelihood and the binary cross-entropy
#
# Logistic regression replaces the hard threshold by a probability: it models the label as a
# Bernoulli variable, $P(y_i = 1 \mid x_i) = p_i = \sigma(x_i^\top\theta)$, with the **sigmoid**
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}}, \qquad 1 - \sigma(z) = \sigma(-z), \qquad \sigma'(z) = \sigma(z)(1 - \sigma(z)).$$
#
# The probability of one label is $p_i^{y_i}(1 - p_i)^{1 - y_i}$ (this picks $p_i$ when
# $y_i = 1$ and $1 - p_i$ when $y_i = 0$). For independent samples the likelihood is the product,
# and its negative logarithm, divided by $n$, is the **binary cross-entropy**
#
# $$L = -\frac1n \sum_{i=1}^n \big[\, y_i \log p_i + (1 - y_i) \log(1 - p_i) \,\big].$$
#
# As least squares is maximum likelihood under Gaussian noise (chapter 1), BCE is maximum
# likelihood under Bernoulli labels.
#
# ### 3.2 A stable sigmoid
#
# Written as it stands, $1/(1 + e^{-z})$ computes $e^{1000} = \infty$ at $z = -1000$: the result,
# $0$, is right, but NumPy prints `RuntimeWarning: overflow encountered in exp`. And
# $e^{z}/(1 + e^{z})$ gives $\infty/\infty = $ `nan` at $z = 1000$. The cure: only ever
# exponentiate a non-positive number. With $e = e^{-|z|} \in (0, 1]$,
#
# $$\sigma(z) = \frac{1}{1 + e} \ \text{ for } z \ge 0, \qquad \sigma(z) = \frac{e}{1 + e} \ \text{ for } z < 0 .$$
#
# Write `sigmoid(z)` for an array of any shape. (`np.where` evaluates both branches
# everywhere, so both must be safe on every entry: with $e = e^{-|z|}$ they are.)

# %% nbgrader={"solution": true, "grade_id": "sigmoid"}
def sigmoid(z):
    """The logistic function, elementwise and stable.

    Parameters
    ----------
    z : ndarray of float64, any shape
        Logits.

    Returns
    -------
    ndarray, same shape as ``z``, float64
        ``1 / (1 + exp(−z))``, computed without overflow, ``nan`` or warning for any float
        input (exponentiate ``−|z|`` only). Accurate to float64 rounding, and to 1e-15
        absolute in the far tails: where ``σ(z)`` is below 1e-15 (``z < −34.5``) any value
        that small is as good, ``0.0`` included.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_visible", "points": 1}
import warnings
from utils.checks import check_close, check_dtype, check_equal, check_shape

z = np.array([[-2.0, 0.0, 2.0], [-1.0, 1.0, 3.0]])
s = sigmoid(z)
check_shape("sigmoid(z) for z of shape (2, 3)", s, (2, 3), hint="elementwise: same shape as z")
check_dtype("sigmoid(z)", s, "float64")
check_close("sigmoid(z) on a 2x3 example", s, 1.0 / (1.0 + np.exp(-z)), rtol=1e-12,
            hint="sigma(z) = 1 / (1 + exp(−z)); sigma(0) = 0.5")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    s = sigmoid(np.array([-1000.0, 1000.0]))
check_equal("warnings printed by sigmoid([-1000, 1000])", [str(w.message) for w in caught], [],
            hint="exponentiate −|z| only (it lies in [−∞, 0]), never z or −z themselves")
check_close("sigmoid([-1000, 1000])", s, [0.0, 1.0], atol=1e-15,
            hint="the limits 0 and 1, with no nan: e/(1+e) for z < 0, 1/(1+e) for z ≥ 0")

# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_hidden", "points": 2}
# Hidden tests of sigmoid: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_equal, check_shape, check_unchanged

rng = np.random.default_rng(3101)
for shape, scale in [((1,), 1.0), ((50,), 5.0), ((4, 6), 30.0), ((200,), 1e3), ((3, 2, 2), 700.0)]:
    z = scale * rng.normal(size=shape)
    z_before = z.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = sigmoid(z)
    e = np.exp(-np.abs(z_before))
    expected = np.where(z_before >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    case = f"sigmoid on shape {shape}, logits of size {scale:g}"
    check_equal(f"warnings printed by {case}", [str(w.message) for w in caught], [],
                hint="stable means no overflow warning: exponentiate −|z| only")
    check_shape(case, s, shape, hint="elementwise: same shape as z")
    check_close(case, s, expected, rtol=1e-9, atol=1e-15,
                hint="1 / (1 + exp(−z)) for every entry, with no nan for huge |z|")
    check_unchanged(f"z after {case}", z_before, z)

z = np.linspace(-40.0, 40.0, 81)
check_close("sigmoid(−z) + sigmoid(z)", sigmoid(-z) + sigmoid(z), np.ones_like(z), rtol=1e-12,
            hint="1 − sigma(z) = sigma(−z)")
check_close("sigmoid at z = ±1e308", sigmoid(np.array([-1e308, 1e308])), [0.0, 1.0], atol=1e-15,
            hint="stable for any float input")
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 The binary cross-entropy, clipped
#
# A probability of exactly 0 or 1 (a sigmoid saturates at $z \approx \pm 37$) makes
# $\log 0 = -\infty$: one overconfident mistake makes the loss infinite, with a
# `divide by zero` warning. The usual guard clips the probabilities to $[\varepsilon,
# 1 - \varepsilon]$ before taking logarithms; then a confident mistake costs
# $-\log\varepsilon \approx 27.6$ for $\varepsilon = 10^{-12}$. Write `binary_cross_entropy`:
# the **mean** over the samples, with the clipping done on a copy (`np.clip` returns a new
# array; do not clip `p` in place).

# %% nbgrader={"solution": true, "grade_id": "binary_cross_entropy"}
def binary_cross_entropy(y, p, eps=1e-12):
    """Mean binary cross-entropy of predicted probabilities, clipped away from 0 and 1.

    Parameters
    ----------
    y : ndarray, shape (n,)
        Labels, 0 or 1.
    p : ndarray, shape (n,)
        Predicted probabilities of label 1.
    eps : float
        ``p`` is clipped to ``[eps, 1 − eps]`` first (``p`` itself is not modified).
        Clipping ``p`` and ``1 − p`` separately into ``[eps, 1]`` is as good: in float64
        ``1 − (1 − eps)`` is not exactly ``eps``, and the two differ by about 1e-6 relative,
        which the tests allow.

    Returns
    -------
    float
        ``−mean(y log p + (1 − y) log(1 − p))`` with the clipped ``p``, as a Python float
        (``np.float64`` passes; ``np.float32`` or a 0-d array does not).
    """
    ### BEGIN SOLUTION
    p = np.clip(p, eps, 1.0 - eps)  # a new array: log(0) cannot happen
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_binary_cross_entropy_visible", "points": 1}
from utils.checks import check_close, check_type

value = binary_cross_entropy(np.array([1.0, 0.0]), np.array([0.8, 0.4]))
check_type("binary_cross_entropy(y, p)", value, float, hint="return one number: float(...)")
check_close("binary_cross_entropy([1, 0], [0.8, 0.4])", value,
            -(np.log(0.8) + np.log(0.6)) / 2, rtol=1e-12,
            hint="the mean of −log p for the 1s and −log(1 − p) for the 0s")
check_close("binary_cross_entropy([1], [0.0]) (a confident mistake)",
            binary_cross_entropy(np.array([1.0]), np.array([0.0])), -np.log(1e-12), rtol=1e-9,
            hint="clip p to [eps, 1 − eps] before the logarithm: the loss is −log(eps), finite")

# %% nbgrader={"grade": true, "grade_id": "test_binary_cross_entropy_hidden", "points": 2}
# Hidden tests of binary_cross_entropy: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_equal, check_type, check_unchanged

rng = np.random.default_rng(3202)
for n in [1, 7, 300]:
    y = rng.integers(0, 2, size=n).astype(np.float64)
    p = rng.uniform(0.01, 0.99, size=n)
    y_before, p_before = y.copy(), p.copy()
    value = binary_cross_entropy(y, p)
    expected = -(y_before * np.log(p_before) + (1 - y_before) * np.log(1 - p_before)).sum() / n
    check_type(f"binary_cross_entropy with n={n}", value, float, hint="return one number")
    check_close(f"binary_cross_entropy with n={n}", value, expected, rtol=1e-10,
                hint="the mean over the samples (not the sum) of −[y log p + (1 − y) log(1 − p)]")
    check_unchanged(f"y after binary_cross_entropy with n={n}", y_before, y)
    check_unchanged(f"p after binary_cross_entropy with n={n}", p_before, p)

# Probabilities of exactly 0 and 1, right and wrong: clipped, finite, no warning.
y = np.array([1.0, 0.0, 1.0, 0.0])
p = np.array([1.0, 0.0, 0.0, 1.0])
p_before = p.copy()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    value = binary_cross_entropy(y, p)
check_equal("warnings printed by binary_cross_entropy on p in {0, 1}",
            [str(w.message) for w in caught], [],
            hint="clip p to [eps, 1 − eps] on both sides before any logarithm")
clipped = np.array([1 - 1e-12, 1e-12, 1e-12, 1 - 1e-12])
expected = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
# rtol 1e-5: log(1 − clip(p)) at p = 1 is log(1.0000889e-12), not log(1e-12) (1 − eps rounds),
# so clipping p or clipping 1 − p, both faithful to the docstring, differ by ~1e-6 relative here.
check_close("binary_cross_entropy with p exactly 0 and 1", value, expected, rtol=1e-5,
            hint="two right and two maximally wrong predictions: the wrong ones cost −log(eps) each")
check_unchanged("p after binary_cross_entropy with p in {0, 1}", p_before, p,
                hint="clip into a new array (np.clip(p, eps, 1 − eps)), not p itself")
check_close("binary_cross_entropy with eps=1e-3 on a confident mistake",
            binary_cross_entropy(np.array([0.0]), np.array([1.0]), eps=1e-3), -np.log(1e-3),
            rtol=1e-9, hint="use the eps argument, not a fixed constant")  # 1 − (1 − 1e-3) is exact to 1e-13
check_close("binary_cross_entropy with eps=1e-3 on the other confident mistake (y=1, p=0)",
            binary_cross_entropy(np.array([1.0]), np.array([0.0]), eps=1e-3), -np.log(1e-3),
            rtol=1e-9, hint="clip from below at eps too, with the eps argument")
# eps = 0.05: two probabilities clipped (0.02 up to 0.05, 0.97 down to 0.95) and two inside
# [eps, 1 − eps] left as they are. Clipping changes only the values outside; adding eps inside
# the logarithms changes every term. Both ways of clipping agree to 1e-15 here (0.95 and
# 1 − 0.95 are within an ulp of 1 − eps and eps).
y = np.array([1.0, 0.0, 1.0, 0.0])
p = np.array([0.02, 0.97, 0.3, 0.6])
expected = -(np.log(0.05) + np.log(0.05) + np.log(0.3) + np.log(0.4)) / 4
check_close("binary_cross_entropy with eps=0.05 on p = [0.02, 0.97, 0.3, 0.6]",
            binary_cross_entropy(y, p, eps=0.05), expected, rtol=1e-10,
            hint="clip p to [eps, 1 − eps] (np.clip), then take the logarithms of p and 1 − p; "
                 "probabilities already inside that range are not changed")

check_close("binary_cross_entropy with int labels",
            binary_cross_entropy(np.array([1, 0, 1]), np.array([0.9, 0.2, 0.6])),
            -(np.log(0.9) + np.log(0.8) + np.log(0.6)) / 3, rtol=1e-10,
            hint="labels may come as ints 0/1")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Logistic regression by gradient descent
#
# With $p = \sigma(X\theta)$ and $\sigma' = \sigma(1 - \sigma)$, the chain rule collapses to a
# formula as simple as least squares' (the derivative of $\log\sigma(z)$ is $1 - \sigma(z)$, that
# of $\log(1 - \sigma(z))$ is $-\sigma(z)$):
#
# $$\nabla_\theta L = \frac1n X^\top (p - y) .$$
#
# The loss can be computed as `binary_cross_entropy(y, sigmoid(X @ theta))`, or, with no
# clipping at all, through the identity
# $-[y\log\sigma(z) + (1-y)\log(1 - \sigma(z))] = \log(1 + e^{z}) - yz$, where
# $\log(1 + e^{z})$ is `np.logaddexp(0, z)` (stable). Both are accepted; the gradient must use
# your stable sigmoid. The loss is **convex** in $\theta$, so gradient descent with a small
# enough step reaches the optimum; but unlike least squares there is no closed form (chapter 2
# solves it by Newton's method instead).
#
# Write `logistic_loss_grad`, then `fit_logistic`: gradient descent from $\theta = 0$ that records
# the loss **before** each step, so `losses[0]` is the loss at $\theta = 0$ (which is $\log 2$:
# every $p_i = 1/2$).

# %% nbgrader={"solution": true, "grade_id": "logistic_loss_grad"}
def logistic_loss_grad(X, y, theta):
    """Mean binary cross-entropy of logistic regression and its gradient.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs (with a bias column if the model has a bias).
    y : ndarray, shape (n,)
        Labels, 0 or 1.
    theta : ndarray, shape (d,)
        Parameters.

    Returns
    -------
    loss : float
        The mean BCE of ``p = sigmoid(X theta)``, as a Python float (``np.float64`` passes;
        ``np.float32`` or a 0-d array does not). Either form is right, and the tests accept
        both: the exact ``mean(log(1 + e^z) − y z)`` with ``z = X theta`` (``np.logaddexp``),
        or ``binary_cross_entropy(y, p)``, which clips ``p`` to ``[1e-12, 1 − 1e-12]``.
        Where every ``|z| < 10`` the two agree to 1e-9 relative, and the loss must match to
        that. Where some ``|z|`` is beyond about 28, they part: a confidently wrong sample
        costs its exact ``|z|`` (1000 for ``z = ±1000``) in the exact form and
        ``−log(1e-12) ≈ 27.6`` in the clipped one; the tests then accept either value (to
        1e-5 relative), and nothing else. For every ``X`` and ``theta`` with finite logits
        (the tests go up to ``|z| ≈ 3e3``) the loss must be finite (neither ``inf`` nor
        ``nan``) and the call must print no warning.
    grad : ndarray, shape (d,)
        ``(1/n) Xᵀ(p − y)``, finite for the same inputs (``p`` clipped or not: they differ
        by at most 1e-12, within the tests' tolerance).
    """
    ### BEGIN SOLUTION
    z = X @ theta
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z))  # log(1 + e^z) − y z, stable
    grad = X.T @ (sigmoid(z) - y) / len(y)
    return loss, grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_logistic_loss_grad_visible", "points": 1}
from utils.checks import check_close, check_shape, check_type

X = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]])
y = np.array([1.0, 0.0, 0.0])
loss, grad = logistic_loss_grad(X, y, np.zeros(2))
check_type("loss of logistic_loss_grad", loss, float, hint="return one number: float(...)")
check_shape("grad of logistic_loss_grad for X of shape (3, 2)", grad, (2,),
            hint="one entry per parameter: multiply by Xᵀ")
check_close("loss of logistic_loss_grad at theta = 0", loss, np.log(2.0), rtol=1e-10,
            hint="at theta = 0 every p is 1/2, and the mean BCE is log 2")
check_close("grad of logistic_loss_grad at theta = 0", grad, X.T @ (0.5 - y) / 3, rtol=1e-10,
            hint="(1/n) Xᵀ(p − y): prediction minus label, averaged over the n samples")

# %% nbgrader={"grade": true, "grade_id": "test_logistic_loss_grad_hidden", "points": 3}
# Hidden tests of logistic_loss_grad: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_equal, check_finite, check_shape, check_unchanged

rng = np.random.default_rng(3303)
for n, d in [(1, 1), (1, 3), (9, 1), (60, 4)]:
    X, theta = rng.normal(size=(n, d)), rng.normal(size=d)
    y = rng.integers(0, 2, size=n).astype(np.float64)
    X_before, y_before, theta_before = X.copy(), y.copy(), theta.copy()
    loss, grad = logistic_loss_grad(X, y, theta)
    z = X_before @ theta_before
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    expected_loss = -(y_before * np.log(p) + (1 - y_before) * np.log(1 - p)).sum() / n
    expected_grad = X_before.T @ (p - y_before) / n
    case = f"logistic_loss_grad with n={n}, d={d}"
    check_close(f"loss of {case}", loss, expected_loss, rtol=1e-9,
                hint="the mean (not the sum) BCE of p = sigmoid(X theta)")
    check_shape(f"grad of {case}", grad, (d,), hint="one entry per parameter")
    check_close(f"grad of {case}", grad, expected_grad, rtol=1e-9, atol=1e-14,
                hint="(1/n) Xᵀ(p − y): average over n, and mind the sign (p − y, not y − p)")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"y after {case}", y_before, y)
    check_unchanged(f"theta after {case}", theta_before, theta)

# Finite differences of the loss itself.
X, theta = rng.normal(size=(12, 3)), rng.normal(size=3)
y = rng.integers(0, 2, size=12).astype(np.float64)
numerical = np.array([(logistic_loss_grad(X, y, theta + 1e-6 * u)[0]
                       - logistic_loss_grad(X, y, theta - 1e-6 * u)[0]) / 2e-6 for u in np.eye(3)])
check_close("grad of logistic_loss_grad against finite differences of its loss",
            logistic_loss_grad(X, y, theta)[1], numerical, rtol=1e-5, atol=1e-8,
            hint="the gradient of the mean BCE is (1/n) Xᵀ(sigmoid(X theta) − y)")

# Huge logits (|z| up to several thousand): finite, no warning, exact gradient.
X, theta = 1e3 * rng.normal(size=(40, 3)), rng.normal(size=3)
y = rng.integers(0, 2, size=40).astype(np.float64)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    loss, grad = logistic_loss_grad(X, y, theta)
check_equal("warnings printed by logistic_loss_grad with logits of size 1e3",
            [str(w.message) for w in caught], [],
            hint="use your stable sigmoid (and clipping, or np.logaddexp, for the loss)")
check_finite("loss of logistic_loss_grad with logits of size 1e3", loss,
             hint="clip the probabilities, or compute log(1 + e^z) − y z with np.logaddexp")
z = X @ theta
e = np.exp(-np.abs(z))
p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
# The docstring's two right readings part here (a wrong sample costs |z| or −log(1e-12)): accept
# the nearer. 1e-5 relative: clipping p and 1 − p separately shifts each clipped term by ~1e-6.
exact_loss = np.mean(np.logaddexp(0.0, z) - y * z)
p_clipped = np.clip(p, 1e-12, 1.0 - 1e-12)
clipped_loss = -np.mean(y * np.log(p_clipped) + (1.0 - y) * np.log(1.0 - p_clipped))
nearer = min((exact_loss, clipped_loss), key=lambda value: abs(loss - value))
check_close("loss of logistic_loss_grad with logits of size 1e3", loss, nearer, rtol=1e-5,
            hint="either the exact mean of log(1 + e^z) − y z (np.logaddexp) or the mean BCE of "
                 "p clipped to [1e-12, 1 − 1e-12]: not the loss of clipped logits")
check_close("grad of logistic_loss_grad with logits of size 1e3", grad, X.T @ (p - y) / 40,
            rtol=1e-9, atol=1e-9, hint="(1/n) Xᵀ(p − y) with a stable sigmoid: 0 or 1, never nan")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "fit_logistic"}
def fit_logistic(X, y, lr=0.1, n_iters=1000):
    """Logistic regression by full-batch gradient descent from ``theta = 0``.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs (with a bias column if the model has a bias).
    y : ndarray, shape (n,)
        Labels, 0 or 1.
    lr : float
        Learning rate.
    n_iters : int
        Number of gradient steps ``>= 0``.

    Returns
    -------
    theta : ndarray, shape (d,)
        The parameters after ``n_iters`` steps ``theta ← theta − lr · grad``.
    losses : ndarray, shape (n_iters,)
        ``losses[k]`` is the loss **before** step ``k`` (so ``losses[0]`` is the loss at 0).
    """
    ### BEGIN SOLUTION
    theta = np.zeros(X.shape[1])
    losses = np.empty(n_iters)
    for k in range(n_iters):
        losses[k], grad = logistic_loss_grad(X, y, theta)
        theta = theta - lr * grad
    return theta, losses
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_fit_logistic_visible", "points": 1}
from utils.checks import check_close, check_shape, check_true

X = np.array([[1.0, -1.0], [1.0, 0.5], [1.0, 1.0], [1.0, -0.3]])
y = np.array([0.0, 1.0, 1.0, 1.0])
theta, losses = fit_logistic(X, y, lr=0.5, n_iters=3)
check_shape("theta of fit_logistic for X of shape (4, 2)", theta, (2,),
            hint="one parameter per column of X, starting from zeros")
check_shape("losses of fit_logistic with n_iters=3", np.asarray(losses), (3,),
            hint="one loss per step, recorded before the step")
check_close("losses[0] of fit_logistic", losses[0], np.log(2.0), rtol=1e-10,
            hint="start from theta = 0, where the loss is log 2; record it before the first step")
check_true("the losses of fit_logistic decrease", bool(np.all(np.diff(losses) < 0)),
           "a decreasing loss with lr = 0.5", hint="descend: theta ← theta − lr · grad")

# %% nbgrader={"grade": true, "grade_id": "test_fit_logistic_hidden", "points": 3}
# Hidden tests of fit_logistic: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged


def _reference_logistic_gd(X, y, lr, n_iters):
    """Gradient descent on the mean BCE, written out here."""
    theta, losses = np.zeros(X.shape[1]), []
    for _ in range(n_iters):
        z = X @ theta
        losses.append(np.mean(np.logaddexp(0.0, z) - y * z))
        e = np.exp(-np.abs(z))
        p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        theta = theta - lr * X.T @ (p - y) / len(y)
    return theta, np.array(losses)


rng = np.random.default_rng(3404)
for n, d, lr, n_iters in [(1, 1, 0.3, 5), (10, 2, 0.5, 1), (30, 3, 0.2, 40), (80, 4, 1.0, 25)]:
    X = rng.normal(size=(n, d))
    y = (rng.uniform(size=n) < 0.5).astype(np.float64)
    X_before, y_before = X.copy(), y.copy()
    theta, losses = fit_logistic(X, y, lr=lr, n_iters=n_iters)
    theta_ref, losses_ref = _reference_logistic_gd(X_before, y_before, lr, n_iters)
    case = f"fit_logistic with n={n}, d={d}, lr={lr:g}, n_iters={n_iters}"
    check_shape(f"theta of {case}", theta, (d,), hint="one parameter per column of X")
    check_close(f"theta of {case}", theta, theta_ref, rtol=1e-8, atol=1e-12,
                hint="start from zeros and take n_iters steps theta ← theta − lr·(1/n)Xᵀ(p − y)")
    check_shape(f"losses of {case}", np.asarray(losses), (n_iters,),
                hint="n_iters losses, one before each step")
    check_close(f"losses of {case}", losses, losses_ref, rtol=1e-8,
                hint="losses[k] is the loss at the parameters *before* step k")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"y after {case}", y_before, y)

# The default arguments are lr=0.1 and n_iters=1000.
X = np.column_stack([np.ones(40), rng.normal(size=(40, 2))])
y = (rng.uniform(size=40) < 0.5).astype(np.float64)
theta, losses = fit_logistic(X, y)
theta_ref, losses_ref = _reference_logistic_gd(X, y, 0.1, 1000)
check_shape("losses of fit_logistic with the default arguments", np.asarray(losses), (1000,),
            hint="the defaults are lr=0.1 and n_iters=1000")
check_close("theta of fit_logistic with the default arguments", theta, theta_ref, rtol=1e-7,
            atol=1e-10, hint="the defaults are lr=0.1 and n_iters=1000")
# Another learning rate may end near the same optimum; the path of losses tells them apart.
check_close("losses of fit_logistic with the default arguments", losses, losses_ref, rtol=1e-8,
            hint="the defaults are lr=0.1 and n_iters=1000")
### END HIDDEN TESTS

# %% [markdown]
# ### 4.1 Accuracy
#
# The loss is what we optimise; what we report is usually the **accuracy**, the fraction of
# samples whose predicted class is right (a number in $[0, 1]$, not a count). Write it.

# %% nbgrader={"solution": true, "grade_id": "accuracy"}
def accuracy(y_true, y_pred):
    """Fraction of correct predictions.

    Parameters
    ----------
    y_true, y_pred : ndarray, shape (n,)
        True and predicted class labels.

    Returns
    -------
    float
        ``mean(y_true == y_pred)``, in ``[0, 1]``, as a Python float (``np.float64`` passes;
        ``np.float32`` or a 0-d array does not).
    """
    ### BEGIN SOLUTION
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_accuracy_visible", "points": 1}
from utils.checks import check_close, check_type

value = accuracy(np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1]))
check_type("accuracy(y_true, y_pred)", value, float, hint="return one number: float(...)")
check_close("accuracy([0, 1, 2, 1], [0, 2, 2, 1])", value, 0.75, rtol=1e-12,
            hint="3 of 4 predictions are right: the fraction, not the count")

# %% nbgrader={"grade": true, "grade_id": "test_accuracy_hidden", "points": 2}
# Hidden tests of accuracy: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_type, check_unchanged

check_close("accuracy with n=1, right", accuracy(np.array([3]), np.array([3])), 1.0,
            hint="one right prediction out of one")
check_close("accuracy with n=1, wrong", accuracy(np.array([3]), np.array([1])), 0.0,
            hint="one wrong prediction out of one")
rng = np.random.default_rng(3505)
for n, n_classes in [(10, 2), (257, 10)]:
    y_true = rng.integers(0, n_classes, size=n)
    y_pred = np.where(rng.uniform(size=n) < 0.7, y_true, rng.integers(0, n_classes, size=n))
    before = y_true.copy(), y_pred.copy()
    value = accuracy(y_true, y_pred)
    check_type(f"accuracy with n={n}", value, float, hint="return one number")
    check_close(f"accuracy with n={n}, {n_classes} classes", value,
                (before[0] == before[1]).sum() / n, rtol=1e-12,
                hint="the fraction of equal entries (correct / n), not the count or the error rate")
    check_unchanged(f"y_true after accuracy with n={n}", before[0], y_true)
    check_unchanged(f"y_pred after accuracy with n={n}", before[1], y_pred)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The linear decision boundary
#
# Logistic regression predicts class 1 where $p = \sigma(x^\top\theta) > 1/2$, that is where
# $x^\top\theta > 0$. In the plane, with $\theta = (b, w_1, w_2)$, the **decision boundary** is the
# line $b + w_1 x_1 + w_2 x_2 = 0$, perpendicular to $(w_1, w_2)$; the probability changes along
# $(w_1, w_2)$ only, and faster when $\lVert w \rVert$ is larger (the contour $p = 0.9$ sits at
# distance $\log 9 / \lVert w\rVert$ from the boundary). The model is linear in its decision,
# probabilistic in its confidence.

# %%
X_2d, y_2d = blobs(200, np.random.default_rng(2), centers=np.array([[-1.0, -1.0], [1.0, 1.0]]),
                   std=1.0)
theta_2d, losses_2d = fit_logistic(with_bias(X_2d), y_2d, lr=0.5, n_iters=300)
print(f"theta = (b, w1, w2) = {np.round(theta_2d, 3)}, final loss {losses_2d[-1]:.4f}")
print(f"training accuracy {accuracy(y_2d, (with_bias(X_2d) @ theta_2d > 0).astype(int)):.3f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
plot_decision_boundary(lambda P: sigmoid(with_bias(P) @ theta_2d), X_2d, y_2d, ax=ax1,
                       resolution=120)
ax1.set_title("p(y = 1 | x) and the boundary p = 1/2")
plot_loss_curves({"training BCE": losses_2d}, ax=ax2, xlabel="iteration", ylabel="mean BCE")
plt.show()

# %% [markdown]
# On **separable** data there is no optimum: scaling a separating $\theta$ up pushes every $p_i$
# towards its label and the loss towards 0, so gradient descent makes $\lVert\theta\rVert$ grow
# forever (slowly, like $\log k$), and the sigmoid becomes a step: logistic regression turns into
# a perceptron-like threshold. The clusters of Section 1 show it.

# %%
for n_iters in (10, 100, 1000):
    theta_sep, losses_sep = fit_logistic(with_bias(X_sep), y_sep, lr=1.0, n_iters=n_iters)
    print(f"separable clusters, {n_iters:4d} steps: ‖theta‖ = {np.linalg.norm(theta_sep):6.2f}, "
          f"loss before the last step = {losses_sep[-1]:.2e}")

# %% [markdown]
# **Question (2 points).** Explain why gradient descent on the BCE of linearly separable data
# makes $\lVert\theta\rVert$ grow without bound, and why that is a problem for the predicted
# probabilities. Give two remedies.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_separable", "points": 2}
# **Model answer.** If $\theta$ separates the data, every sample has $t_i x_i^\top\theta > 0$,
# and for $c > 1$ the parameters $c\,\theta$ put every $p_i$ closer to its label: the loss
# $\frac1n\sum_i \log(1 + e^{-t_i c\, x_i^\top\theta})$ decreases strictly as $c$ grows and
# tends to 0 without reaching it. So there is no minimiser, the gradient never vanishes, and
# gradient descent keeps increasing the norm (along a separating direction). The predicted
# probabilities become 0 or 1 everywhere except on a thin band around the boundary: the model is
# overconfident, its probabilities are meaningless (badly calibrated) and the boundary depends
# on the accident of where training stopped. Remedies: an L2 penalty
# $\frac\lambda2\lVert\theta\rVert^2$ (the objective then has a unique finite minimiser;
# scikit-learn's default `C=1`), early stopping on validation data, or more data / label noise
# making the classes overlap. 2 points: no minimiser, loss decreases along $c\theta$ (1);
# overconfident probabilities and two remedies (1).

# %% [markdown]
# ## 6. Real data: breast cancer
#
# scikit-learn ships the Wisconsin breast-cancer set: 569 tumours, 30 measurements each,
# labels 0 (malignant) and 1 (benign). The loader standardises the features with the
# training set's mean and standard deviation (a shared scale makes one learning rate suit every
# weight) and keeps a quarter of the samples apart for testing. We add the bias column.

# %%
Xc_train, yc_train, Xc_test, yc_test = load_breast_cancer_split(np.random.default_rng(0))
Phi_c_train, Phi_c_test = with_bias(Xc_train), with_bias(Xc_test)
print(f"training {Phi_c_train.shape}, test {Phi_c_test.shape}, "
      f"fraction benign {yc_train.mean():.2f}")

curves = {}
for lr in (0.01, 0.1, 1.0):
    theta_c, curves[f"lr = {lr:g}"] = fit_logistic(Phi_c_train, yc_train, lr=lr, n_iters=1000)
    predicted = (Phi_c_test @ theta_c > 0).astype(int)
    print(f"lr = {lr:<5g} final loss {curves[f'lr = {lr:g}'][-1]:.4f}, "
          f"test accuracy {accuracy(yc_test, predicted):.3f}")
plot_loss_curves(curves, log=True, xlabel="iteration", ylabel="training BCE")
plt.show()

# %% [markdown]
# About 98 % of the test tumours are classified correctly by a *linear* model. The largest
# learning rate drives the training loss lowest, though not to the best test accuracy (compare
# the printed lines: a lower training loss is not a better classifier); on 30 standardised features this set is close
# to separable, and the weights keep growing as described in Section 5.
#
# ## 7. Softmax regression
#
# For $K$ classes the model scores every class, $Z = XW$ with $W$ of shape $(d, K)$, and turns the
# scores of each sample (a **row** of $Z$) into probabilities with the **softmax**
#
# $$P_{ik} = \frac{e^{Z_{ik}}}{\sum_{j} e^{Z_{ij}}} .$$
#
# The likelihood of the labels (a categorical distribution) gives the **cross-entropy**
# $L = -\frac1n\sum_i \log P_{i y_i}$, and the gradient is again prediction minus target,
#
# $$\nabla_W L = \frac1n X^\top (P - Y),$$
#
# with the one-hot targets $Y$. First the one-hot encoding: row $i$ of `one_hot(y, K)` is zero
# except for a 1 in column $y_i$. It must be **float** (it is subtracted from probabilities) and
# have `n_classes` columns even if some class is missing from `y`.

# %% nbgrader={"solution": true, "grade_id": "one_hot"}
def one_hot(y, n_classes):
    """One-hot encoding of integer labels.

    Parameters
    ----------
    y : ndarray of int, shape (n,)
        Labels in ``[0, n_classes)``.
    n_classes : int
        Number of classes ``K``.

    Returns
    -------
    Y : ndarray, shape (n, n_classes), float64
        ``Y[i, k] = 1.0`` if ``y[i] == k``, else ``0.0``.
    """
    ### BEGIN SOLUTION
    Y = np.zeros((len(y), n_classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_one_hot_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

Y = one_hot(np.array([2, 0, 1]), 3)
check_shape("one_hot([2, 0, 1], 3)", Y, (3, 3), hint="one row per sample, one column per class")
check_dtype("one_hot([2, 0, 1], 3)", Y, "float64",
            hint="float64, as every array of the course: np.zeros(...) is float by default")
check_close("one_hot([2, 0, 1], 3)", Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
            hint="row i has its 1 in column y[i]")

# %% nbgrader={"grade": true, "grade_id": "test_one_hot_hidden", "points": 2}
# Hidden tests of one_hot: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_dtype, check_shape, check_unchanged

rng = np.random.default_rng(3606)
for n, n_classes in [(1, 1), (1, 5), (20, 3), (100, 10)]:
    y = rng.integers(0, n_classes, size=n)
    y_before = y.copy()
    Y = one_hot(y, n_classes)
    expected = np.array([[1.0 if y_before[i] == k else 0.0 for k in range(n_classes)]
                         for i in range(n)])
    case = f"one_hot with n={n}, n_classes={n_classes}"
    check_shape(case, Y, (n, n_classes),
                hint="shape (n, n_classes): use n_classes, not the largest label + 1")
    check_dtype(case, Y, "float64")
    check_close(case, Y, expected, rtol=0.0, atol=0.0, hint="row i has its 1 in column y[i]")
    check_unchanged(f"y after {case}", y_before, y)

Y = one_hot(np.array([0, 0, 1]), 4)
check_shape("one_hot([0, 0, 1], 4): classes 2 and 3 absent", Y, (3, 4),
            hint="n_classes columns, even when some class does not appear in y")
check_close("one_hot([0, 0, 1], 4)", Y, [[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]],
            hint="the columns of absent classes are all zero")
### END HIDDEN TESTS

# %% [markdown]
# ### 7.1 A stable softmax
#
# $e^{1000}$ overflows, as for the sigmoid. The softmax does not change when the same number is
# subtracted from every score of a row ($e^{Z_{ik} - c} / \sum_j e^{Z_{ij} - c}$: the $e^{-c}$
# cancel), so subtract each **row's** maximum first: the largest exponent is then $e^0 = 1$ and
# the denominator lies in $[1, K]$. Subtracting the maximum of the whole matrix is not enough:
# a row far below it would underflow to $0/0$. Normalise along `axis=1`, the classes.

# %% nbgrader={"solution": true, "grade_id": "softmax"}
def softmax(Z):
    """Row-wise softmax, stable.

    Parameters
    ----------
    Z : ndarray, shape (n, K)
        Scores, one row per sample.

    Returns
    -------
    P : ndarray, shape (n, K)
        ``P[i] = exp(Z[i] − max Z[i]) / sum(exp(Z[i] − max Z[i]))``: each row sums to 1.
    """
    ### BEGIN SOLUTION
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # each row's maximum becomes exp(0) = 1
    return E / E.sum(axis=1, keepdims=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_visible", "points": 1}
import warnings
from utils.checks import check_close, check_equal, check_shape

Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
P = softmax(Z)
check_shape("softmax(Z) for Z of shape (2, 3)", P, (2, 3), hint="same shape as Z")
check_close("softmax(Z) on a 2x3 example", P,
            [np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), [1 / 3, 1 / 3, 1 / 3]], rtol=1e-12,
            hint="normalise each row (axis=1), so that every row sums to 1")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    P = softmax(np.array([[1000.0, 0.0, -1000.0]]))
check_equal("warnings printed by softmax([[1000, 0, -1000]])", [str(w.message) for w in caught],
            [], hint="subtract each row's maximum before exponentiating")
check_close("softmax([[1000, 0, -1000]])", P, [[1.0, 0.0, 0.0]], atol=1e-15,
            hint="subtract each row's maximum before exponentiating")

# %% nbgrader={"grade": true, "grade_id": "test_softmax_hidden", "points": 2}
# Hidden tests of softmax: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_equal, check_shape, check_unchanged


rng = np.random.default_rng(3707)
for n, K, scale in [(1, 1, 1.0), (1, 4, 1.0), (6, 1, 5.0), (30, 5, 3.0), (50, 10, 1e3)]:
    Z = scale * rng.normal(size=(n, K))
    Z_before = Z.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        P = softmax(Z)
    E = np.exp(Z_before - Z_before.max(axis=1, keepdims=True))
    expected = E / E.sum(axis=1, keepdims=True)
    case = f"softmax with n={n}, K={K}, scores of size {scale:g}"
    check_equal(f"warnings printed by {case}", [str(w.message) for w in caught], [],
                hint="subtract each row's maximum before exponentiating")
    check_shape(case, P, (n, K), hint="same shape as Z")
    check_close(case, P, expected, rtol=1e-9, atol=1e-15,
                hint="exp(Z − row max) divided by its sum over each row (axis=1)")
    check_unchanged(f"Z after {case}", Z_before, Z)

# Rows at very different heights: each row needs its own maximum.
Z = np.array([[-1000.0, -999.0], [1000.0, 1001.0], [0.0, 1.0]])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    P = softmax(Z)
check_equal("warnings printed by softmax on rows around −1000, 1000 and 0",
            [str(w.message) for w in caught], [],
            hint="subtract each row's own maximum (keepdims=True), not the maximum of all of Z")
expected_row = [1.0 / (1.0 + np.e), np.e / (1.0 + np.e)]
check_close("softmax on rows around −1000, 1000 and 0", P, [expected_row] * 3, rtol=1e-12,
            hint="the softmax of a row does not change when a constant is added to the row")
### END HIDDEN TESTS

# %% [markdown]
# ### 7.2 The cross-entropy through the log-sum-exp
#
# Computing `np.log(softmax(Z))` and clipping would cap the loss of a confident mistake at
# $-\log\varepsilon$, as in the BCE. The logarithm can be taken exactly instead:
#
# $$-\log P_{i y_i} = \log\sum_j e^{Z_{ij}} - Z_{i y_i}, \qquad
# \log\sum_j e^{Z_{ij}} = m_i + \log\sum_j e^{Z_{ij} - m_i}, \quad m_i = \max_j Z_{ij},$$
#
# the stable **log-sum-exp**: no overflow, no $\log 0$, and the exact loss even for scores of
# $\pm1000$. Write `softmax_loss_grad(X, y, W)` with integer labels `y`; `W` has one column per
# class. Then `fit_softmax`, gradient descent from $W = 0$ with the same convention as
# `fit_logistic` (`losses[k]` before step `k`, so `losses[0]` $= \log K$), and
# `predict_classes`, the class of the largest score of each sample.

# %% nbgrader={"solution": true, "grade_id": "softmax_loss_grad"}
def softmax_loss_grad(X, y, W):
    """Mean cross-entropy of softmax regression and its gradient.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs (with a bias column if the model has a bias).
    y : ndarray of int, shape (n,)
        Labels in ``[0, K)``.
    W : ndarray, shape (d, K)
        Parameters, one column per class.

    Returns
    -------
    loss : float
        ``mean_i(logsumexp(Z[i]) − Z[i, y[i]])`` with ``Z = X W``: the mean cross-entropy of
        ``softmax(Z)``, computed stably (exact, finite, no warning for huge scores), as a
        Python float (``np.float64`` passes; ``np.float32`` or a 0-d array does not).
    dW : ndarray, shape (d, K)
        ``(1/n) Xᵀ(P − Y)`` with ``P = softmax(X W)`` and ``Y = one_hot(y, K)``.
    """
    ### BEGIN SOLUTION
    n, n_classes = X.shape[0], W.shape[1]
    Z = X @ W
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log softmax
    loss = float(-log_P[np.arange(n), y].mean())
    dW = X.T @ (np.exp(log_P) - one_hot(y, n_classes)) / n
    return loss, dW
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_loss_grad_visible", "points": 1}
from utils.checks import check_close, check_shape, check_type

X = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]])
y = np.array([2, 0, 1])
loss, dW = softmax_loss_grad(X, y, np.zeros((2, 3)))
check_type("loss of softmax_loss_grad", loss, float, hint="return one number: float(...)")
check_shape("dW of softmax_loss_grad for X (3, 2) and W (2, 3)", dW, (2, 3),
            hint="the gradient has the shape of W: Xᵀ(P − Y)")
check_close("loss of softmax_loss_grad at W = 0", loss, np.log(3.0), rtol=1e-10,
            hint="at W = 0 every class has probability 1/K, and the mean cross-entropy is log K")
Y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
check_close("dW of softmax_loss_grad at W = 0", dW, X.T @ (1.0 / 3.0 - Y) / 3, rtol=1e-10,
            hint="(1/n) Xᵀ(P − Y): probabilities minus one-hot targets, averaged over n")

# %% nbgrader={"grade": true, "grade_id": "test_softmax_loss_grad_hidden", "points": 3}
# Hidden tests of softmax_loss_grad: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
import warnings
from utils.checks import check_close, check_equal, check_shape, check_unchanged


def _reference_softmax_loss_grad(X, y, W):
    """Cross-entropy through the log-sum-exp, and its gradient, written out here."""
    Z = X @ W
    m = Z.max(axis=1, keepdims=True)
    log_sum = m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    P = np.exp(Z - log_sum)
    Y = np.zeros_like(Z)
    Y[np.arange(len(y)), y] = 1.0
    return np.mean(log_sum[:, 0] - Z[np.arange(len(y)), y]), X.T @ (P - Y) / len(y)


rng = np.random.default_rng(3808)
for n, d, K, scale in [(1, 1, 2, 1.0), (1, 3, 4, 1.0), (10, 1, 3, 1.0), (40, 5, 6, 1.0),
                       (30, 3, 4, 1e3)]:
    X, W = scale * rng.normal(size=(n, d)), rng.normal(size=(d, K))
    y = rng.integers(0, K, size=n)
    X_before, y_before, W_before = X.copy(), y.copy(), W.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss, dW = softmax_loss_grad(X, y, W)
    expected_loss, expected_dW = _reference_softmax_loss_grad(X_before, y_before, W_before)
    case = f"softmax_loss_grad with n={n}, d={d}, K={K}, inputs of size {scale:g}"
    check_equal(f"warnings printed by {case}", [str(w.message) for w in caught], [],
                hint="subtract each row's maximum score before exponentiating")
    check_close(f"loss of {case}", loss, expected_loss, rtol=1e-9,
                hint="the mean over samples of logsumexp(Z[i]) − Z[i, y[i]]; with huge scores "
                     "take the logarithm exactly (log-sum-exp), do not clip probabilities")
    check_shape(f"dW of {case}", dW, (d, K), hint="the shape of W")
    check_close(f"dW of {case}", dW, expected_dW, rtol=1e-9, atol=1e-12 * max(1.0, scale),
                hint="(1/n) Xᵀ(P − Y): average over n, probabilities minus one-hot targets")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"y after {case}", y_before, y)
    check_unchanged(f"W after {case}", W_before, W)

# Finite differences of the loss itself.
X, W, y = rng.normal(size=(8, 2)), rng.normal(size=(2, 3)), rng.integers(0, 3, size=8)
numerical = np.zeros_like(W)
for index in np.ndindex(W.shape):
    step = np.zeros_like(W)
    step[index] = 1e-6
    numerical[index] = (softmax_loss_grad(X, y, W + step)[0]
                        - softmax_loss_grad(X, y, W - step)[0]) / 2e-6
check_close("dW of softmax_loss_grad against finite differences of its loss",
            softmax_loss_grad(X, y, W)[1], numerical, rtol=1e-5, atol=1e-8,
            hint="the gradient of the mean cross-entropy is (1/n) Xᵀ(softmax(XW) − Y)")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "fit_softmax"}
def fit_softmax(X, y, n_classes, lr=0.1, n_iters=1000):
    """Softmax regression by full-batch gradient descent from ``W = 0``.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs (with a bias column if the model has a bias).
    y : ndarray of int, shape (n,)
        Labels in ``[0, n_classes)``.
    n_classes : int
        Number of classes ``K``.
    lr : float
        Learning rate.
    n_iters : int
        Number of gradient steps ``>= 0``.

    Returns
    -------
    W : ndarray, shape (d, n_classes)
        The parameters after ``n_iters`` steps ``W ← W − lr · dW``.
    losses : ndarray, shape (n_iters,)
        ``losses[k]`` is the loss **before** step ``k`` (so ``losses[0] = log K``).
    """
    ### BEGIN SOLUTION
    W = np.zeros((X.shape[1], n_classes))
    losses = np.empty(n_iters)
    for k in range(n_iters):
        losses[k], dW = softmax_loss_grad(X, y, W)
        W = W - lr * dW
    return W, losses
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_fit_softmax_visible", "points": 1}
from utils.checks import check_close, check_shape, check_true

X = np.array([[1.0, -1.0], [1.0, 0.5], [1.0, 1.5], [1.0, -0.3], [1.0, 0.1]])
y = np.array([0, 1, 2, 0, 1])
W, losses = fit_softmax(X, y, 3, lr=0.5, n_iters=4)
check_shape("W of fit_softmax for X (5, 2) and 3 classes", W, (2, 3),
            hint="shape (d, n_classes), starting from zeros")
check_shape("losses of fit_softmax with n_iters=4", np.asarray(losses), (4,),
            hint="one loss per step, recorded before the step")
check_close("losses[0] of fit_softmax", losses[0], np.log(3.0), rtol=1e-10,
            hint="start from W = 0, where the loss is log K; record it before the first step")
check_true("the losses of fit_softmax decrease", bool(np.all(np.diff(losses) < 0)),
           "a decreasing loss with lr = 0.5", hint="descend: W ← W − lr · dW")

# %% nbgrader={"grade": true, "grade_id": "test_fit_softmax_hidden", "points": 3}
# Hidden tests of fit_softmax: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged


def _reference_softmax_gd(X, y, n_classes, lr, n_iters):
    """Gradient descent on the mean cross-entropy, written out here."""
    W, losses = np.zeros((X.shape[1], n_classes)), []
    Y = np.zeros((len(y), n_classes))
    Y[np.arange(len(y)), y] = 1.0
    for _ in range(n_iters):
        Z = X @ W
        m = Z.max(axis=1, keepdims=True)
        log_sum = m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
        losses.append(np.mean(log_sum[:, 0] - Z[np.arange(len(y)), y]))
        W = W - lr * X.T @ (np.exp(Z - log_sum) - Y) / len(y)
    return W, np.array(losses)


rng = np.random.default_rng(3909)
for n, d, K, lr, n_iters in [(1, 1, 2, 0.3, 5), (12, 2, 3, 0.5, 1), (40, 3, 4, 0.2, 30),
                             (60, 4, 5, 1.0, 20)]:
    X, y = rng.normal(size=(n, d)), rng.integers(0, K, size=n)
    X_before, y_before = X.copy(), y.copy()
    W, losses = fit_softmax(X, y, K, lr=lr, n_iters=n_iters)
    W_ref, losses_ref = _reference_softmax_gd(X_before, y_before, K, lr, n_iters)
    case = f"fit_softmax with n={n}, d={d}, K={K}, lr={lr:g}, n_iters={n_iters}"
    check_shape(f"W of {case}", W, (d, K), hint="shape (d, n_classes)")
    check_close(f"W of {case}", W, W_ref, rtol=1e-8, atol=1e-12,
                hint="start from zeros and take n_iters steps W ← W − lr·(1/n)Xᵀ(P − Y)")
    check_shape(f"losses of {case}", np.asarray(losses), (n_iters,),
                hint="n_iters losses, one before each step")
    check_close(f"losses of {case}", losses, losses_ref, rtol=1e-8,
                hint="losses[k] is the loss at the parameters *before* step k")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"y after {case}", y_before, y)

# A class that never occurs still gets its column; the defaults are lr=0.1 and n_iters=1000.
X = np.column_stack([np.ones(30), rng.normal(size=(30, 2))])
y = rng.integers(0, 3, size=30)
W, losses = fit_softmax(X, y, 4)
W_ref, losses_ref = _reference_softmax_gd(X, y, 4, 0.1, 1000)
check_shape("W of fit_softmax with 4 classes, class 3 absent", W, (3, 4),
            hint="n_classes columns, even when a class is missing from y")
check_shape("losses of fit_softmax with the default arguments", np.asarray(losses), (1000,),
            hint="the defaults are lr=0.1 and n_iters=1000")
check_close("W of fit_softmax with the default arguments", W, W_ref, rtol=1e-7, atol=1e-10,
            hint="the defaults are lr=0.1 and n_iters=1000")
check_close("losses of fit_softmax with the default arguments", losses, losses_ref, rtol=1e-8,
            hint="the defaults are lr=0.1 and n_iters=1000")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "predict_classes"}
def predict_classes(X, W):
    """The class with the largest score, for every sample.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs.
    W : ndarray, shape (d, K)
        Parameters of softmax regression.

    Returns
    -------
    labels : ndarray of int, shape (n,)
        ``argmax_k (X W)[i, k]`` for each sample ``i``; a tie goes to the smallest class
        index, as ``np.argmax`` does (at ``W = 0`` every sample is predicted class 0).
    """
    ### BEGIN SOLUTION
    return np.argmax(X @ W, axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_predict_classes_visible", "points": 1}
from utils.checks import check_equal, check_shape, check_true

X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
W = np.array([[1.0, 0.0, 3.0], [0.0, 2.0, -5.0]])  # scores [[1, 0, 3], [0, 2, -5], [1, 2, -2]]
labels = predict_classes(X, W)
check_shape("predict_classes(X, W) for 3 samples", labels, (3,),
            hint="one label per sample: the argmax along the classes (axis=1)")
check_true("dtype of predict_classes(X, W)", bool(np.issubdtype(labels.dtype, np.integer)),
           f"integer labels, got dtype {labels.dtype}", hint="np.argmax returns integers")
check_equal("predict_classes on a 3x3 example", labels, np.array([2, 1, 1]),
            hint="the index of the largest score of each row of X @ W")

# %% nbgrader={"grade": true, "grade_id": "test_predict_classes_hidden", "points": 2}
# Hidden tests of predict_classes: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_equal, check_shape, check_true, check_unchanged

rng = np.random.default_rng(4010)
for n, d, K in [(1, 1, 3), (1, 4, 1), (4, 3, 4), (5, 2, 5), (80, 6, 10)]:
    X, W = rng.normal(size=(n, d)), rng.normal(size=(d, K))
    X_before, W_before = X.copy(), W.copy()
    labels = predict_classes(X, W)
    scores = X_before @ W_before
    expected = np.array([max(range(K), key=lambda k: scores[i, k]) for i in range(n)])
    case = f"predict_classes with n={n}, d={d}, K={K}"
    check_shape(case, labels, (n,), hint="one label per sample (argmax along axis=1)")
    check_true(f"dtype of {case}", bool(np.issubdtype(labels.dtype, np.integer)),
               f"integer labels, got dtype {labels.dtype}", hint="return class indices")
    check_equal(case, labels, expected,
                hint="for each sample (row), the index of the class (column) of largest score")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"W after {case}", W_before, W)

# Ties go to the smallest index (the docstring's convention, np.argmax's): W = 0, where
# fit_softmax starts, and exact ties between two classes of integer scores.
check_equal("predict_classes with W = 0 (every score equal)",
            predict_classes(np.ones((3, 2)), np.zeros((2, 4))), np.zeros(3, dtype=int),
            hint="a tie goes to the smallest class index, as np.argmax does")
X = np.array([[1.0, 0.0], [0.0, 1.0]])
W = np.array([[0.0, 2.0, 1.0, 2.0], [3.0, -1.0, 3.0, 3.0]])  # rows tie classes 1, 3 and 0, 2, 3
check_equal("predict_classes with two or three classes tied for the largest score",
            predict_classes(X, W), np.array([1, 0]),
            hint="a tie goes to the smallest class index, as np.argmax does")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Real data: handwritten digits
#
# scikit-learn's digits are 1797 images of $8 \times 8$ pixels, ten classes. The loader
# standardises every pixel (the blank border pixels, constant in training, are only centred). One
# weight column per digit, 65 weights each (64 pixels and the bias): 650 parameters in all.

# %%
Xd_train, yd_train, Xd_test, yd_test = load_digits_split(np.random.default_rng(0))
Phi_d_train, Phi_d_test = with_bias(Xd_train), with_bias(Xd_test)
W_digits, losses_digits = fit_softmax(Phi_d_train, yd_train, 10, lr=0.5, n_iters=300)
train_acc = accuracy(yd_train, predict_classes(Phi_d_train, W_digits))
test_acc = accuracy(yd_test, predict_classes(Phi_d_test, W_digits))
print(f"digits: training accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")

plot_loss_curves({"training cross-entropy": losses_digits}, log=True, xlabel="iteration")
plt.show()

fig, axes = plt.subplots(2, 5, figsize=(9, 4))
limit = np.abs(W_digits[1:]).max()  # one symmetric colour scale: white is a weight of 0
for k, ax in enumerate(axes.flat):  # each class's 64 pixel weights, as an image
    ax.imshow(W_digits[1:, k].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"digit {k}", fontsize="small")
    ax.axis("off")
plt.show()

# %% [markdown]
# A linear model reaches about 98 % on unseen digits. Each weight column is a template: red
# pixels vote for the digit, blue ones against it (the pixels were standardised, so the
# templates are noisy, but the strokes of several digits show through).
#
# ## 9. Two classes: softmax regression *is* logistic regression
#
# With two classes, the softmax depends only on the difference of the scores,
#
# $$P_{i1} = \frac{e^{Z_{i1}}}{e^{Z_{i0}} + e^{Z_{i1}}} = \frac{1}{1 + e^{-(Z_{i1} - Z_{i0})}}
# = \sigma\big(x_i^\top (w_1 - w_0)\big),$$
#
# so softmax regression with $W = [w_0, w_1]$ is logistic regression with $\theta = w_1 - w_0$
# (one of the two columns is redundant). Gradient descent agrees too: the two columns of
# $X^\top(P - Y)$ are opposite (each row of $P - Y$ sums to 0), so from $W = 0$ the columns stay
# opposite, $w_0 = -w_1$, and the difference $\theta = w_1 - w_0$ moves by twice the step:
# `fit_softmax` with learning rate $\eta/2$ follows `fit_logistic` with $\eta$ exactly. Let us
# check all three statements numerically on the breast-cancer data.

# %%
Z_two = 5.0 * np.random.default_rng(3).normal(size=(6, 2))
print("max |softmax(Z)[:, 1] − sigmoid(Z1 − Z0)|      =",
      f"{np.abs(softmax(Z_two)[:, 1] - sigmoid(Z_two[:, 1] - Z_two[:, 0])).max():.1e}")

theta_lr, losses_lr = fit_logistic(Phi_c_train, yc_train, lr=0.2, n_iters=300)
W_two, losses_two = fit_softmax(Phi_c_train, yc_train, 2, lr=0.1, n_iters=300)
print("max |(w1 − w0) − theta|                        =",
      f"{np.abs(W_two[:, 1] - W_two[:, 0] - theta_lr).max():.1e}")
print("max |w0 + w1|                                  =", f"{np.abs(W_two.sum(axis=1)).max():.1e}")
print("max |softmax losses − logistic losses|         =",
      f"{np.abs(losses_two - losses_lr).max():.1e}")
same = predict_classes(Phi_c_test, W_two) == (Phi_c_test @ theta_lr > 0)
print(f"same test predictions: {same.mean():.0%}")

# %% [markdown]
# ## 10. Explore: the decision boundary during training
#
# The widget trains **your** `fit_logistic` on the two clusters of Section 5 (with a bias column)
# and draws the decision boundary with the contours $p = 0.1$ and $p = 0.9$, and the loss
# curve (`losses[k]`, before step $k$); its title gives the loss (by your `logistic_loss_grad`)
# and the accuracy of the final $\theta$, the one whose boundary is drawn. Move the learning
# rate and the number of steps. Which learning rates reach the
# lowest loss in 50 steps? When does a larger number of steps stop changing the boundary, and
# what still changes (look at the distance between the two dashed contours)?

# %%
app = logistic_explorer(X_2d, y_2d, fit=fit_logistic, accuracy=accuracy, loss=logistic_loss_grad)
show(app)

# %% [markdown]
# ## Summary
#
# * The **perceptron** corrects its mistakes one sample at a time ($w \leftarrow w + t_i x_i$) and
#   stops on separable data; XOR is not separable by any line, whatever the training.
# * **Logistic regression** models $P(y = 1 \mid x) = \sigma(x^\top\theta)$; maximum likelihood
#   under Bernoulli labels gives the **binary cross-entropy**, with gradient
#   $\frac1n X^\top(\sigma(X\theta) - y)$: prediction minus target, as for least squares.
# * Stability: exponentiate only non-positive numbers (sigmoid: $e^{-|z|}$; softmax: subtract the
#   row maximum), clip probabilities before a logarithm, or better, take the logarithm exactly
#   with `logaddexp` / the log-sum-exp.
# * The decision boundary $x^\top\theta = 0$ is a hyperplane; on separable data the weights grow
#   without bound unless regularised or stopped.
# * **Softmax regression** scores $K$ classes, $Z = XW$; the cross-entropy's gradient is
#   $\frac1n X^\top(P - Y)$. With two classes it is logistic regression on $w_1 - w_0$.
# * Linear models reach about 98 % on breast cancer and on digits, but no linear model can
#   learn XOR: chapter 4 learns the features too, with a hidden layer and backpropagation.
