# %% [markdown]
# # Chapter 6 — Optimisers
#
# Chapter 4 trained networks with the plainest rule there is, $\theta \leftarrow \theta - \eta\,g$.
# It works, but it is slow where the loss is a long narrow valley, it needs a learning rate
# chosen by hand, and on mini-batches it follows a noisy estimate of the gradient. This chapter
# builds the optimisers that every deep-learning library ships, from NumPy alone, and watches
# each of them on the same problems.
#
# **Goals.** By the end of this notebook you will have written:
#
# 1. six optimisers sharing one protocol: `SGD`, `Momentum` (heavy ball), `Nesterov`,
#    `AdaGrad`, `RMSProp` and `Adam`;
# 2. `iterate_minibatches`, which deals a data set out in shuffled mini-batches, one epoch at a
#    time;
# 3. `ema`, the exponential moving average behind momentum, RMSProp, Adam and smoothed loss curves;
# 4. two learning-rate schedules, `step_decay` and `cosine_decay`;
#
# and you will see the learning rate's trade-off (too small, right, oscillating, divergent), the
# noise of full-batch, mini-batch and single-sample gradients, every optimiser's path on an
# ill-conditioned quadratic and on Rosenbrock's valley, why Newton's method (chapter 2) does not
# scale to networks and what the quasi-Newton L-BFGS keeps of it, and every optimiser training
# a network of chapter 4's layers on handwritten digits.
#
# **What the lecture said.** Gradient descent takes steps along $-\nabla L$; its learning rate
# is bounded by the largest curvature, so on an ill-conditioned loss it crawls along the flat
# directions. Two remedies: **momentum** accumulates past gradients, so that consistent
# directions speed up and oscillating ones cancel; **adaptive** methods (AdaGrad, RMSProp,
# Adam) rescale each coordinate by the size of its recent gradients. Mini-batches trade an exact
# gradient for many cheap noisy ones; a **schedule** lowers the learning rate as training ends.
#
# **Notation** (the lecture's, and the code's).
#
# | symbol | code | meaning |
# |---|---|---|
# | $\theta$ | `params[key]` | one parameter array (the optimiser updates every key) |
# | $g = \nabla_\theta L$ | `grads[key]` | its gradient, same shape |
# | $\eta$ | `lr` | learning rate |
# | $\mu$ | `momentum` | momentum coefficient |
# | $v$, $G$, $s$, $m$ | `self....[key]` | the optimiser's **state**, one array per key |
# | $\rho$, $\beta_1$, $\beta_2$ | `rho`, `beta1`, `beta2` | decay rates of moving averages |
# | $\epsilon$ | `eps` | a small number that keeps divisions finite |
# | $t$ | `self.t[key]` | the key's step count: how many `step` calls have updated that key, 1 at its first (state per key; equal to the number of `step` calls when every key is updated at every step, as in this chapter) |
#
# **The optimiser protocol.** `Optimizer(lr, ...)` stores its hyper-parameters;
# `step(params, grads)` updates **every** array of the dict `params` **in place** (`p -= ...`, so
# that a model holding the arrays sees the change, as with chapter 4's `sgd_step`), using the
# same-keyed `grads`, which it must not modify. State (a velocity, a running average) is kept
# **per key**, created as zeros the first time a key is seen; two keys never share state. All
# squares, roots and divisions are entrywise.
#
# **How to work.** Run the first cells, then go down the notebook. Each answer lives in its own
# cell, where `raise NotImplementedError()` marks the place of your code; the cell after it
# holds *visible* tests of the basics. Hidden tests check exact values over several steps and
# edge cases when the notebook is graded. Your code must not modify its inputs (apart from the
# parameters an optimiser updates), and must not print warnings.

# %% nbgrader={"locked": true, "grade_id": "setup"}
import numpy as np
import matplotlib.pyplot as plt
from scipy.optimize import minimize

from utils.checks import check_close, check_dtype, check_equal, check_shape, check_true
from utils.datasets import load_digits_split
from utils.plotting import figures_off_while_grading, plot_contour_trajectories, plot_loss_curves
from utils.widgets import optimizer_explorer, show
from utils.widgets.optimizers import SURFACES, optimizer_path

figures_off_while_grading()  # the grader looks at test results, not figures: skip drawing

plt.rcParams["figure.figsize"] = (6.4, 3.6)

# %% nbgrader={"locked": true, "grade_id": "reference_ch04"}
# chapter 4's reference layers: written here by `python -m course sync`

# %% [markdown]
# ## 1. Two surfaces to test optimisers on
#
# Before networks, two functions of two parameters, where we can draw every step:
#
# * an **ill-conditioned quadratic**, $f(\theta) = \tfrac12(\theta_1^2 + 25\,\theta_2^2)$. Its
#   Hessian is $\mathrm{diag}(1, 25)$: the valley is 25 times steeper across ($\theta_2$) than
#   along ($\theta_1$), a condition number $\kappa = 25$. Near a minimum every smooth loss looks
#   like a quadratic, and the losses of networks are badly conditioned;
# * **Rosenbrock's** function, $f(\theta) = (1 - \theta_1)^2 + 100\,(\theta_2 - \theta_1^2)^2$, a
#   curved, flat-bottomed banana valley with its minimum at $(1, 1)$, a classic trap for
#   gradient methods.
#
# `utils.widgets.optimizers` provides both (`SURFACES`: the function `f`, its gradient `grad`, a
# starting point `start`, the `minimum` and a window to draw), and `optimizer_path(optimizer,
# grad, start, n_steps)`, which runs any optimiser of our protocol on the single parameter
# `{"theta": ...}` and returns the iterates, shape `(n_steps + 1, 2)`.

# %%
quadratic, banana = SURFACES["ill-conditioned quadratic"], SURFACES["Rosenbrock"]


def gaps(surface, path):
    """f(θ_k) − f* along a path (both minima have f* = 0)."""
    return surface.f(path.T) - surface.f(surface.minimum)


fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, surface in zip(axes, (quadratic, banana)):
    plot_contour_trajectories(surface.f, {}, surface.xlim, surface.ylim, ax=ax, levels=20,
                              log_levels=True)
    ax.plot(*surface.minimum, "k*", ms=12)
    ax.plot(*surface.start, "s", color="C3", ms=6)
    ax.set_title(f"{surface.name}: {surface.formula}", fontsize="medium")
plt.show()

# %% [markdown]
# ## 2. Stochastic gradient descent, and the step-size trade-off
#
# The first optimiser is chapter 4's `sgd_step` as an object: $\theta \leftarrow \theta - \eta g$
# for every key. It has no state. Keep the learning rate in the attribute `lr` and read it at
# every step: a schedule (section 9) changes it between epochs.

# %% nbgrader={"solution": true, "grade_id": "SGD"}
class SGD:
    """Plain (stochastic) gradient descent: ``p -= lr * g`` for every key.

    Parameters
    ----------
    lr : float
        Learning rate, kept in the attribute ``lr`` and read at every step (a schedule may
        change it between steps).

    Methods
    -------
    step(params, grads)
        ``params``: dict key -> ndarray, every array updated in place; ``grads``: dict with
        the same keys and shapes, not modified. Returns None.
    """

    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        ### BEGIN SOLUTION
        for key, p in params.items():
            p -= self.lr * grads[key]
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_SGD_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_true

w, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5])
params = {"w": w, "b": b}
grads = {"w": np.ones((2, 2)), "b": np.array([-2.0])}
SGD(0.5).step(params, grads)
check_true('params["w"] after SGD(0.5).step', params["w"] is w, "the same array as before the step",
           hint="update in place (p -= lr * g), do not put a new array in the dict")
check_close("the array w after SGD(0.5).step", w, [[0.5, 1.5], [2.5, 3.5]], hint="p ← p − lr · g")
check_close("the array b after SGD(0.5).step", b, [1.5], hint="p ← p − lr · g, for every key")

# %% nbgrader={"grade": true, "grade_id": "test_SGD_hidden", "points": 2}
# Hidden tests of SGD: several steps on several shapes, the same arrays updated in place, the
# gradients left unchanged (and given in another key order), a learning rate changed between
# steps.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_close, check_true, check_unchanged

rng = np.random.default_rng(6101)
shapes = {"scalar": (1,), "vector": (5,), "matrix": (3, 4)}
for lr, scale in [(0.1, 1.0), (1e-3, 1.0), (2.0, 1.0), (0.01, 1e3)]:
    opt = SGD(lr)
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    arrays, expected = dict(params), {k: p.copy() for k, p in params.items()}
    for t in range(1, 4):
        grads = {k: scale * rng.normal(size=s) for k, s in shapes.items()}
        grads_before = {k: g.copy() for k, g in grads.items()}
        # at step 2 grads lists its keys in the reverse order: pair the arrays by key
        opt.step(params, dict(reversed(grads.items())) if t == 2 else grads)
        for key in shapes:
            expected[key] = expected[key] - lr * grads_before[key]
            case = f"params[{key!r}] after step {t} of SGD(lr={lr:g}), gradients of size {scale:g}"
            check_true(case, params[key] is arrays[key], "the same array as before the step",
                       hint="update in place: p -= lr * g")
            check_close(case, arrays[key], expected[key], rtol=1e-12, atol=1e-12 * scale,
                        hint="p ← p − lr · g, with g = grads[key] (pair the arrays by key, not by position)")
            check_unchanged(f"grads[{key!r}] after step {t} of SGD(lr={lr:g})", grads_before[key], grads[key])

opt = SGD(0.1)
p = np.array([1.0, -1.0])
opt.step({"p": p}, {"p": np.array([1.0, 1.0])})
opt.lr = 0.5  # what a schedule does between epochs
opt.step({"p": p}, {"p": np.array([1.0, 1.0])})
check_close("p after a step with lr=0.1, then opt.lr = 0.5 and a second step", p, [0.4, -1.6],
            hint="read self.lr at every step, so that a schedule can change it")
### END HIDDEN TESTS

# %% [markdown]
# ### 2.1 Too small, right, oscillating, divergent
#
# On the quadratic the gradient is $(\theta_1, 25\,\theta_2)$, so one step multiplies each
# coordinate by its own factor: $\theta_i \leftarrow (1 - \eta\lambda_i)\,\theta_i$ with
# $\lambda_1 = 1$, $\lambda_2 = 25$. Gradient descent converges if and only if every
# $|1 - \eta\lambda_i| < 1$, that is $\eta < 2/\lambda_{\max} = 0.08$, and the slowest
# coordinate sets the pace, $\max_i |1 - \eta\lambda_i|$ per step. The best fixed step,
# $\eta^* = 2/(\lambda_{\min} + \lambda_{\max})$, still only reaches the rate
# $(\kappa - 1)/(\kappa + 1) = 0.92$: on an ill-conditioned problem, the steep direction caps
# the learning rate and the flat direction is left crawling.

# %%
learning_rates = {"too small (0.01)": 0.01, "θ₂ solved in one step (0.04)": 0.04,
                  "best fixed step (2/26)": 2 / 26, "divergent (0.085)": 0.085}
paths = {label: optimizer_path(SGD(lr), quadratic.grad, quadratic.start, 60)
         for label, lr in learning_rates.items()}
for label, lr in learning_rates.items():
    rate = max(abs(1 - lr * 1.0), abs(1 - lr * 25.0))
    print(f"lr = {lr:.4f}: factor per step {rate:.3f}, f after 60 steps = {gaps(quadratic, paths[label])[-1]:.2e}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
plot_contour_trajectories(quadratic.f, paths, quadratic.xlim, quadratic.ylim, ax=ax1, levels=25,
                          log_levels=True)
ax1.set_title("gradient descent on the quadratic, 60 steps")
plot_loss_curves({label: gaps(quadratic, path) for label, path in paths.items()}, ax=ax2, log=True,
                 xlabel="step", ylabel="$f(\\theta_k) - f^*$")
plt.show()

# %% [markdown]
# ## 3. Mini-batches: cheap, noisy gradients
#
# The loss of a network is a mean over $n$ samples, and so is its gradient. An exact gradient
# costs a pass over the whole data set; the gradient of a random **mini-batch** of $B$ samples
# is an unbiased estimate of it at $B/n$ of the cost, with a noise whose standard deviation
# falls like $1/\sqrt{B}$. One **epoch** deals the whole data set out once: shuffle the sample
# indices, cut them into consecutive batches of `batch_size` (the last one may be smaller),
# and keep each `X` row with its `y` row. `shuffle=False` keeps the original order (handy for
# evaluation and for tests). Draw the permutation from the `rng` you are given.

# %% nbgrader={"solution": true, "grade_id": "iterate_minibatches"}
def iterate_minibatches(X, y, batch_size, rng=None, shuffle=True):
    """Deal ``(X, y)`` out in mini-batches, every sample exactly once (one epoch).

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs, one sample per row.
    y : ndarray, shape (n,) or (n, k)
        Targets; row ``i`` belongs to ``X[i]``.
    batch_size : int
        Samples per batch; the last batch holds the ``n % batch_size`` remaining samples when
        ``batch_size`` does not divide ``n``.
    rng : numpy.random.Generator, optional
        Draws the order when ``shuffle`` is true (``None``: a fresh ``default_rng()``), by
        any draw of a permutation: ``rng.permutation(n)``, ``rng.shuffle`` of an index array
        or ``rng.choice(n, n, replace=False)`` are all right.
    shuffle : bool
        A random order (a fresh one at every call) if true; the original order if false.

    Yields
    ------
    X_batch : ndarray, shape (b, d)
    y_batch : ndarray, shape (b,) or (b, k)
        The same samples, in the same order, as ``X_batch``. ``X`` and ``y`` are not modified.
    """
    ### BEGIN SOLUTION
    n = len(X)
    if shuffle:
        order = (np.random.default_rng() if rng is None else rng).permutation(n)
    else:
        order = np.arange(n)
    for start in range(0, n, batch_size):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_iterate_minibatches_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_equal, check_shape

X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
batches = list(iterate_minibatches(X, y, 2, shuffle=False))
check_equal("number of batches of 5 samples in batches of 2", len(batches), 3,
            hint="two full batches and a last batch of 1 sample")
check_shape("the first X batch", batches[0][0], (2, 2))
check_shape("the last X batch", batches[-1][0], (1, 2), hint="keep the smaller last batch")
check_close("the y batches with shuffle=False", np.concatenate([yb for _, yb in batches]), y,
            hint="shuffle=False keeps the original order")
shuffled = list(iterate_minibatches(X, y, 2, rng=np.random.default_rng(0)))
check_close("the samples of one shuffled epoch, sorted", np.sort(np.concatenate([yb for _, yb in shuffled])),
            y, hint="every sample exactly once per epoch")

# %% nbgrader={"grade": true, "grade_id": "test_iterate_minibatches_hidden", "points": 3}
# Hidden tests of iterate_minibatches: every sample once, batch sizes, X and y rows kept
# together, the order with and without shuffling, reproducibility from rng, rng=None, inputs
# unchanged.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_close, check_equal, check_shape, check_true, check_unchanged

for n, batch_size, target_columns in [(1, 1, 0), (1, 4, 0), (7, 3, 0), (10, 5, 0), (50, 8, 2),
                                      (50, 50, 0), (50, 1, 0), (23, 64, 3)]:
    rng = np.random.default_rng(6301 + n)
    X = rng.normal(size=(n, 3))
    X[:, 0] = np.arange(n)                               # column 0 names the sample
    y = 10.0 * np.arange(n) + 0.5                        # y names it too: pairs can be checked
    if target_columns:
        y = np.column_stack([y] * target_columns)
    X_before, y_before = X.copy(), y.copy()
    sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    for shuffle in (False, True):
        case = f"iterate_minibatches with n={n}, batch_size={batch_size}, shuffle={shuffle}"
        batches = list(iterate_minibatches(X, y, batch_size, rng=np.random.default_rng(n), shuffle=shuffle))
        check_equal(f"batch sizes of {case}", [len(xb) for xb, _ in batches], sizes,
                    hint="consecutive batches of batch_size, the last one holding what remains")
        for xb, yb in batches:
            check_shape(f"an X batch of {case}", xb, (len(xb), 3), hint="X_batch holds whole rows of X")
            check_shape(f"a y batch of {case}", yb, (len(xb),) + y.shape[1:])
            names = yb if yb.ndim == 1 else yb[:, 0]
            check_close(f"pairs (X row, y row) in {case}", names, 10.0 * xb[:, 0] + 0.5, rtol=0, atol=0,
                        hint="use the same indices for X and y, so that each y stays with its X row")
        order = np.concatenate([xb[:, 0] for xb, _ in batches])
        check_close(f"the samples of one epoch of {case}, sorted", np.sort(order), np.arange(n),
                    rtol=0, atol=0, hint="every sample exactly once per epoch (shuffle indices, not draw them)")
        if not shuffle:
            check_close(f"the order of the samples in {case}", order, np.arange(n), rtol=0, atol=0,
                        hint="shuffle=False keeps the original order")
        check_unchanged(f"X after {case}", X_before, X, hint="shuffle indices, not X itself")
        check_unchanged(f"y after {case}", y_before, y, hint="shuffle indices, not y itself")

X, y = np.arange(100.0)[:, None], np.arange(100.0)
first = np.concatenate([yb for _, yb in iterate_minibatches(X, y, 10, rng=np.random.default_rng(5))])
check_true("the order of a shuffled epoch of 100 samples", not np.array_equal(first, y),
           "a random order when shuffle=True", hint="shuffle the indices when shuffle is true")
again = np.concatenate([yb for _, yb in iterate_minibatches(X, y, 10, rng=np.random.default_rng(5))])
check_close("two shuffled epochs drawn with generators of the same seed", again, first, rtol=0, atol=0,
            hint="draw the order from the rng argument only, never from np.random")
rng = np.random.default_rng(6)
epoch1 = np.concatenate([yb for _, yb in iterate_minibatches(X, y, 10, rng=rng)])
epoch2 = np.concatenate([yb for _, yb in iterate_minibatches(X, y, 10, rng=rng)])
check_true("two epochs drawn from the same generator", not np.array_equal(epoch1, epoch2),
           "a new order at every epoch", hint="draw a fresh permutation at every call")
# rng=None: a fresh default_rng() at every call, so two epochs differ (a fixed seed would repeat
# one order for ever); two equal orders of 100 samples have probability 1/100!.
unseeded = [np.concatenate([yb for _, yb in iterate_minibatches(X, y, 10)]) for _ in range(2)]
check_close("the samples of one shuffled epoch with rng=None, sorted", np.sort(unseeded[0]), y, rtol=0, atol=0,
            hint="every sample exactly once per epoch")
check_true("the order of a shuffled epoch with rng=None", not np.array_equal(unseeded[0], y),
           "a random order when shuffle=True, with or without an rng",
           hint="rng=None means a fresh np.random.default_rng(), not 'do not shuffle'")
check_true("two shuffled epochs with rng=None", not np.array_equal(unseeded[0], unseeded[1]),
           "a new order at every call", hint="rng=None: a fresh, unseeded np.random.default_rng() at every call")
### END HIDDEN TESTS

# %% [markdown]
# ### 3.1 Full batch, mini-batch, single sample
#
# A linear regression with two parameters, $\hat y = w x + b$, fitted by the MSE on 200 points:
# small enough to draw the loss's contours, and the same trade-off as in a network. At a fixed
# $\theta$ the spread of the mini-batch gradient around the full gradient shrinks like
# $1/\sqrt{B}$; along a run, the same learning rate and the same number of updates give a smooth
# path with full batches, a jittery one with mini-batches of 10, and a wandering one with single
# samples, which never settles at the minimum (the noise does not vanish there).

# %%
rng = np.random.default_rng(3)
x_line = rng.normal(size=200)
Phi_line = np.column_stack([x_line, np.ones(200)])              # columns: x, 1 -> theta = (w, b)
y_line = 2.0 * x_line - 1.0 + 0.5 * rng.normal(size=200)
theta_best = np.linalg.lstsq(Phi_line, y_line, rcond=None)[0]


def line_loss(theta):
    """Full-data MSE at theta = (w, b); also on a grid, theta[0] and theta[1] being arrays."""
    w, b = np.asarray(theta[0]), np.asarray(theta[1])
    residual = np.multiply.outer(w, x_line) + b[..., None] - y_line
    return np.mean(residual ** 2, axis=-1)


def line_gradient(Phi, y, theta):
    return 2.0 * Phi.T @ (Phi @ theta - y) / len(y)


def minibatch_run(batch_size, lr, n_updates, rng):
    """SGD on mini-batches from (−2, 2): iterates and the loss of each mini-batch used."""
    opt, params = SGD(lr), {"theta": np.array([-2.0, 2.0])}
    path, batch_losses = [params["theta"].copy()], []
    for _ in range(n_updates):  # epochs: n_updates of them are enough even at one batch each
        for Phi_b, y_b in iterate_minibatches(Phi_line, y_line, batch_size, rng):
            batch_losses.append(np.mean((Phi_b @ params["theta"] - y_b) ** 2))
            opt.step(params, {"theta": line_gradient(Phi_b, y_b, params["theta"])})
            path.append(params["theta"].copy())
            if len(batch_losses) == n_updates:
                return np.array(path), np.array(batch_losses)
    return np.array(path), np.array(batch_losses)


batch_sizes = {"full batch (200)": 200, "mini-batches of 10": 10, "single samples": 1}
runs = {label: minibatch_run(B, 0.05, 150, np.random.default_rng(4)) for label, B in batch_sizes.items()}
for label, (path, _) in runs.items():
    print(f"{label:18s}: loss after 150 updates {line_loss(path[-1]):.4f} (minimum {line_loss(theta_best):.4f})")

# Spread of the mini-batch gradient at a fixed point, over 20 epochs of batches.
probe = np.array([0.0, 0.0])
spreads = {}
for B in (1, 2, 5, 10, 20, 50, 100):
    noise_rng = np.random.default_rng(B)
    estimates = [line_gradient(Pb, yb, probe) for _ in range(20)
                 for Pb, yb in iterate_minibatches(Phi_line, y_line, B, noise_rng) if len(yb) == B]
    spreads[B] = np.linalg.norm(np.std(estimates, axis=0))

fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4))
plot_contour_trajectories(line_loss, {label: path for label, (path, _) in runs.items()},
                          (-2.5, 3.0), (-2.5, 2.5), ax=ax1, levels=15, log_levels=True)
ax1.plot(*theta_best, "k*", ms=12)
ax1.set_xlabel("w")
ax1.set_ylabel("b")
ax1.set_title("150 updates, lr = 0.05")
plot_loss_curves({label: [line_loss(theta) for theta in path] for label, (path, _) in runs.items()},
                 ax=ax2, log=True, xlabel="update", ylabel="full-data loss")
ax3.loglog(list(spreads), list(spreads.values()), "o-", label="measured")
ax3.loglog(list(spreads), spreads[1] / np.sqrt(list(spreads)), "k--", label=r"$\propto 1/\sqrt{B}$")
ax3.set_xlabel("batch size B")
ax3.set_ylabel("std of the mini-batch gradient")
ax3.legend(fontsize="small")
plt.show()

# %% [markdown]
# The full batch costs 200 sample-gradients per update, the single sample one: for the same
# **computation**, single-sample SGD makes 200 times as many (noisy) steps, which is why deep
# learning trains on mini-batches, large enough to use vectorised hardware well, small enough
# to make many steps per epoch. To settle at the minimum despite the noise, the learning rate
# must shrink at the end (section 9). (The measured spread falls below the $1/\sqrt{B}$ line for
# large batches because an epoch draws its batches *without* replacement: a batch of all 200
# samples has no noise at all.)
#
# ## 4. Exponential moving averages
#
# A noisy sequence (the mini-batch losses above, or a gradient from step to step) is smoothed
# by an **exponential moving average**:
#
# $$s_0 = x_0,\qquad s_t = \beta\, s_{t-1} + (1 - \beta)\, x_t .$$
#
# Unrolled, $s_t$ is a weighted mean of the past with weights $(1-\beta)\beta^{k}$ for the
# value $k$ steps back: it remembers about the last $1/(1-\beta)$ values ($\beta = 0.9$: ten,
# $\beta = 0.99$: a hundred), and lags behind a trend by as much. Momentum, RMSProp and Adam
# keep such averages of the gradient and of its square.

# %% nbgrader={"solution": true, "grade_id": "ema"}
def ema(values, beta):
    """Exponential moving average of a sequence.

    Parameters
    ----------
    values : ndarray, shape (T,)
        The sequence ``x_0 … x_{T−1}``, T ≥ 1, of floats or of ints (counts, say); not
        modified.
    beta : float
        Decay rate in ``[0, 1)``.

    Returns
    -------
    ndarray, shape (T,), float64
        ``s[0] = values[0]`` and ``s[t] = beta * s[t−1] + (1 − beta) * values[t]``.
    """
    ### BEGIN SOLUTION
    smoothed = np.empty(len(values), dtype=np.float64)
    smoothed[0] = values[0]
    for t in range(1, len(values)):
        smoothed[t] = beta * smoothed[t - 1] + (1.0 - beta) * values[t]
    return smoothed
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ema_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_dtype, check_shape

s = ema(np.array([1.0, 2.0, 3.0]), 0.5)
check_shape("ema([1, 2, 3], 0.5)", s, (3,))
check_dtype("ema([1, 2, 3], 0.5)", s)
check_close("ema([1, 2, 3], 0.5)", s, [1.0, 1.5, 2.25],
            hint="s[0] = values[0], then s[t] = β s[t−1] + (1 − β) values[t]")

# %% nbgrader={"grade": true, "grade_id": "test_ema_hidden", "points": 2}
# Hidden tests of ema: exact values on fresh sequences (one value, β = 0, β close to 1, values
# of size 1e3, ints) and the input left unchanged.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_close, check_dtype, check_shape, check_unchanged

rng = np.random.default_rng(6401)
for T, beta, scale in [(1, 0.9, 1.0), (2, 0.5, 1.0), (10, 0.0, 1.0), (50, 0.9, 1.0), (300, 0.99, 1.0),
                       (40, 0.7, 1e3)]:
    values = scale * rng.normal(size=T) + scale
    values_before = values.copy()
    expected = np.empty(T)
    expected[0] = values_before[0]
    for t in range(1, T):
        expected[t] = beta * expected[t - 1] + (1 - beta) * values_before[t]
    case = f"ema of {T} values of size {scale:g} with beta={beta}"
    s = ema(values, beta)
    check_shape(case, s, (T,))
    check_close(case, s, expected, rtol=1e-10, atol=1e-12 * scale,
                hint="s[0] = values[0] (not (1 − β) values[0]: the average starts at the first "
                     "value), s[t] = β s[t−1] + (1 − β) values[t]")
    check_unchanged(f"values after {case}", values_before, values,
                    hint="write the average into a new array, not into values")

counts = np.array([3, 0, 4, 1, 5])  # ints: the average is a float all the same
check_dtype("ema of an int array", ema(counts, 0.5))
check_close("ema([3, 0, 4, 1, 5], 0.5)", ema(counts, 0.5), [3.0, 1.5, 2.75, 1.875, 3.4375], rtol=1e-12,
            hint="a float64 result whatever the dtype of values (np.empty_like of an int array holds ints)")
### END HIDDEN TESTS

# %% [markdown]
# Smoothing the mini-batch losses of single-sample SGD: the larger $\beta$, the smoother and
# the later. The right panel shows why our `ema` starts at $x_0$: an average started at
# **zero**, $z_t = \beta z_{t-1} + (1-\beta)x_t$ with $z_{-1} = 0$, is biased towards 0 for its
# first $\sim 1/(1-\beta)$ steps, since its weights sum to $1 - \beta^{t+1}$, not 1. Dividing by
# that sum removes the bias exactly: Adam does this for its averages (section 6).

# %%
batch_losses = runs["single samples"][1]
starts_at_zero = ema(np.concatenate([[0.0], batch_losses]), 0.98)[1:]   # z with z_{-1} = 0
corrected = starts_at_zero / (1.0 - 0.98 ** np.arange(1, len(batch_losses) + 1))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
ax1.plot(batch_losses, ".", ms=3, color="0.6", label="loss of each single-sample update")
for beta in (0.9, 0.98):
    ax1.plot(ema(batch_losses, beta), label=f"ema, β = {beta}")
ax1.set_yscale("log")
ax1.set_xlabel("update")
ax1.set_ylabel("mini-batch loss")
ax1.legend(fontsize="small")
ax2.plot(ema(batch_losses, 0.98), label="ema started at x₀ (ours)")
ax2.plot(starts_at_zero, label="started at 0: biased towards 0")
ax2.plot(corrected, "--", label="started at 0, divided by 1 − β^(t+1)")
ax2.set_yscale("log")
ax2.set_xlabel("update")
ax2.set_title("β = 0.98", fontsize="medium")
ax2.legend(fontsize="small")
plt.show()

# %% [markdown]
# ## 5. Momentum
#
# **Heavy ball** (Polyak). Keep a velocity $v$ (zero at first) and let the gradient accelerate
# it, with friction $\mu$:
#
# $$v \leftarrow \mu v - \eta\, g,\qquad \theta \leftarrow \theta + v .$$
#
# Unrolled, $v_t = -\eta\sum_k \mu^{t-k} g_k$: a running sum of past gradients. Where the
# gradient keeps its direction (along the valley), the steps grow to $\eta/(1-\mu)$ times the
# gradient, ten times for $\mu = 0.9$; where it flips sign at every step (across the valley),
# successive terms cancel. PyTorch writes the same method as $b \leftarrow \mu b + g$,
# $\theta \leftarrow \theta - \eta b$, which is ours with $v = -\eta b$ as long as $\eta$ is
# constant.
#
# **Nesterov.** Take the gradient where the momentum is about to carry you, at the look-ahead
# point $\theta + \mu v$. Storing the look-ahead point itself as the parameter gives an update
# that needs only the gradient at the stored parameters (the form PyTorch uses too):
#
# $$v \leftarrow \mu v - \eta\, g,\qquad \theta \leftarrow \theta + \mu v - \eta\, g
# \quad\text{(with the new } v\text{)} .$$
#
# In both classes the state is a velocity per key, zeros the first time a key is seen.

# %% nbgrader={"solution": true, "grade_id": "Momentum"}
class Momentum:
    """Gradient descent with heavy-ball momentum.

    For every key: ``v = momentum * v - lr * g`` then ``p += v``, with ``v`` the key's velocity
    (zeros the first time the key is seen; every key has its own, whatever the order of the
    keys in ``params`` and ``grads``).

    Parameters
    ----------
    lr : float
        Learning rate (attribute ``lr``), read at every step: a schedule may change it between
        steps. PyTorch's form ``b = momentum * b + g``, ``p -= lr * b`` (``v = -lr * b``) is
        the same while ``lr`` is constant and differs once it changes; either is accepted.
    momentum : float
        ``μ`` in ``[0, 1)`` (attribute ``momentum``).

    Methods
    -------
    step(params, grads)
        Updates every array of ``params`` in place; ``grads`` (same keys and shapes) is not
        modified.
    """

    def __init__(self, lr, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        ### BEGIN SOLUTION
        self.velocity = {}  # key -> v, created at the key's first step
        ### END SOLUTION

    def step(self, params, grads):
        ### BEGIN SOLUTION
        for key, p in params.items():
            v = self.velocity.setdefault(key, np.zeros_like(p))
            v *= self.momentum
            v -= self.lr * grads[key]
            p += v
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Momentum_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_true

w = np.array([1.0, -2.0])
params, grads = {"w": w}, {"w": np.array([1.0, 1.0])}
opt = Momentum(0.1, momentum=0.5)
opt.step(params, grads)
check_true('params["w"] after Momentum.step', params["w"] is w, "the same array as before the step",
           hint="update in place: p += v")
check_close("w after one step of Momentum(0.1, momentum=0.5), g = 1", w, [0.9, -2.1],
            hint="v starts at 0: v = 0.5·0 − 0.1·1 = −0.1, then p += v")
opt.step(params, grads)
check_close("w after two steps of Momentum(0.1, momentum=0.5), g = 1", w, [0.75, -2.25],
            hint="v = 0.5·(−0.1) − 0.1·1 = −0.15: keep v from one step to the next")

# %% nbgrader={"grade": true, "grade_id": "test_Momentum_hidden", "points": 3}
# Hidden tests of Momentum: several steps on several shapes against the formula, state kept per
# key (keys with different gradients, a key appearing later, the keys in another order), the
# default momentum, a learning rate changed between steps, in place, gradients unchanged.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_close, check_true, check_unchanged

rng = np.random.default_rng(6501)
shapes = {"scalar": (1,), "vector": (5,), "twin": (5,), "matrix": (3, 4)}
for lr, mu, scale, default in [(0.1, 0.9, 1.0, True), (0.05, 0.5, 1.0, False), (1e-3, 0.0, 1.0, False),
                               (0.3, 0.99, 1.0, False), (1e-4, 0.8, 1e3, False)]:
    opt = Momentum(lr) if default else Momentum(lr, momentum=mu)
    name = f"Momentum(lr={lr:g})" if default else f"Momentum(lr={lr:g}, momentum={mu:g})"
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    arrays, expected = dict(params), {k: p.copy() for k, p in params.items()}
    # Two readings of "v = μ v − lr g" once opt.lr changes: the velocity form, and PyTorch's
    # buffer b = μ b + g, p −= lr b (v = −lr b while lr is constant); the first step with the
    # new rate decides which one the answer follows.
    expected = {"velocity": expected, "buffer": {k: p.copy() for k, p in params.items()}}
    state = {reading: {k: np.zeros(s) for k, s in shapes.items()} for reading in expected}
    reading, rate = None, lr
    for t in range(1, 7):
        if t == 3:  # a key seen for the first time at step 3 starts with a zero velocity
            params["late"] = rng.normal(size=(2, 2))
            arrays["late"] = params["late"]
            for r in expected:
                expected[r]["late"], state[r]["late"] = params["late"].copy(), np.zeros((2, 2))
        if t == 5:  # what a schedule does between epochs: the next steps use the new opt.lr
            rate = opt.lr = lr / 2
        grads = {k: scale * rng.normal(size=p.shape) for k, p in params.items()}
        grads_before = {k: g.copy() for k, g in grads.items()}
        # the same arrays in the reverse key order (params at step 4, grads at step 2): by key
        opt.step(dict(reversed(params.items())) if t == 4 else params,
                 dict(reversed(grads.items())) if t == 2 else grads)
        for key in params:
            g = grads_before[key]
            state["velocity"][key] = mu * state["velocity"][key] - rate * g
            expected["velocity"][key] = expected["velocity"][key] + state["velocity"][key]
            state["buffer"][key] = mu * state["buffer"][key] + g
            expected["buffer"][key] = expected["buffer"][key] - rate * state["buffer"][key]
            if reading is None and t >= 5:
                reading = min(expected, key=lambda r: np.max(np.abs(arrays[key] - expected[r][key])))
            case = f"params[{key!r}] after step {t} of {name}, gradients of size {scale:g}"
            check_true(case, params[key] is arrays[key], "the same array as before the step",
                       hint="update in place: p += v")
            check_close(case, arrays[key], expected[reading or "velocity"][key], rtol=1e-9, atol=1e-12 * scale,
                        hint="v = μ v − lr g then p += v, with one velocity per key (zeros when a "
                             "key is first seen, whatever the order of the keys), kept from step to "
                             "step; read self.lr at every step (a schedule changes it)")
            check_unchanged(f"grads[{key!r}] after step {t} of {name}", grads_before[key], grads[key])
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "Nesterov"}
class Nesterov:
    """Gradient descent with Nesterov momentum, in the look-ahead form.

    For every key: ``v = momentum * v - lr * g`` then ``p += momentum * v - lr * g`` (with the
    new ``v``); ``v`` is the key's velocity, zeros the first time the key is seen (one per key,
    whatever the order of the keys).

    Parameters
    ----------
    lr : float
        Learning rate (attribute ``lr``), read at every step: a schedule may change it between
        steps. PyTorch's form ``b = momentum * b + g``, ``p -= lr * (g + momentum * b)`` is the
        same while ``lr`` is constant and differs once it changes; either is accepted.
    momentum : float
        ``μ`` in ``[0, 1)`` (attribute ``momentum``).

    Methods
    -------
    step(params, grads)
        Updates every array of ``params`` in place; ``grads`` is not modified.
    """

    def __init__(self, lr, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        ### BEGIN SOLUTION
        self.velocity = {}
        ### END SOLUTION

    def step(self, params, grads):
        ### BEGIN SOLUTION
        for key, p in params.items():
            v = self.velocity.setdefault(key, np.zeros_like(p))
            v *= self.momentum
            v -= self.lr * grads[key]
            p += self.momentum * v - self.lr * grads[key]
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Nesterov_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_true

w = np.array([1.0])
params, grads = {"w": w}, {"w": np.array([1.0])}
opt = Nesterov(0.1, momentum=0.5)
opt.step(params, grads)
check_true('params["w"] after Nesterov.step', params["w"] is w, "the same array as before the step",
           hint="update in place")
check_close("w after one step of Nesterov(0.1, momentum=0.5), g = 1", w, [0.85],
            hint="v = −0.1, then p += μ v − lr g = −0.05 − 0.1")
opt.step(params, grads)
check_close("w after two steps of Nesterov(0.1, momentum=0.5), g = 1", w, [0.675],
            hint="v = 0.5·(−0.1) − 0.1 = −0.15, then p += 0.5·(−0.15) − 0.1")

# %% nbgrader={"grade": true, "grade_id": "test_Nesterov_hidden", "points": 3}
# Hidden tests of Nesterov: several steps on several shapes against the formula, state kept per
# key (keys with different gradients, a key appearing later, the keys in another order), the
# default momentum, a learning rate changed between steps, in place, gradients unchanged.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_close, check_true, check_unchanged

rng = np.random.default_rng(6601)
shapes = {"scalar": (1,), "vector": (5,), "twin": (5,), "matrix": (3, 4)}
for lr, mu, scale, default in [(0.1, 0.9, 1.0, True), (0.05, 0.5, 1.0, False), (1e-3, 0.0, 1.0, False),
                               (0.3, 0.99, 1.0, False), (1e-4, 0.8, 1e3, False)]:
    opt = Nesterov(lr) if default else Nesterov(lr, momentum=mu)
    name = f"Nesterov(lr={lr:g})" if default else f"Nesterov(lr={lr:g}, momentum={mu:g})"
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    arrays, expected = dict(params), {k: p.copy() for k, p in params.items()}
    # Two readings once opt.lr changes: the velocity form, and PyTorch's buffer b = μ b + g,
    # p −= lr (g + μ b) (v = −lr b while lr is constant); the first step with the new rate
    # decides which one the answer follows.
    expected = {"velocity": expected, "buffer": {k: p.copy() for k, p in params.items()}}
    state = {reading: {k: np.zeros(s) for k, s in shapes.items()} for reading in expected}
    reading, rate = None, lr
    for t in range(1, 7):
        if t == 3:  # a key seen for the first time at step 3 starts with a zero velocity
            params["late"] = rng.normal(size=(2, 2))
            arrays["late"] = params["late"]
            for r in expected:
                expected[r]["late"], state[r]["late"] = params["late"].copy(), np.zeros((2, 2))
        if t == 5:  # what a schedule does between epochs: the next steps use the new opt.lr
            rate = opt.lr = lr / 2
        grads = {k: scale * rng.normal(size=p.shape) for k, p in params.items()}
        grads_before = {k: g.copy() for k, g in grads.items()}
        # the same arrays in the reverse key order (params at step 4, grads at step 2): by key
        opt.step(dict(reversed(params.items())) if t == 4 else params,
                 dict(reversed(grads.items())) if t == 2 else grads)
        for key in params:
            g = grads_before[key]
            state["velocity"][key] = mu * state["velocity"][key] - rate * g
            expected["velocity"][key] = expected["velocity"][key] + mu * state["velocity"][key] - rate * g
            state["buffer"][key] = mu * state["buffer"][key] + g
            expected["buffer"][key] = expected["buffer"][key] - rate * (g + mu * state["buffer"][key])
            if reading is None and t >= 5:
                reading = min(expected, key=lambda r: np.max(np.abs(arrays[key] - expected[r][key])))
            case = f"params[{key!r}] after step {t} of {name}, gradients of size {scale:g}"
            check_true(case, params[key] is arrays[key], "the same array as before the step",
                       hint="update in place")
            check_close(case, arrays[key], expected[reading or "velocity"][key], rtol=1e-9, atol=1e-12 * scale,
                        hint="v = μ v − lr g, then p += μ v − lr g with the new v (the look-ahead); "
                             "one velocity per key (zeros when a key is first seen, whatever the "
                             "order of the keys); read self.lr at every step (a schedule changes it)")
            check_unchanged(f"grads[{key!r}] after step {t} of {name}", grads_before[key], grads[key])
### END HIDDEN TESTS

# %% [markdown]
# On the quadratic, with the same learning rate as plain gradient descent: momentum runs down
# the flat direction about $1/(1-\mu)$ times faster, at the price of overshooting and spiralling
# in; Nesterov's look-ahead damps the overshoot.

# %%
momentum_paths = {"SGD": optimizer_path(SGD(0.02), quadratic.grad, quadratic.start, 80),
                  "Momentum μ=0.9": optimizer_path(Momentum(0.02, 0.9), quadratic.grad, quadratic.start, 80),
                  "Nesterov μ=0.9": optimizer_path(Nesterov(0.02, 0.9), quadratic.grad, quadratic.start, 80)}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
plot_contour_trajectories(quadratic.f, momentum_paths, quadratic.xlim, quadratic.ylim, ax=ax1,
                          levels=25, log_levels=True)
ax1.set_title("lr = 0.02, 80 steps")
plot_loss_curves({k: gaps(quadratic, p) for k, p in momentum_paths.items()}, ax=ax2, log=True,
                 xlabel="step", ylabel="$f(\\theta_k) - f^*$")
plt.show()

# %% [markdown]
# ## 6. Adaptive learning rates: AdaGrad, RMSProp, Adam
#
# Momentum leaves one learning rate for every coordinate. Adaptive methods divide each
# coordinate's step by the typical size of its gradients, so that steep and flat directions
# (when they are aligned with the axes) move at similar speeds:
#
# * **AdaGrad** accumulates the squared gradients, $G \leftarrow G + g^2$, and steps
#   $\theta \leftarrow \theta - \eta\, g / (\sqrt{G} + \epsilon)$. Rarely-updated coordinates keep
#   large steps (good for sparse features), but $G$ only grows: the steps die out.
# * **RMSProp** replaces the sum by a moving average, $s \leftarrow \rho s + (1-\rho) g^2$,
#   $\theta \leftarrow \theta - \eta\, g / (\sqrt{s} + \epsilon)$: the scale follows the recent
#   gradients, and the steps do not vanish.
# * **Adam** combines momentum (an average $m$ of $g$) with RMSProp (an average $v$ of $g^2$)
#   and corrects the bias of averages started at zero (section 4). With $t$ the step count of
#   the key (the number of `step` calls that have updated it), **incremented first** (so
#   $t = 1$ at the key's first step):
#
#   $$t \leftarrow t + 1,\quad m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
#     v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
#     \hat m = \frac{m}{1 - \beta_1^t},\quad \hat v = \frac{v}{1 - \beta_2^t},\quad
#     \theta \leftarrow \theta - \eta\,\frac{\hat m}{\sqrt{\hat v} + \epsilon} .$$
#
#   How large the very first steps are, with and without the correction, is the question at
#   the end of section 10.
#
# The $\epsilon$ keeps a coordinate whose gradients are all zero from dividing 0 by 0. The state
# ($G$; $s$; $m$, $v$ and $t$) is kept per key, zeros the first time a key is seen.

# %% nbgrader={"solution": true, "grade_id": "AdaGrad"}
class AdaGrad:
    """AdaGrad: for every key ``G += g**2`` then ``p -= lr * g / (sqrt(G) + eps)``.

    ``G``, the key's sum of squared gradients, starts at zeros the first time the key is seen.

    Parameters
    ----------
    lr : float
        Learning rate (attribute ``lr``), read at every step (a schedule may change it).
    eps : float
        Added to ``sqrt(G)`` (attribute ``eps``).

    Methods
    -------
    step(params, grads)
        Updates every array of ``params`` in place; ``grads`` is not modified.
    """

    def __init__(self, lr, eps=1e-8):
        self.lr = lr
        self.eps = eps
        ### BEGIN SOLUTION
        self.sum_squares = {}
        ### END SOLUTION

    def step(self, params, grads):
        ### BEGIN SOLUTION
        for key, p in params.items():
            g = grads[key]
            G = self.sum_squares.setdefault(key, np.zeros_like(p))
            G += g * g
            p -= self.lr * g / (np.sqrt(G) + self.eps)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_AdaGrad_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_true

w = np.array([0.0, 0.0])
params, grads = {"w": w}, {"w": np.array([3.0, -4.0])}
opt = AdaGrad(0.1)
opt.step(params, grads)
check_true('params["w"] after AdaGrad.step', params["w"] is w, "the same array as before the step",
           hint="update in place")
check_close("w after one step of AdaGrad(0.1), g = (3, −4)", w, [-0.1, 0.1],
            hint="G = g² = (9, 16), step lr g / √G = 0.1·(3/3, −4/4)")
opt.step(params, grads)
check_close("w after two steps of AdaGrad(0.1), g = (3, −4)", w, [-0.1 - 0.1 / np.sqrt(2), 0.1 + 0.1 / np.sqrt(2)],
            hint="G keeps growing: (18, 32), so the second step is lr g / √G = 0.1·(1/√2, −1/√2)")

# %% nbgrader={"grade": true, "grade_id": "test_AdaGrad_hidden", "points": 2}
# Hidden tests of AdaGrad: several steps on several shapes against the formula, state per key
# (a key appearing later, the keys in another order), a gradient that is always zero (no 0/0),
# eps, a learning rate changed between steps, in place.
### BEGIN HIDDEN TESTS
import warnings
import numpy as np
from utils.checks import check_close, check_true, check_unchanged

rng = np.random.default_rng(6701)
shapes = {"scalar": (1,), "vector": (5,), "twin": (5,), "matrix": (3, 4), "zero": (3,)}
for lr, eps, scale, default in [(0.1, 1e-8, 1.0, True), (0.5, 1e-8, 1.0, True), (0.01, 0.1, 1.0, False),
                                (0.2, 1e-8, 1e3, True)]:
    opt = AdaGrad(lr) if default else AdaGrad(lr, eps=eps)
    name = f"AdaGrad(lr={lr:g})" if default else f"AdaGrad(lr={lr:g}, eps={eps:g})"
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    arrays, expected = dict(params), {k: p.copy() for k, p in params.items()}
    sums = {k: np.zeros(s) for k, s in shapes.items()}
    for t in range(1, 6):
        if t == 3:  # a key seen for the first time starts with G = 0
            params["late"] = rng.normal(size=(2, 2))
            arrays["late"], expected["late"], sums["late"] = params["late"], params["late"].copy(), np.zeros((2, 2))
        if t == 5:  # what a schedule does between epochs: the next step uses the new opt.lr
            lr = opt.lr = lr / 2
        grads = {k: scale * rng.normal(size=p.shape) for k, p in params.items()}
        grads["zero"] = np.zeros(3)
        grads_before = {k: g.copy() for k, g in grads.items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # the same arrays in the reverse key order (params at step 4, grads at step 2): by key
            opt.step(dict(reversed(params.items())) if t == 4 else params,
                     dict(reversed(grads.items())) if t == 2 else grads)
        check_true(f"step {t} of {name} with a gradient of zeros", len(caught) == 0, "no warning",
                   hint="add eps to √G before dividing, so that 0 / 0 never happens")
        for key in params:
            sums[key] = sums[key] + grads_before[key] ** 2
            expected[key] = expected[key] - lr * grads_before[key] / (np.sqrt(sums[key]) + eps)
            case = f"params[{key!r}] after step {t} of {name}, gradients of size {scale:g}"
            check_true(case, params[key] is arrays[key], "the same array as before the step",
                       hint="update in place")
            check_close(case, arrays[key], expected[key], rtol=1e-9, atol=1e-12,
                        hint="G += g² (a sum over all steps, one G per key, whatever the order of "
                             "the keys), then p −= lr g / (√G + eps) with the current self.lr: the "
                             "square root of G, eps outside it")
            check_unchanged(f"grads[{key!r}] after step {t} of {name}", grads_before[key], grads[key])
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "RMSProp"}
class RMSProp:
    """RMSProp: for every key ``s = rho * s + (1 - rho) * g**2`` then
    ``p -= lr * g / (sqrt(s) + eps)``.

    ``s``, the key's moving average of squared gradients, starts at zeros the first time the
    key is seen.

    Parameters
    ----------
    lr : float
        Learning rate (attribute ``lr``), read at every step (a schedule may change it).
    rho : float
        Decay rate of the average, in ``[0, 1)`` (attribute ``rho``).
    eps : float
        Added to ``sqrt(s)`` (attribute ``eps``).

    Methods
    -------
    step(params, grads)
        Updates every array of ``params`` in place; ``grads`` is not modified.
    """

    def __init__(self, lr, rho=0.9, eps=1e-8):
        self.lr = lr
        self.rho = rho
        self.eps = eps
        ### BEGIN SOLUTION
        self.mean_squares = {}
        ### END SOLUTION

    def step(self, params, grads):
        ### BEGIN SOLUTION
        for key, p in params.items():
            g = grads[key]
            s = self.mean_squares.setdefault(key, np.zeros_like(p))
            s *= self.rho
            s += (1.0 - self.rho) * g * g
            p -= self.lr * g / (np.sqrt(s) + self.eps)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_RMSProp_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_true

w = np.array([1.0])
params, grads = {"w": w}, {"w": np.array([2.0])}
opt = RMSProp(0.01, rho=0.9)
opt.step(params, grads)
check_true('params["w"] after RMSProp.step', params["w"] is w, "the same array as before the step",
           hint="update in place")
check_close("w after one step of RMSProp(0.01, rho=0.9), g = 2", w, [1.0 - 0.01 * 2.0 / np.sqrt(0.4)],
            hint="s = 0.9·0 + 0.1·2² = 0.4, then p −= lr g / √s")
opt.step(params, grads)
check_close("w after two steps of RMSProp(0.01, rho=0.9), g = 2", w,
            [1.0 - 0.01 * 2.0 / np.sqrt(0.4) - 0.01 * 2.0 / np.sqrt(0.76)],
            hint="s = 0.9·0.4 + 0.1·4 = 0.76: keep s from step to step")

# %% nbgrader={"grade": true, "grade_id": "test_RMSProp_hidden", "points": 2}
# Hidden tests of RMSProp: several steps on several shapes against the formula, state per key
# (a key appearing later, the keys in another order), the defaults, a learning rate changed
# between steps, a gradient that is always zero, in place.
### BEGIN HIDDEN TESTS
import warnings
import numpy as np
from utils.checks import check_close, check_true, check_unchanged

rng = np.random.default_rng(6801)
shapes = {"scalar": (1,), "vector": (5,), "twin": (5,), "matrix": (3, 4), "zero": (3,)}
for lr, rho, eps, scale, default in [(0.01, 0.9, 1e-8, 1.0, True), (0.1, 0.5, 1e-8, 1.0, False),
                                     (1e-3, 0.99, 0.1, 1.0, False), (0.05, 0.0, 1e-8, 1.0, False),
                                     (0.01, 0.9, 1e-8, 1e3, True)]:
    opt = RMSProp(lr) if default else RMSProp(lr, rho=rho, eps=eps)
    name = f"RMSProp(lr={lr:g})" if default else f"RMSProp(lr={lr:g}, rho={rho:g}, eps={eps:g})"
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    arrays, expected = dict(params), {k: p.copy() for k, p in params.items()}
    averages = {k: np.zeros(s) for k, s in shapes.items()}
    for t in range(1, 6):
        if t == 3:  # a key seen for the first time starts with s = 0
            params["late"] = rng.normal(size=(2, 2))
            arrays["late"], expected["late"], averages["late"] = params["late"], params["late"].copy(), np.zeros((2, 2))
        if t == 5:  # what a schedule does between epochs: the next step uses the new opt.lr
            lr = opt.lr = lr / 2
        grads = {k: scale * rng.normal(size=p.shape) for k, p in params.items()}
        grads["zero"] = np.zeros(3)
        grads_before = {k: g.copy() for k, g in grads.items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # the same arrays in the reverse key order (params at step 4, grads at step 2): by key
            opt.step(dict(reversed(params.items())) if t == 4 else params,
                     dict(reversed(grads.items())) if t == 2 else grads)
        check_true(f"step {t} of {name} with a gradient of zeros", len(caught) == 0, "no warning",
                   hint="add eps to √s before dividing, so that 0 / 0 never happens")
        for key in params:
            averages[key] = rho * averages[key] + (1 - rho) * grads_before[key] ** 2
            expected[key] = expected[key] - lr * grads_before[key] / (np.sqrt(averages[key]) + eps)
            case = f"params[{key!r}] after step {t} of {name}, gradients of size {scale:g}"
            check_true(case, params[key] is arrays[key], "the same array as before the step",
                       hint="update in place")
            check_close(case, arrays[key], expected[key], rtol=1e-9, atol=1e-12,
                        hint="s = ρ s + (1 − ρ) g² (one s per key, zeros at first, whatever the "
                             "order of the keys), then p −= lr g / (√s + eps) with the current self.lr")
            check_unchanged(f"grads[{key!r}] after step {t} of {name}", grads_before[key], grads[key])
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "Adam"}
class Adam:
    """Adam: momentum on the gradient, RMSProp on its square, both bias-corrected.

    For every key, with ``m``, ``v`` (zeros) and the step count ``t`` (0) created the first
    time the key is seen, so that ``t`` counts the ``step`` calls that have updated this key
    (the course keeps every state per key, as PyTorch keeps ``state["step"]`` per
    parameter)::

        t += 1
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p -= lr * m_hat / (sqrt(v_hat) + eps)

    When every key is updated at every call, as everywhere in this chapter, ``t`` is also
    the number of ``step`` calls: one ``t`` for the whole optimiser, incremented once per
    ``step`` call, is therefore accepted with full marks (it differs only for a key that first
    appears after the first call, where the tests accept either count). A single ``t``
    incremented once per *key* is not: it advances by the number of keys at every call.

    The paper's folded form ``p -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + eps)``
    is accepted too (its eps is not rescaled: it differs by O(eps), noticeably only for a large
    eps or gradients of the size of eps).

    Parameters
    ----------
    lr, beta1, beta2, eps : float
        Kept as attributes of the same names and read at every step (a schedule may change
        ``lr`` between steps).

    Methods
    -------
    step(params, grads)
        Updates every array of ``params`` in place; ``grads`` is not modified.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        ### BEGIN SOLUTION
        self.m, self.v, self.t = {}, {}, {}
        ### END SOLUTION

    def step(self, params, grads):
        ### BEGIN SOLUTION
        for key, p in params.items():
            g = grads[key]
            if key not in self.t:
                self.m[key], self.v[key], self.t[key] = np.zeros_like(p), np.zeros_like(p), 0
            self.t[key] += 1
            t = self.t[key]
            self.m[key] = self.beta1 * self.m[key] + (1.0 - self.beta1) * g
            self.v[key] = self.beta2 * self.v[key] + (1.0 - self.beta2) * g * g
            m_hat = self.m[key] / (1.0 - self.beta1 ** t)
            v_hat = self.v[key] / (1.0 - self.beta2 ** t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Adam_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_true

w = np.array([1.0, 1.0])
params = {"w": w}
opt = Adam(0.1)
opt.step(params, {"w": np.array([2.0, -0.5])})
check_true('params["w"] after Adam.step', params["w"] is w, "the same array as before the step",
           hint="update in place")
check_close("w after one step of Adam(0.1), g = (2, −0.5)", w, [0.9, 1.1], rtol=1e-6,
            hint="at t = 1 the bias correction gives m̂ = g and v̂ = g², so each coordinate moves "
                 "by lr against the sign of its gradient")
opt.step(params, {"w": np.array([1.0, 1.0])})
m = 0.9 * 0.1 * np.array([2.0, -0.5]) + 0.1 * np.array([1.0, 1.0])
v = 0.999 * 0.001 * np.array([4.0, 0.25]) + 0.001 * np.array([1.0, 1.0])
check_close("w after a second step of Adam(0.1), g = (1, 1)", w,
            np.array([0.9, 1.1]) - 0.1 * (m / (1 - 0.9 ** 2)) / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-8),
            rtol=1e-6, hint="t = 2 at the second step: divide m by 1 − β1² and v by 1 − β2²")

# %% nbgrader={"grade": true, "grade_id": "test_Adam_hidden", "points": 3}
# Hidden tests of Adam: several steps on several shapes against the formula (bias correction
# with t counted from 1), state per key (a key appearing later starts with m = v = 0; the keys
# in another order), the defaults and a non-default eps, a learning rate changed between steps,
# a gradient that is always zero, in place, gradients unchanged.
### BEGIN HIDDEN TESTS
import warnings
import numpy as np
from utils.checks import check_close, check_true, check_unchanged


def adam_target(p, m, v, t, lr, beta1, beta2, eps, folded):
    """p after the update with the averages m, v at step t. `folded`: the paper's efficient form
    lr·√(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + eps), whose eps is not rescaled (differs by O(eps))."""
    if folded:
        return p - lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m / (np.sqrt(v) + eps)
    return p - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)


rng = np.random.default_rng(6901)
shapes = {"scalar": (1,), "vector": (5,), "twin": (5,), "matrix": (3, 4), "zero": (3,)}
for lr, beta1, beta2, eps, scale, default in [(1e-3, 0.9, 0.999, 1e-8, 1.0, True),
                                              (0.05, 0.9, 0.999, 1e-8, 1.0, True),
                                              (0.1, 0.5, 0.9, 1e-8, 1.0, False),
                                              (0.01, 0.0, 0.99, 1e-8, 1.0, False),
                                              (0.05, 0.9, 0.999, 0.1, 1.0, False),
                                              (0.02, 0.9, 0.999, 1e-8, 1e3, True)]:
    opt = Adam(lr) if default else Adam(lr, beta1=beta1, beta2=beta2, eps=eps)
    name = f"Adam(lr={lr:g})" if default else f"Adam(lr={lr:g}, beta1={beta1:g}, beta2={beta2:g}, eps={eps:g})"
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    arrays = dict(params)
    first, second = {k: np.zeros(s) for k, s in shapes.items()}, {k: np.zeros(s) for k, s in shapes.items()}
    steps = {k: 0 for k in shapes}
    # Readings a right answer may follow, each decided at its first check and then held to:
    # the folded form (only a large eps tells it apart), and for the late key its own step
    # count or the optimiser's (PyTorch keeps one per key; one for the whole optimiser is right too).
    expected = {folded: {k: p.copy() for k, p in params.items()} for folded in (False, True)}
    shared_late, folded_reading, late_counter = {}, None, None
    for t in range(1, 7):
        if t == 3:  # a key seen for the first time starts with m = v = 0 and its own t = 0
            params["late"] = rng.normal(size=(2, 2))
            arrays["late"] = params["late"]
            first["late"], second["late"], steps["late"] = np.zeros((2, 2)), np.zeros((2, 2)), 0
            for folded in expected:
                expected[folded]["late"] = shared_late[folded] = params["late"].copy()
        if t == 5:  # what a schedule does between epochs: the next steps use the new opt.lr
            lr = opt.lr = lr / 2
        # Gradients of ordinary size, away from 0 (where eps would matter).
        grads = {k: scale * rng.choice([-1.0, 1.0], size=p.shape) * rng.uniform(0.3, 2.0, size=p.shape)
                 for k, p in params.items()}
        grads["zero"] = np.zeros(3)
        grads_before = {k: g.copy() for k, g in grads.items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # the same arrays in the reverse key order (params at step 4, grads at step 2): by key
            opt.step(dict(reversed(params.items())) if t == 4 else params,
                     dict(reversed(grads.items())) if t == 2 else grads)
        check_true(f"step {t} of {name} with a gradient of zeros", len(caught) == 0, "no warning",
                   hint="add eps to √v̂ before dividing, so that 0 / 0 never happens")
        for key in params:
            g = grads_before[key]
            steps[key] += 1
            first[key] = beta1 * first[key] + (1 - beta1) * g
            second[key] = beta2 * second[key] + (1 - beta2) * g ** 2
            for folded in expected:
                expected[folded][key] = adam_target(expected[folded][key], first[key], second[key], steps[key],
                                                    lr, beta1, beta2, eps, folded)
                if key == "late":
                    shared_late[folded] = adam_target(shared_late[folded], first[key], second[key], t,
                                                      lr, beta1, beta2, eps, folded)
            if folded_reading is None:
                folded_reading = bool(np.max(np.abs(arrays[key] - expected[True][key]))
                                      < np.max(np.abs(arrays[key] - expected[False][key])))
            target = expected[folded_reading][key]
            if key == "late":
                if late_counter is None:  # decided at the key's first step, then held to
                    nearer_shared = (np.max(np.abs(arrays[key] - shared_late[folded_reading]))
                                     < np.max(np.abs(arrays[key] - target)))
                    late_counter = "shared" if nearer_shared else "own"
                target = shared_late[folded_reading] if late_counter == "shared" else target
            case = f"params[{key!r}] after step {t} of {name}, gradients of size {scale:g}"
            check_true(case, params[key] is arrays[key], "the same array as before the step",
                       hint="update in place")
            check_close(case, arrays[key], target, rtol=1e-6, atol=1e-6,
                        hint="t += 1 first (t = 1 at a key's first step), m and v averaged with "
                             "(1 − β), m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ), p −= lr m̂ / (√v̂ + eps) "
                             "with self.lr and self.eps (eps outside the root); one m, v and t per key")
            check_unchanged(f"grads[{key!r}] after step {t} of {name}", grads_before[key], grads[key])

w = np.array([0.0, 5.0])
Adam().step({"w": w}, {"w": np.array([1.0, -3.0])})
check_close("w after one step of Adam() (every default) with g = (1, −3)", w, [-1e-3, 5.0 + 1e-3], rtol=1e-6,
            hint="the defaults lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8: the first step moves each "
                 "coordinate by lr against the sign of its gradient")
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Every optimiser on both surfaces
#
# Each optimiser with a learning rate suited to the surface (the widget of section 11 lets you
# change them). On the quadratic, AdaGrad rescales the two axes by the sizes of their gradients
# and heads straight for the minimum; momentum and Nesterov overshoot and spiral in, but
# cover the flat direction quickly; RMSProp, whose steps keep a size of about `lr` whatever
# the gradient, ends up hovering around the minimum instead of settling (a schedule would
# shrink `lr`). Adam's first steps also have a size of about `lr`, but its average of squared
# gradients ($\beta_2 = 0.999$) long remembers the large gradients of the start, so its later
# steps shrink and it does settle, slowly (section 8 counts its steps to a gap below 1e-6).
# On Rosenbrock, plain gradient descent is held to a learning rate near
# the limit that the valley's steep walls set: at the start the Hessian's largest eigenvalue
# is about 2092, so $2/\lambda_{\max} \approx 0.96\cdot10^{-3}$, and the $10^{-3}$ used here is
# just above it. The first steps therefore bounce across the valley, until the path reaches
# the floor, where the walls are less steep; there it creeps along; momentum, at half that rate, ends with a
# gap $f - f^*$ hundreds of times smaller; AdaGrad's steps die out as its sums of squares grow;
# Adam moves along the floor at a nearly constant speed.

# %%
settings = {  # name -> (optimiser on the quadratic, optimiser on Rosenbrock)
    "SGD": (lambda: SGD(0.07), lambda: SGD(1e-3)),
    "Momentum": (lambda: Momentum(0.02, 0.9), lambda: Momentum(5e-4, 0.9)),
    "Nesterov": (lambda: Nesterov(0.02, 0.9), lambda: Nesterov(5e-4, 0.9)),
    "AdaGrad": (lambda: AdaGrad(1.0), lambda: AdaGrad(0.1)),
    "RMSProp": (lambda: RMSProp(0.05), lambda: RMSProp(0.01)),
    "Adam": (lambda: Adam(0.3), lambda: Adam(0.05)),
}
n_steps = {"ill-conditioned quadratic": 150, "Rosenbrock": 1000}
all_paths = {surface.name: {name: optimizer_path(makers[i](), surface.grad, surface.start, n_steps[surface.name])
                            for name, makers in settings.items()}
             for i, surface in enumerate((quadratic, banana))}

for surface in (quadratic, banana):
    paths = all_paths[surface.name]
    fig = plt.figure(figsize=(13, 5))
    left, right = fig.subfigures(1, 2, width_ratios=[1.7, 1.0])
    # one panel per optimiser: on one panel the paths would hide each other
    for ax, (name, path) in zip(left.subplots(2, 3, sharex=True, sharey=True).flat, paths.items()):
        plot_contour_trajectories(surface.f, {name: path}, surface.xlim, surface.ylim, ax=ax, levels=25,
                                  log_levels=True, resolution=60)
        ax.plot(*surface.minimum, "k*", ms=10)
        ax.get_legend().remove()
        ax.set_title(name, fontsize="small")
        ax.label_outer()  # axis labels on the outer panels only, clear of the titles
    left.suptitle(f"{surface.name}, {n_steps[surface.name]} steps (★ the minimum)", fontsize="medium")
    plot_loss_curves({name: np.maximum(gaps(surface, path), 1e-16) for name, path in paths.items()},
                     ax=right.subplots(), log=True, xlabel="step", ylabel="$f(\\theta_k) - f^*$")
    plt.show()

# %% [markdown]
# ## 8. Why not Newton? Second-order methods and L-BFGS
#
# Chapter 2's Newton step $\theta \leftarrow \theta - H^{-1} g$ solves a quadratic in **one**
# step, whatever its conditioning: it rescales every direction by its own curvature, which is
# exactly what the optimisers above approximate. Why do networks not use it? The Hessian of
# $P$ parameters has $P^2$ entries, and solving with it costs about $P^3/3$ operations. A network
# has millions of parameters:

# %%
for name, P in [("chapter 4's digits MLP, 64-64-10", 64 * 64 + 64 + 64 * 10 + 10),
                ("a small image CNN", 1e6), ("ResNet-50", 25.6e6), ("a 7-billion-parameter language model", 7e9)]:
    print(f"{name:40s} P = {P:9.3g}: Hessian {8 * P ** 2 / 1e9:9.3g} GB, one Newton solve ~{P ** 3 / 3:8.2g} flops")

# %% [markdown]
# Besides, on mini-batches the Hessian is as noisy as the gradient, and away from a minimum it
# is not positive definite (a Newton step may go **uphill**, towards a saddle point).
# **Quasi-Newton** methods keep Newton's idea, a step rescaled by the curvature, without ever
# forming $H$: **BFGS** builds an approximation of $H^{-1}$ from the changes of the gradient
# between steps ($y_k = g_{k+1} - g_k$ for a step $s_k = \theta_{k+1} - \theta_k$, since
# $H s_k \approx y_k$), and **L-BFGS** keeps only the last $m \approx 10$ pairs $(s_k, y_k)$ and
# applies its approximate $H^{-1}$ to $g$ in $O(mP)$ operations and memory. It shines on
# smooth, full-batch, moderate-size problems (SciPy's `minimize(method="L-BFGS-B")`, scikit-learn's
# logistic regression), with a line search choosing each step; with noisy mini-batch gradients
# its curvature pairs are corrupted, and deep learning prefers Adam and SGD with momentum.
# Here it is on our two surfaces, against Adam's paths from section 7:

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax, surface in zip(axes, (quadratic, banana)):
    lbfgs_path = [surface.start.copy()]
    result = minimize(surface.f, surface.start, jac=surface.grad, method="L-BFGS-B",
                      callback=lambda xk: lbfgs_path.append(np.copy(xk)), options={"gtol": 1e-10})
    adam_path = all_paths[surface.name]["Adam"]
    first_close = np.flatnonzero(gaps(surface, adam_path) < 1e-6)
    adam_steps = f"{first_close[0]} steps" if first_close.size else f"more than {len(adam_path) - 1} steps"
    print(f"{surface.name}: L-BFGS reached f = {result.fun:.1e} in {result.nit} iterations "
          f"({result.nfev} gradient evaluations); Adam needs {adam_steps} to get below 1e-6")
    plot_contour_trajectories(surface.f, {"Adam": adam_path, "L-BFGS": np.array(lbfgs_path)},
                              surface.xlim, surface.ylim, ax=ax, levels=20, log_levels=True)
    ax.set_title(surface.name, fontsize="medium")
plt.show()

# %% [markdown]
# **Question (2 points).** (a) Chapter 4's digits network 64–64–10 has $P = 4810$ parameters.
# How many entries does its $P \times P$ Hessian have (count them all, although it is
# symmetric), how much memory is that in float64, and how does it grow with $P$? Why does that rule Newton's method out for a network of $10^8$ parameters?
# (b) What does L-BFGS keep in memory instead, and why does it work less well with mini-batch
# gradients than with full-batch ones?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_second_order", "points": 2}
# **Model answer.** (a) $P^2 = 4810^2 \approx 2.3\times10^7$ entries, about 185 MB in float64
# (one triangle of the symmetric matrix, $P(P+1)/2$ numbers, halves that and changes nothing in
# the growth):
# possible here, but the memory grows like $P^2$ and a Newton solve costs $\sim P^3/3$
# operations. For $P = 10^8$: $10^{16}$ entries (80 PB) and $\sim 3\times10^{23}$ operations
# per step, impossible, while a gradient step costs $O(P)$. (Also: computing the Hessian takes
# $P$ backward passes, and far from a minimum it is indefinite, so a Newton step can go
# uphill.) (b) L-BFGS stores only the last $m$ (about 5–20) pairs of steps
# $s_k = \theta_{k+1} - \theta_k$ and gradient changes $y_k = g_{k+1} - g_k$, $2mP$ numbers,
# and applies an approximate inverse Hessian built from them in $O(mP)$ operations. Its
# curvature information comes from differences of gradients: with mini-batches, consecutive
# gradients are computed on different samples, so $y_k$ is dominated by sampling noise rather
# than curvature, and its line search evaluates a noisy objective. 2 points: (a) $P^2$ memory,
# $P^3$ solve, numbers (1); (b) $m$ pairs $(s, y)$ in $O(mP)$; noise corrupts $y$ (1).

# %% [markdown]
# ## 9. Learning-rate schedules
#
# A constant learning rate is a compromise: large enough to make progress early, small enough
# not to bounce around the minimum at the end (with mini-batches the noise never vanishes, so
# only a decreasing rate settles). A **schedule** sets the learning rate of each epoch:
#
# * **step decay** multiplies it by `drop` every `every` epochs:
#   $\eta_e = \eta_0 \cdot \text{drop}^{\lfloor e / \text{every} \rfloor}$;
# * **cosine decay** glides from $\eta_0$ at epoch 0 to $\eta_{\min}$ at epoch $E$ along half a
#   cosine: $\eta_e = \eta_{\min} + (\eta_0 - \eta_{\min})\,\bigl(1 + \cos(\pi e / E)\bigr)/2$.
#
# Epochs are counted from 0.

# %% nbgrader={"solution": true, "grade_id": "step_decay"}
def step_decay(lr0, epoch, drop=0.5, every=10):
    """Step-decay schedule: ``lr0 * drop ** (epoch // every)``.

    Parameters
    ----------
    lr0 : float
        Learning rate of epochs ``0 … every−1``.
    epoch : int
        The epoch, from 0.
    drop : float
        Factor applied every ``every`` epochs.
    every : int
        Epochs between two drops.

    Returns
    -------
    float
        ``lr0 · drop^(epoch // every)``: one float64 number; only its value is checked, so
        a Python float, a ``np.float64`` or a 0-d float64 array all pass.
    """
    ### BEGIN SOLUTION
    return lr0 * drop ** (epoch // every)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_step_decay_visible", "points": 1}
from utils.checks import check_close

check_close("step_decay(0.1, 0)", step_decay(0.1, 0), 0.1, hint="no drop before epoch `every`")
check_close("step_decay(0.1, 9)", step_decay(0.1, 9), 0.1, hint="epochs 0 to 9 share lr0 (every=10)")
check_close("step_decay(0.1, 25)", step_decay(0.1, 25), 0.025, hint="two drops by 0.5 by epoch 25")

# %% nbgrader={"grade": true, "grade_id": "test_step_decay_hidden", "points": 2}
# Hidden tests of step_decay: every epoch of several schedules (drop and every given, or the
# defaults), including epochs just before and at a drop.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_close, check_true

for lr0, drop, every in [(0.1, 0.5, 10), (1.0, 0.1, 3), (0.03, 0.9, 1), (2.0, 0.25, 7)]:
    for epoch in range(0, 40):
        expected = lr0 * drop ** (epoch // every)
        if (drop, every) == (0.5, 10):
            case, got = f"step_decay({lr0}, {epoch})", step_decay(lr0, epoch)
        else:
            case = f"step_decay({lr0}, {epoch}, drop={drop}, every={every})"
            got = step_decay(lr0, epoch, drop=drop, every=every)
        check_true(f"type of {case}", np.ndim(got) == 0, "a single number",
                   hint="return one learning rate")
        check_close(case, got, expected, rtol=1e-12,
                    hint="lr0 · drop^(epoch // every): an integer number of drops, the same rate "
                         "for the `every` epochs between two drops")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "cosine_decay"}
def cosine_decay(lr0, epoch, total_epochs, lr_min=0.0):
    """Cosine schedule from ``lr0`` at epoch 0 to ``lr_min`` at epoch ``total_epochs``.

    Parameters
    ----------
    lr0 : float
        Learning rate at epoch 0.
    epoch : int
        The epoch, from 0 to ``total_epochs`` (past the end the formula rises again; whether
        to return it or ``lr_min`` there is yours to choose: the tests stay in the range).
    total_epochs : int
        Length of the schedule, at least 1 (``total_epochs = 0`` has no schedule; the tests
        never pass it).
    lr_min : float
        Learning rate at the end.

    Returns
    -------
    float
        ``lr_min + (lr0 − lr_min) · (1 + cos(π · epoch / total_epochs)) / 2``: one float64
        number; only its value is checked, so a Python float, a ``np.float64`` or a 0-d
        float64 array all pass.
    """
    ### BEGIN SOLUTION
    return lr_min + 0.5 * (lr0 - lr_min) * (1.0 + np.cos(np.pi * epoch / total_epochs))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cosine_decay_visible", "points": 1}
from utils.checks import check_close

check_close("cosine_decay(1.0, 0, 10)", cosine_decay(1.0, 0, 10), 1.0, hint="lr0 at epoch 0")
check_close("cosine_decay(1.0, 5, 10)", cosine_decay(1.0, 5, 10), 0.5, hint="half way at half time")
check_close("cosine_decay(1.0, 10, 10)", cosine_decay(1.0, 10, 10), 0.0, atol=1e-12,
            hint="lr_min (0 by default) at the last epoch")

# %% nbgrader={"grade": true, "grade_id": "test_cosine_decay_hidden", "points": 2}
# Hidden tests of cosine_decay: every epoch of several schedules, with and without lr_min,
# the ends of the schedule.
### BEGIN HIDDEN TESTS
import math
import numpy as np
from utils.checks import check_close, check_true

for lr0, total, lr_min in [(0.1, 20, 0.0), (1.0, 7, 0.1), (0.05, 1, 0.01), (3.0, 50, 1e-3)]:
    for epoch in range(0, total + 1):
        expected = lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * epoch / total)) / 2
        if lr_min == 0.0:
            case, got = f"cosine_decay({lr0}, {epoch}, {total})", cosine_decay(lr0, epoch, total)
        else:
            case = f"cosine_decay({lr0}, {epoch}, {total}, lr_min={lr_min})"
            got = cosine_decay(lr0, epoch, total, lr_min=lr_min)
        check_true(f"type of {case}", np.ndim(got) == 0, "a single number", hint="return one learning rate")
        check_close(case, got, expected, rtol=1e-10, atol=1e-14,
                    hint="lr_min + (lr0 − lr_min)(1 + cos(π epoch / total_epochs)) / 2: the angle "
                         "runs from 0 to π over the schedule, and the curve ends at lr_min")
### END HIDDEN TESTS

# %%
epochs = np.arange(51)
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(epochs, [0.1] * len(epochs), label="constant")
ax.plot(epochs, [step_decay(0.1, e, drop=0.5, every=10) for e in epochs], label="step decay (×0.5 every 10)")
ax.plot(epochs, [cosine_decay(0.1, e, 50) for e in epochs], label="cosine decay to 0")
ax.plot(epochs, [cosine_decay(0.1, e, 50, lr_min=0.02) for e in epochs], "--", label="cosine decay to 0.02")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# ## 10. Every optimiser trains a network of chapter 4's layers
#
# Chapter 4's layers (the read-only cell at the top) in a network 64–32–10 on the digits (a
# narrower hidden layer than chapter 4's 64–64–10, so that the seven runs stay quick),
# mini-batches of 32 from `iterate_minibatches`, 10 epochs. Every run starts from the **same**
# initial weights and sees the same batches (the generator is seeded alike), so only the
# optimiser differs. SGD uses chapter 4's rate; Momentum and Nesterov a rate ten times smaller
# with $\mu = 0.9$ (the same effective step $\eta/(1-\mu)$); RMSProp and Adam the common default
# $10^{-3}$, and Adam also $10^{-2}$. One more run: SGD with a cosine schedule from twice chapter
# 4's rate, which sets `opt.lr` at the start of each epoch.

# %%
X_digits, y_digits, X_digits_test, y_digits_test = load_digits_split(0)


def train_digits(optimizer, epochs=10, schedule=None, seed=6):
    """Train a fresh 64-32-10 ReLU network; the training loss before training and after each
    epoch, and the test accuracy."""
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(64, 32, rng), ReLU(), Linear(32, 10, rng))
    params = model.parameters()
    losses = [softmax_cross_entropy(model.forward(X_digits), y_digits)[0]]
    for epoch in range(epochs):
        if schedule is not None:
            optimizer.lr = schedule(epoch)
        for X_batch, y_batch in iterate_minibatches(X_digits, y_digits, 32, rng):
            _, dlogits = softmax_cross_entropy(model.forward(X_batch), y_batch)
            model.backward(dlogits)
            optimizer.step(params, model.gradients())
        losses.append(softmax_cross_entropy(model.forward(X_digits), y_digits)[0])
    test_accuracy = np.mean(model.forward(X_digits_test).argmax(axis=1) == y_digits_test)
    return np.array(losses), float(test_accuracy)


digit_runs = {
    "SGD lr=0.1": train_digits(SGD(0.1)),
    "SGD cosine from lr=0.2": train_digits(SGD(0.2), schedule=lambda e: cosine_decay(0.2, e, 10)),
    "Momentum lr=0.01, μ=0.9": train_digits(Momentum(0.01, 0.9)),
    "Nesterov lr=0.01, μ=0.9": train_digits(Nesterov(0.01, 0.9)),
    "AdaGrad lr=0.05": train_digits(AdaGrad(0.05)),
    "RMSProp lr=1e-3": train_digits(RMSProp(1e-3)),
    "Adam lr=1e-3": train_digits(Adam(1e-3)),
    "Adam lr=1e-2": train_digits(Adam(1e-2)),
}
for name, (losses, test_accuracy) in digit_runs.items():
    print(f"{name:26s} final training loss {losses[-1]:.4f}, test accuracy {test_accuracy:.1%}")

fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
plot_loss_curves({name: losses for name, (losses, _) in digit_runs.items()}, ax=ax, log=True,
                 ylabel="training loss (cross-entropy)")
for line in ax.get_lines():
    if line.get_label().startswith("Nesterov"):
        line.set_linestyle((0, (4, 3)))  # dashed: it lies on Momentum's curve, which shows through
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the curves, not on them
ax.set_title("64-32-10 ReLU network on digits, mini-batches of 32")
plt.show()

# %% [markdown]
# Every run passes 96 % test accuracy: the digits are an easy, well-scaled problem. The
# training losses tell more. Momentum and Nesterov at $\eta = 0.01$, $\mu = 0.9$ (one curve:
# Nesterov's, dashed, lies on Momentum's) follow plain SGD at $\eta = 0.1$ closely: on a problem this benign, momentum mostly buys the larger
# effective step $\eta/(1-\mu)$. RMSProp and Adam at the default $10^{-3}$ are the **slowest**
# here, and Adam at $10^{-2}$ the fastest of all: the learning rate matters more than the choice
# of method, and a fair comparison tunes each optimiser's rate (the widget below shows how much
# it matters). AdaGrad at $0.05$ comes second, and its test accuracy is among the best, within
# a few of the 450 test digits of Adam's at $10^{-2}$ (which of the two is ahead depends on the
# order of the mini-batches, that is on how your `iterate_minibatches` draws its permutation):
# its steps shrink as its sums of squares grow, but ten epochs are too few for that
# to hold it back here. The cosine schedule starts at twice SGD's rate and ends near zero; it finishes
# below constant SGD at $0.1$.
#
# **Question (2 points).** (a) Adam's very first update moves every parameter by about
# $\eta$, whatever the size of its gradient. Show it from the formulas. (b) What would the
# first update be without the bias correction (with $\beta_1 = 0.9$, $\beta_2 = 0.999$), and
# why is that a problem?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_adam_bias_correction", "points": 2}
# **Model answer.** (a) At $t = 1$, $m = (1-\beta_1) g$ and $v = (1-\beta_2) g^2$, so
# $\hat m = m/(1-\beta_1) = g$ and $\hat v = v/(1-\beta_2) = g^2$: the update is
# $-\eta\, g/(|g| + \epsilon) \approx -\eta\,\mathrm{sign}(g)$, of size $\eta$ in every coordinate
# (for $|g| \gg \epsilon$). (b) Without correction the update is
# $-\eta\,(1-\beta_1) g / (\sqrt{1-\beta_2}\,|g| + \epsilon) = -\eta\, \frac{0.1}{0.0316}\,
# \mathrm{sign}(g) \approx -3.16\,\eta\,\mathrm{sign}(g)$: the early steps are about three times
# too large (the average of $g^2$, started at 0, is far more biased towards 0 than that of $g$,
# since $\beta_2$ is closer to 1), which can throw the parameters far away at the start of
# training, where the gradients are large and least reliable; the bias fades only after
# $\sim 1/(1-\beta_2) = 1000$ steps. 2 points: (a) $\hat m = g$, $\hat v = g^2$ (1); (b) the
# factor $(1-\beta_1)/\sqrt{1-\beta_2} \approx 3.2$ and why too-large early steps hurt (1).

# %% [markdown]
# ## 11. Explore: your optimisers on the two surfaces
#
# Choose a surface and one of **your** optimisers, then move the learning rate, the momentum
# (`momentum` for Momentum and Nesterov, `beta1` for Adam; the others ignore it) and the number
# of steps. Things to try: SGD on the quadratic at learning rates just below and above 0.08;
# Momentum with $\mu = 0.99$ (wide spirals) and $\mu = 0$ (plain SGD again); Adam on Rosenbrock
# with a large learning rate (its first steps have a size of about `lr` whatever the
# gradient, so it overshoots the valley's floor, and its steps shrink only as its memory of
# the large early gradients fades); AdaGrad on Rosenbrock with many steps (its steps die
# out).

# %%
show(optimizer_explorer({"SGD": SGD, "Momentum": Momentum, "Nesterov": Nesterov, "AdaGrad": AdaGrad,
                         "RMSProp": RMSProp, "Adam": Adam}))

# %% [markdown]
# ## Summary
#
# * An optimiser follows one protocol: hyper-parameters in `__init__`, `step(params, grads)`
#   updating the arrays in place, state kept per key.
# * Gradient descent is stable for $\eta < 2/\lambda_{\max}$, and its speed is set by the
#   condition number: the steep direction caps the learning rate, the flat one crawls.
# * Mini-batch gradients are unbiased and cheap, with a noise falling like $1/\sqrt{B}$;
#   `iterate_minibatches` deals every sample once per epoch. The noise does not vanish at the
#   minimum: schedules (step, cosine) shrink the learning rate to settle there.
# * An exponential moving average $s_t = \beta s_{t-1} + (1-\beta)x_t$ remembers about
#   $1/(1-\beta)$ values; started at zero it is biased, and dividing by $1-\beta^t$ corrects it.
# * Momentum ($v = \mu v - \eta g$, $\theta \mathrel{+}= v$) and Nesterov's look-ahead speed up
#   consistent directions and damp oscillating ones; AdaGrad, RMSProp and Adam divide each
#   coordinate's step by the root of an accumulated or averaged squared gradient; Adam adds
#   momentum and bias correction, and takes steps of about $\eta$ from the start.
# * Newton's method needs a $P \times P$ Hessian ($P^2$ memory, $P^3$ work): impossible for a
#   network. L-BFGS keeps a few curvature pairs instead, and excels on smooth full-batch
#   problems; on noisy mini-batches, deep learning uses SGD with momentum and Adam.
# * Next: dropout, early stopping and regularisation (chapter 7), to keep these optimisers from
#   fitting the training set too well.
