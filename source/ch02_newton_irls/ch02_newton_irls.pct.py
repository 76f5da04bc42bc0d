# %% [markdown]
# # Chapter 2 — Newton's method and IRLS
#
# Gradient descent (chapter 1) uses only the slope of the loss, and pays for it with many
# small steps whose best size depends on the curvature. Newton's method uses the curvature
# too: it fits a quadratic to the loss at the current point and jumps to that quadratic's
# minimum. On least squares this lands on the optimum in **one** step; on logistic regression,
# which has no closed-form solution, it reaches machine precision in a handful of steps, under
# the name **iteratively reweighted least squares** (IRLS).
#
# **Goals.** By the end of this notebook you will have written, from NumPy alone:
#
# 1. `newton_minimize`, Newton's method for any function whose gradient and Hessian you can
#    compute, from the second-order Taylor model;
# 2. the gradient and Hessian of the mean squared error, and seen Newton solve least squares
#    in one step;
# 3. the mean negative log-likelihood of logistic regression, **stable** for any logit;
# 4. its gradient and Hessian $X^\top S X/n$, without ever forming an $n\times n$ matrix;
# 5. `irls`, logistic regression fitted by Newton's method, with an optional $\ell_2$ penalty;
#
# and you will compare Newton with gradient descent (per iteration and per second), and see
# what goes wrong on linearly separable data and how the penalty repairs it.
#
# **Notation.**
#
# | symbol | code | shape | meaning |
# |---|---|---|---|
# | $n$, $p$ | `n`, `p` | | number of samples, number of parameters |
# | $X$, $\Phi$ | `X`, `Phi` | `(n, p)` | inputs / design matrix, one sample per **row** (a bias column included) |
# | $y$ | `y` | `(n,)` | targets; 0/1 labels for logistic regression |
# | $\theta$ | `theta` | `(p,)` | parameters |
# | $g = \nabla f(\theta)$ | `g` | `(p,)` | gradient of the objective |
# | $H = \nabla^2 f(\theta)$ | `H` | `(p, p)` | Hessian: the matrix of second derivatives |
# | $\sigma(z) = 1/(1+e^{-z})$ | | | the logistic sigmoid; $p_i = \sigma(x_i^\top\theta)$ |
# | $S$ | `s` | `(n,)` | the diagonal of $S = \mathrm{diag}(p_i(1-p_i))$, kept as a vector |
# | $\lambda$ | `l2` | scalar | $\ell_2$ penalty $\frac\lambda2\lVert\theta\rVert^2$ |
#
# Every array is float64 and every loss is a **mean** over the samples. A
# function documented as returning a **Python float** must return an object of Python's type
# `float`: `float(...)` of a NumPy result always is one, and a NumPy `np.float64` passes too
# (it is a subclass of `float`), but a `np.float32` or a 0-d array (`np.array(1.5)`) does not.
# Your functions must not modify their inputs and must not print warnings: a test cell that
# writes a warning scores zero.

# %% nbgrader={"locked": true, "grade_id": "setup"}
import time

import numpy as np
import matplotlib.pyplot as plt
from scipy.special import expit

from utils.checks import (check_close, check_dtype, check_equal, check_finite, check_shape,
                          check_true, check_type, check_unchanged)
from utils.datasets import blobs
from utils.plotting import figures_off_while_grading, plot_loss_curves
from utils.widgets import newton_explorer, show

figures_off_while_grading()  # the grader looks at test results, not figures: skip drawing

plt.rcParams["figure.figsize"] = (6.4, 3.6)

# %% [markdown]
# ## 1. Newton's method from the second-order Taylor model
#
# Near a point $\theta$, a twice-differentiable function is approximated by its second-order
# Taylor expansion in the step $\delta$:
#
# $$f(\theta + \delta) \approx m(\delta) = f(\theta) + g^\top\delta + \tfrac12\,\delta^\top H\,\delta,
# \qquad g = \nabla f(\theta),\; H = \nabla^2 f(\theta).$$
#
# When $H$ is positive definite the model $m$ is a bowl, and its minimum is where its gradient
# $g + H\delta$ vanishes: $\delta = -H^{-1}g$. **Newton's method** moves there and repeats,
#
# $$\theta_{k+1} = \theta_k - H_k^{-1} g_k .$$
#
# Compute the step by **solving** the linear system $H\delta = g$ (`np.linalg.solve`), never
# by forming $H^{-1}$: the solve is cheaper and more accurate. Near a minimum with a positive
# definite Hessian the method converges **quadratically**: the number of correct digits
# roughly doubles at every step. We stop after the first step whose Euclidean norm is
# **strictly** below a tolerance `tol` (so `tol = 0` never stops early: all `n_iters` steps
# are taken).
#
# In one dimension the model is a parabola. For $f(t) = e^t - 2t$ (minimum at $t^* = \ln 2$),
# each Newton step moves $t$ to the bottom of the parabola that touches $f$ at the current
# point. Below, each arrow goes from the current point on $f$ to the bottom of its parabola
# (dashed); the dotted line then drops to $f$ at the new $t$, where the next parabola touches:

# %%
f_1d = lambda t: np.exp(t) - 2.0 * t
grad_1d = lambda t: np.exp(t) - 2.0
hess_1d = lambda t: np.exp(t)

t_grid = np.linspace(-1.0, 2.6, 200)
fig, ax = plt.subplots(figsize=(8.4, 3.6), layout="constrained")
ax.plot(t_grid, f_1d(t_grid), "k", lw=2, label="f(t) = eᵗ − 2t")
t = 2.2
for k in range(3):
    model = lambda s, t=t: f_1d(t) + grad_1d(t) * (s - t) + 0.5 * hess_1d(t) * (s - t) ** 2
    t_next = t - grad_1d(t) / hess_1d(t)
    ax.plot(t_grid, model(t_grid), "--", color=f"C{k}", label=f"Taylor model at t{k} = {t:.3f}")
    ax.annotate("", xy=(t_next, model(t_next)), xytext=(t, f_1d(t)),
                arrowprops={"arrowstyle": "->", "color": f"C{k}"})
    ax.plot([t_next, t_next], [model(t_next), f_1d(t_next)], ":", color=f"C{k}")
    t = t_next
ax.axvline(np.log(2.0), color="0.5", lw=1, ls=":", label="t* = ln 2")
ax.set_ylim(-0.5, 6.0)
ax.set_xlabel("t")
ax.set_ylabel("f(t) and its Taylor models")
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the curves
plt.show()

# %% [markdown]
# Write `newton_minimize(grad, hess, theta0, n_iters, tol)`. It takes functions returning the
# gradient and the Hessian at a point, and returns the last iterate and the whole **path**:
# `path[0]` is `theta0`, `path[k]` the iterate after `k` steps. Each step is computed and
# **taken** (and recorded); if its Euclidean norm was strictly below `tol`, stop there. At most
# `n_iters` steps are taken. Do not modify `theta0`. (Testing that last, tiny step's norm
# before taking it, and leaving it out of the path, is accepted too: it changes nothing
# the tolerance can see.)

# %% nbgrader={"solution": true, "grade_id": "newton_minimize"}
def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
    """Newton's method: repeated steps ``theta ← theta − H⁻¹ g``.

    Parameters
    ----------
    grad : callable
        ``grad(theta)`` returns the gradient, shape (p,), at ``theta`` of shape (p,).
    hess : callable
        ``hess(theta)`` returns the Hessian, shape (p, p), at ``theta``.
    theta0 : ndarray, shape (p,)
        Starting point; it is not modified, and the path is float64 whatever its dtype
        (an integer ``theta0`` must not truncate the steps).
    n_iters : int
        Maximum number of steps ``>= 0``.
    tol : float
        Stop after the first step whose Euclidean norm ``‖H⁻¹g‖`` is below ``tol`` (strictly;
        that step is taken and recorded, or, equally accepted, left out of the path).

    Returns
    -------
    theta : ndarray, shape (p,)
        The last iterate, equal to ``path[-1]`` (that row or a copy of it: either is right).
    path : ndarray, shape (k + 1, p)
        Every iterate, ``path[0] = theta0``, after ``k <= n_iters`` steps. Each step solves
        ``H delta = g`` (``np.linalg.solve``, not an inverse) and sets
        ``path[j+1] = path[j] − delta``.
    """
    ### BEGIN SOLUTION
    theta = np.array(theta0, dtype=np.float64)  # a copy: theta0 stays as it was
    path = [theta]
    for _ in range(n_iters):
        step = np.linalg.solve(hess(theta), grad(theta))
        theta = theta - step
        path.append(theta)
        if np.linalg.norm(step) < tol:
            break
    return theta, np.array(path)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_newton_minimize_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_true, check_type

A = np.array([[3.0, 1.0], [1.0, 2.0]])
c = np.array([1.0, -1.0])
theta0 = np.array([5.0, 5.0])
# f(t) = ½ tᵀAt − cᵀt: gradient At − c, Hessian A, minimum at A⁻¹c = (0.6, −0.8).
theta, path = newton_minimize(lambda t: A @ t - c, lambda t: A, theta0)
check_type("path of newton_minimize", path, np.ndarray, hint="return the path as a NumPy array")
check_dtype("path of newton_minimize", path, "float64")
check_true("shape of the path of newton_minimize on a 2-D quadratic",
           path.ndim == 2 and path.shape[1] == 2 and path.shape[0] >= 2,
           "a 2-D array with one row per iterate and 2 columns",
           hint=f"stack the iterates: np.array(list_of_iterates); got shape {path.shape}")
check_close("path[0] of newton_minimize", path[0], theta0, hint="the path starts with theta0")
check_close("path[1] of newton_minimize on a quadratic", path[1], [0.6, -0.8], rtol=1e-10,
            hint="one step theta − H⁻¹g lands on the minimum of a quadratic; mind the sign")
check_true("length of the path on a quadratic", path.shape[0] <= 3,
           f"at most 3 rows (theta0, the minimum, perhaps one tiny step), got {path.shape[0]}",
           hint="stop after the first step whose norm is below tol")
check_close("theta of newton_minimize on a quadratic", theta, [0.6, -0.8], rtol=1e-10)

# %% nbgrader={"grade": true, "grade_id": "test_newton_minimize_hidden", "points": 3}
# Hidden tests of newton_minimize: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_true, check_unchanged


def _reference_newton(grad, hess, theta0, n_iters, tol):
    """The Newton path, and whether it stopped on the tolerance."""
    theta, path = theta0.copy(), [theta0.copy()]
    for _ in range(n_iters):
        step = np.linalg.solve(hess(theta), grad(theta))
        theta = theta - step
        path.append(theta)
        if np.sqrt(step @ step) < tol:
            return np.array(path), True
    return np.array(path), False


def _check_newton_path(case, path, theta, reference, stopped_on_tol):
    """The path must be the reference path; if the reference stopped on the tolerance, the
    last (tiny) step may be left out."""
    lengths = (len(reference), len(reference) - 1) if stopped_on_tol else (len(reference),)
    check_true(f"number of rows of the path of {case}",
               path.ndim == 2 and path.shape[0] in lengths and path.shape[1] == reference.shape[1],
               f"shape ({lengths[0]}, {reference.shape[1]}), got {path.shape}",
               hint="theta0 first, then one row per step; at most n_iters steps, and stop right "
                    "after the first step whose norm is below tol")
    rows = path.shape[0]
    scale = np.abs(reference).max()
    check_close(f"path of {case}", path, reference[:rows], rtol=1e-8, atol=1e-10 * scale,
                hint="path[0] = theta0 and path[k+1] = path[k] − H⁻¹g, with g and H evaluated "
                     "at path[k]")
    check_close(f"theta of {case}", theta, path[-1], rtol=1e-12, atol=0.0,
                hint="return the last iterate together with the path")


rng = np.random.default_rng(2101)
# A smooth, strictly convex, non-quadratic function: f(t) = Σ exp(t_i) − cᵀt + ½ tᵀAt.
for p in (1, 3):
    M = rng.normal(size=(p, p))
    A = M @ M.T + 0.5 * np.eye(p)
    c = rng.normal(size=p) + 2.0
    grad = lambda t: np.exp(t) - c + A @ t
    hess = lambda t: np.diag(np.exp(t)) + A
    for n_iters, tol in [(0, 1e-10), (1, 1e-10), (3, 0.0), (50, 1e-10), (50, 1e-3)]:
        theta0 = rng.normal(size=p)
        theta0_before = theta0.copy()
        theta, path = newton_minimize(grad, hess, theta0, n_iters=n_iters, tol=tol)
        reference, stopped = _reference_newton(grad, hess, theta0_before, n_iters, tol)
        case = f"newton_minimize with p={p}, n_iters={n_iters}, tol={tol:g}"
        _check_newton_path(case, path, theta, reference, stopped)
        check_unchanged(f"theta0 after {case}", theta0_before, theta0,
                        hint="work on a copy of theta0, not theta0 itself")
        if n_iters == 50 and tol == 1e-10:
            check_close(f"gradient at the result of {case}", grad(theta), np.zeros(p), atol=1e-9,
                        hint="Newton's method converges to a point where the gradient vanishes")

# The tolerance is used: a quadratic is solved in one step, then the next step is ~0.
A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
c = np.array([1.0, 2.0, 3.0])
theta, path = newton_minimize(lambda t: A @ t - c, lambda t: A, np.ones(3), n_iters=40, tol=1e-10)
check_true("length of the path on a quadratic with n_iters=40", 2 <= path.shape[0] <= 3,
           f"2 or 3 rows: theta0, the minimum (and a last step of norm below tol), got {path.shape[0]}",
           hint="stop right after the first step whose norm is below tol")
check_close("newton_minimize on a 3-D quadratic", theta, np.linalg.solve(A, c), rtol=1e-10)

# Large magnitudes: a quadratic with a Hessian of size 1e3, far from its minimum.
A_big, c_big = 1e3 * A, 1e6 * c
theta, path = newton_minimize(lambda t: A_big @ t - c_big, lambda t: A_big, np.full(3, -1e3))
check_close("newton_minimize on a quadratic with entries of size 1e3", theta,
            np.linalg.solve(A_big, c_big), rtol=1e-9)

# Pure steps where Newton overshoots: on f(t) = sqrt(1 + t²) the step maps t to −t³, so from
# |t0| > 1 the iterates run away. The pure method follows them; a damped or safeguarded step
# (halving, clipping the step's length, a line search) does not.
grad_hyp = lambda t: t / np.sqrt(1.0 + t ** 2)
hess_hyp = lambda t: np.diag((1.0 + t ** 2) ** -1.5)
for theta0, n_iters in [(np.array([1.2]), 3), (np.array([0.9]), 4)]:
    theta, path = newton_minimize(grad_hyp, hess_hyp, theta0.copy(), n_iters=n_iters, tol=1e-10)
    reference, stopped = _reference_newton(grad_hyp, hess_hyp, theta0, n_iters, 1e-10)
    _check_newton_path(f"newton_minimize on sqrt(1 + t²) from {theta0[0]:g}, n_iters={n_iters} "
                       "(the pure step overshoots)", path, theta, reference, stopped)

# The stopping rule uses the Euclidean norm of the step, compared with tol itself. On
# f(t) = Σ t⁴/4 each Newton step is t/3, so the steps shrink by 2/3 only and the tolerance
# decides where the path ends, two or more steps away from where a squared norm, a max-norm,
# a sum of |steps| or the gradient's norm would stop it.
grad_quartic = lambda t: t ** 3
hess_quartic = lambda t: np.diag(3.0 * t ** 2)
for p, tol in [(1, 0.3), (4, 0.55)]:
    theta0 = np.full(p, 1.5)
    theta, path = newton_minimize(grad_quartic, hess_quartic, theta0.copy(), n_iters=50, tol=tol)
    reference, stopped = _reference_newton(grad_quartic, hess_quartic, theta0, 50, tol)
    _check_newton_path(f"newton_minimize on Σ t⁴/4 with p={p}, theta0=1.5, tol={tol:g}", path, theta,
                       reference, stopped)

# The defaults n_iters=50, tol=1e-10: on t⁴ from 1 the steps (1/3)(2/3)^k stay above 1e-10 for
# more than 50 steps, so the path has exactly 51 rows.
theta, path = newton_minimize(lambda t: 4.0 * t ** 3, lambda t: np.diag(12.0 * t ** 2), np.ones(1))
reference, _ = _reference_newton(lambda t: 4.0 * t ** 3, lambda t: np.diag(12.0 * t ** 2),
                                 np.ones(1), 50, 1e-10)
_check_newton_path("newton_minimize on t⁴ from 1 with the default n_iters and tol", path, theta,
                   reference, False)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Least squares: Newton in one step
#
# The mean squared error $L(\theta) = \frac1n\lVert\Phi\theta - y\rVert^2$ of chapter 1 has
#
# $$\nabla L(\theta) = \tfrac2n\,\Phi^\top(\Phi\theta - y), \qquad \nabla^2 L(\theta) = \tfrac2n\,\Phi^\top\Phi .$$
#
# Its Taylor model is exact (a quadratic is its own second-order expansion), so one Newton step
# from **any** $\theta$ lands on the least-squares solution: $\theta - (\Phi^\top\Phi)^{-1}
# \Phi^\top(\Phi\theta - y) = (\Phi^\top\Phi)^{-1}\Phi^\top y$, the normal equations. The
# gradient and the Hessian must carry the **same** factor $\frac2n$: a mismatch scales the step.
#
# Write `least_squares_grad_hess(Phi, y, theta)`.

# %% nbgrader={"solution": true, "grade_id": "least_squares_grad_hess"}
def least_squares_grad_hess(Phi, y, theta):
    """Gradient and Hessian of the mean squared error ``(1/n)‖Phi theta − y‖²``.

    Parameters
    ----------
    Phi : ndarray, shape (n, p)
        Design matrix.
    y : ndarray, shape (n,)
        Targets.
    theta : ndarray, shape (p,)
        Parameters.

    Returns
    -------
    g : ndarray, shape (p,)
        ``(2/n) Phiᵀ(Phi theta − y)``.
    H : ndarray, shape (p, p)
        ``(2/n) PhiᵀPhi`` (it does not depend on ``theta``).
    """
    ### BEGIN SOLUTION
    n = Phi.shape[0]
    g = 2.0 / n * Phi.T @ (Phi @ theta - y)
    H = 2.0 / n * Phi.T @ Phi
    return g, H
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_least_squares_grad_hess_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

Phi = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
y = np.array([1.0, 3.0, 5.0, 7.0])  # exactly y = 1 + 2x
g, H = least_squares_grad_hess(Phi, y, np.array([1.0, 2.0]))
check_shape("g of least_squares_grad_hess for Phi of shape (4, 2)", g, (2,),
            hint="one entry per parameter")
check_shape("H of least_squares_grad_hess for Phi of shape (4, 2)", H, (2, 2),
            hint="a p × p matrix: PhiᵀPhi, not PhiPhiᵀ")
check_dtype("H of least_squares_grad_hess", H, "float64")
check_close("g at the exact solution theta = (1, 2)", g, [0.0, 0.0], atol=1e-12,
            hint="the residual Phi theta − y is zero here, so is the gradient")
check_close("H of least_squares_grad_hess on a 4x2 example", H, [[2.0, 3.0], [3.0, 7.0]],
            rtol=1e-12, hint="(2/n) PhiᵀPhi with n = 4: keep the factor 2 and the mean")

# %% nbgrader={"grade": true, "grade_id": "test_least_squares_grad_hess_hidden", "points": 2}
# Hidden tests of least_squares_grad_hess: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged

rng = np.random.default_rng(2202)
for n, p, scale in [(1, 1, 1.0), (6, 1, 1.0), (30, 4, 1.0), (3, 3, 1.0), (25, 3, 1e3)]:
    Phi, y, theta = scale * rng.normal(size=(n, p)), scale * rng.normal(size=n), rng.normal(size=p)
    Phi_before, y_before, theta_before = Phi.copy(), y.copy(), theta.copy()
    g, H = least_squares_grad_hess(Phi, y, theta)
    g_expected = 2.0 * Phi_before.T @ (Phi_before @ theta_before - y_before) / n
    H_expected = 2.0 * Phi_before.T @ Phi_before / n
    case = f"least_squares_grad_hess with n={n}, p={p}, entries of size {scale:g}"
    check_shape(f"g of {case}", g, (p,), hint="one entry per parameter")
    check_shape(f"H of {case}", H, (p, p), hint="p × p: PhiᵀPhi")
    check_close(f"g of {case}", g, g_expected, rtol=1e-10, atol=1e-12 * np.abs(g_expected).max(),
                hint="(2/n) Phiᵀ(Phi theta − y): the factor 2 of the square, the mean over n "
                     "samples, prediction minus target")
    check_close(f"H of {case}", H, H_expected, rtol=1e-10, atol=1e-12 * np.abs(H_expected).max(),
                hint="(2/n) PhiᵀPhi: the same factor 2/n as the gradient")
    check_unchanged(f"Phi after {case}", Phi_before, Phi)
    check_unchanged(f"y after {case}", y_before, y)
    check_unchanged(f"theta after {case}", theta_before, theta)

# Properties: finite differences of the MSE, and one Newton step gives least squares.
Phi, y, theta = rng.normal(size=(12, 3)), rng.normal(size=12), rng.normal(size=3)
loss = lambda t: ((Phi @ t - y) ** 2).mean()
eye = np.eye(3)
numerical = np.array([(loss(theta + 1e-6 * e) - loss(theta - 1e-6 * e)) / 2e-6 for e in eye])
g, H = least_squares_grad_hess(Phi, y, theta)
check_close("g of least_squares_grad_hess against finite differences of the MSE", g, numerical,
            rtol=1e-6, atol=1e-8, hint="the gradient of the mean (1/n)‖Phi theta − y‖²")
check_close("one Newton step theta − H⁻¹g with your g and H", theta - np.linalg.solve(H, g),
            np.linalg.lstsq(Phi, y, rcond=None)[0], rtol=1e-8, atol=1e-10,
            hint="g and H must share the same scale 2/n, or the step is scaled wrongly")
### END HIDDEN TESTS

# %% [markdown]
# Newton's method on a least-squares problem now lands on the solution of `np.linalg.lstsq`
# after **one** step of norm at least `tol`, whatever the starting point. The step after it is zero
# up to rounding, below `tol`, so the method stops there; whether that tiny step appears in the
# path depends on which of the two accepted stopping conventions your `newton_minimize` follows
# (taken and recorded: 3 rows; tested first and left out: 2 rows), which is why we count only
# the steps of norm at least `tol` (the stopping rule stops at the first one strictly below):

# %%
rng = np.random.default_rng(0)
Phi_ls = np.column_stack([np.ones(50), rng.normal(size=(50, 3))])
y_ls = Phi_ls @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.3 * rng.normal(size=50)
theta_ls, path_ls = newton_minimize(lambda t: least_squares_grad_hess(Phi_ls, y_ls, t)[0],
                                    lambda t: least_squares_grad_hess(Phi_ls, y_ls, t)[1],
                                    theta0=np.array([10.0, 10.0, -10.0, 5.0]))
theta_lstsq = np.linalg.lstsq(Phi_ls, y_ls, rcond=None)[0]
step_norms = np.linalg.norm(np.diff(path_ls, axis=0), axis=1)
print(f"steps of norm at least tol = 1e-10: {np.sum(step_norms >= 1e-10)}, of norm {step_norms[0]:.2e}")
print(f"largest difference from lstsq: {np.abs(theta_ls - theta_lstsq).max():.1e}")

# %% [markdown]
# ## 3. Logistic regression and its negative log-likelihood
#
# For 0/1 labels the model says $P(y_i = 1 \mid x_i) = p_i = \sigma(z_i)$ with the **logit**
# $z_i = x_i^\top\theta$ (`X` already holds a column of ones for the bias). The likelihood of
# a label is $p_i^{y_i}(1-p_i)^{1-y_i}$; its negative logarithm, averaged, is the objective
#
# $$f(\theta) = -\frac1n\sum_{i=1}^n \big[y_i\log p_i + (1-y_i)\log(1-p_i)\big]
#             = \frac1n\sum_{i=1}^n \big[\log(1 + e^{z_i}) - y_i z_i\big],$$
#
# using $\log\sigma(z) = z - \log(1+e^z)$ and $\log(1-\sigma(z)) = -\log(1+e^z)$.
#
# **Stability.** Computed naively, $\sigma(z)$ rounds to exactly 1 for $z > 37$, and then
# $\log(1 - p) = \log 0 = -\infty$; and $e^{z}$ overflows for $z > 709$. The second form needs
# only the "softplus" $\log(1+e^{z})$, which NumPy computes without overflow as
# `np.logaddexp(0, z)` $= \log(e^0 + e^z)$ (it factors out the larger exponential). Clipping
# $p$ to $[\varepsilon, 1-\varepsilon]$ hides the problem but returns a wrong value: for a
# confidently wrong logit $z = 1000$ with $y = 0$ the true loss is $1000$, not
# $-\log\varepsilon \approx 27.6$.
#
# Write `logistic_nll(X, y, theta)`: exact and warning-free for logits up to $\pm 1000$.

# %% nbgrader={"solution": true, "grade_id": "logistic_nll"}
def logistic_nll(X, y, theta):
    """Mean negative log-likelihood of logistic regression, stable for logits up to ±1e3.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Inputs, one sample per row (a bias column included if wanted).
    y : ndarray, shape (n,)
        0/1 labels (float).
    theta : ndarray, shape (p,)
        Parameters.

    Returns
    -------
    float
        A Python float (``np.float64`` passes; ``np.float32`` or a 0-d array does not):
        ``mean(log(1 + exp(z)) − y z)`` with ``z = X theta``; exact (no clipping), with no
        overflow or warning for ``|z|`` up to 1e3 (use ``np.logaddexp(0, z)``). "Exact"
        means to float64 rounding of each term, about 1e-12 absolute at most: a wrong
        prediction with logit 1000 costs 1000, not a clipped 27.6; a right one may cost 0.0
        where the true value is below 1e-12 (``log(1 + e^40) − 40`` rounds to 0.0; it is
        4e-18).
    """
    ### BEGIN SOLUTION
    z = X @ theta
    return float(np.mean(np.logaddexp(0.0, z) - y * z))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_logistic_nll_visible", "points": 1}
from utils.checks import check_close, check_type

X = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]])
y = np.array([1.0, 0.0, 1.0])
value = logistic_nll(X, y, np.zeros(2))
check_type("logistic_nll(X, y, theta)", value, float, hint="return one number, e.g. float(...)")
check_close("logistic_nll at theta = 0", value, np.log(2.0), rtol=1e-12,
            hint="at theta = 0 every p_i = 1/2, so each term is log 2: take the mean")
check_close("logistic_nll of one sample with logit 2 and label 1",
            logistic_nll(np.array([[2.0]]), np.array([1.0]), np.array([1.0])),
            np.log1p(np.exp(-2.0)), rtol=1e-12, hint="−log σ(2) = log(1 + e⁻²)")

# %% nbgrader={"grade": true, "grade_id": "test_logistic_nll_hidden", "points": 2}
# Hidden tests of logistic_nll: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
import warnings

from utils.checks import check_close, check_finite, check_type, check_unchanged

rng = np.random.default_rng(2303)
for n, p, scale in [(1, 1, 1.0), (9, 1, 1.0), (40, 4, 1.0), (30, 3, 10.0), (20, 2, 300.0)]:
    X, y, theta = scale * rng.normal(size=(n, p)), (rng.random(n) < 0.5).astype(float), rng.normal(size=p)
    X_before, y_before, theta_before = X.copy(), y.copy(), theta.copy()
    z = X_before @ theta_before
    expected = (np.logaddexp(0.0, z) - y_before * z).sum() / n
    case = f"logistic_nll with n={n}, p={p}, inputs of size {scale:g}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning is a failure: the function must be stable
        value = logistic_nll(X, y, theta)
    check_type(case, value, float, hint="return one number")
    check_close(case, value, expected, rtol=1e-10,
                hint="the mean over the samples of log(1 + e^z) − y·z with z = X theta, computed "
                     "exactly for any z (np.logaddexp(0, z)); no clipping, no sum")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"y after {case}", y_before, y)
    check_unchanged(f"theta after {case}", theta_before, theta)

# Logits of ±1000: right and wrong confident predictions.
X = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
for labels, expected in [([1.0, 0.0, 1.0, 0.0], 0.0), ([0.0, 1.0, 0.0, 1.0], 1000.0),
                         ([1.0, 1.0, 0.0, 0.0], 500.0)]:
    case = f"logistic_nll with logits ±1000 and labels {labels}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = logistic_nll(X, np.array(labels), np.array([1.0]))
    check_finite(case, value, hint="no overflow: use np.logaddexp(0, z) for log(1 + e^z)")
    check_close(case, value, expected, rtol=1e-12, atol=1e-12,
                hint="a wrong prediction with logit ±1000 costs 1000 exactly: do not clip p, "
                     "and do not compute log(σ(z)) from a rounded σ(z)")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Gradient and Hessian of the logistic NLL
#
# With $\sigma'(z) = \sigma(z)(1-\sigma(z))$, differentiating $\log(1+e^{z_i}) - y_iz_i$ gives
# $(p_i - y_i)\,x_i$, and differentiating once more $p_i(1-p_i)\,x_ix_i^\top$. Averaged:
#
# $$g = \frac1n X^\top(p - y), \qquad H = \frac1n X^\top S X, \quad S = \mathrm{diag}\big(p_i(1-p_i)\big).$$
#
# $H$ is positive semi-definite (a weighted sum of $x_ix_i^\top$ with weights in $(0, \tfrac14]$),
# so the NLL is **convex**: any stationary point is the global minimum.
#
# **Never build $S$.** `np.diag(s)` is an $n \times n$ matrix: 80 GB for $n = 10^5$, for $n$
# useful numbers. Scaling the rows instead, $SX$ = `X * s[:, None]`, costs $O(np)$ memory and
# $X^\top(SX)$ costs $O(np^2)$ time. The sigmoid must be stable too: `1 / (1 + np.exp(-z))`
# overflows (with a warning) for $z < -709$; `scipy.special.expit(z)` or
# `np.exp(-np.logaddexp(0, -z))` do not.
#
# Write `logistic_grad_hess(X, y, theta)`.

# %% nbgrader={"solution": true, "grade_id": "logistic_grad_hess"}
def logistic_grad_hess(X, y, theta):
    """Gradient and Hessian of the mean logistic negative log-likelihood.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Inputs, one sample per row.
    y : ndarray, shape (n,)
        0/1 labels (float).
    theta : ndarray, shape (p,)
        Parameters.

    Returns
    -------
    g : ndarray, shape (p,)
        ``(1/n) Xᵀ(σ(X theta) − y)``.
    H : ndarray, shape (p, p)
        ``(1/n) Xᵀ S X`` with ``S = diag(p(1 − p))``, where ``p = σ(X theta)`` is the vector of
        the n probabilities (not the number p of parameters in the shapes), built by scaling the
        rows of ``X`` (never an ``n × n`` matrix); no warning for logits up to ``|z| = 1e3``.
        The weights may be computed as ``p(1 − p)`` or as ``σ(z)σ(−z)``: both are accepted.
        They agree to rounding except where ``p`` is within about 1e-16 of 1 (logits above
        about 37, as on separable data after many unpenalised steps): there ``1 − p`` has lost
        its digits and ``p(1 − p)`` may be exactly 0, while ``σ(z)σ(−z)`` stays positive. The
        tests compare values only where the two agree.
    """
    ### BEGIN SOLUTION
    n = X.shape[0]
    p = np.exp(-np.logaddexp(0.0, -(X @ theta)))  # σ(z) = 1 / (1 + e^-z), without overflow
    s = p * (1.0 - p)
    g = X.T @ (p - y) / n
    H = X.T @ (X * s[:, None]) / n
    return g, H
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_logistic_grad_hess_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

X = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]])
y = np.array([1.0, 0.0, 1.0])
g, H = logistic_grad_hess(X, y, np.zeros(2))
check_shape("g of logistic_grad_hess for X of shape (3, 2)", g, (2,), hint="one entry per parameter")
check_shape("H of logistic_grad_hess for X of shape (3, 2)", H, (2, 2),
            hint="p × p: Xᵀ S X, with S applied by scaling the rows of X")
check_dtype("H of logistic_grad_hess", H, "float64")
# At theta = 0 every p_i = 1/2 and p_i(1 − p_i) = 1/4.
check_close("g of logistic_grad_hess at theta = 0", g, X.T @ (0.5 - y) / 3, rtol=1e-12,
            hint="(1/n) Xᵀ(p − y): prediction minus label, averaged")
check_close("H of logistic_grad_hess at theta = 0", H, X.T @ X / 12, rtol=1e-12,
            hint="(1/n) Xᵀ S X with S = diag(p(1 − p)) = I/4 here")

# %% nbgrader={"grade": true, "grade_id": "test_logistic_grad_hess_hidden", "points": 3}
# Hidden tests of logistic_grad_hess: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
import warnings

from utils.checks import check_close, check_finite, check_shape, check_true, check_unchanged
from utils.remote import peak_memory


def _reference_grad_hess(X, y, theta):
    z = X @ theta
    p = np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))
    H = np.zeros((X.shape[1], X.shape[1]))
    for x_i, p_i in zip(X, p):
        H += p_i * (1.0 - p_i) * np.outer(x_i, x_i)
    return X.T @ (p - y) / len(y), H / len(y)


rng = np.random.default_rng(2404)
for n, p, scale in [(1, 1, 1.0), (8, 1, 1.0), (40, 4, 1.0), (30, 3, 5.0), (25, 2, 300.0)]:
    X, y, theta = scale * rng.normal(size=(n, p)), (rng.random(n) < 0.5).astype(float), rng.normal(size=p)
    X_before, y_before, theta_before = X.copy(), y.copy(), theta.copy()
    case = f"logistic_grad_hess with n={n}, p={p}, inputs of size {scale:g}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning is a failure: the sigmoid must be stable
        g, H = logistic_grad_hess(X, y, theta)
    g_expected, H_expected = _reference_grad_hess(X_before, y_before, theta_before)
    check_shape(f"g of {case}", g, (p,), hint="one entry per parameter")
    check_shape(f"H of {case}", H, (p, p), hint="p × p")
    check_close(f"g of {case}", g, g_expected, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(g_expected).max()),
                hint="(1/n) Xᵀ(σ(X theta) − y): prediction minus label, averaged over the samples")
    check_close(f"H of {case}", H, H_expected, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(H_expected).max()),
                hint="(1/n) Xᵀ S X with the weights p(1 − p) (not p), averaged like the gradient")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"y after {case}", y_before, y)
    check_unchanged(f"theta after {case}", theta_before, theta)

# Finite differences of a reference NLL: the gradient, and the gradient's own derivative.
X, y, theta = rng.normal(size=(15, 3)), (rng.random(15) < 0.5).astype(float), rng.normal(size=3)
nll = lambda t: (np.logaddexp(0.0, X @ t) - y * (X @ t)).mean()
eye = np.eye(3)
g, H = logistic_grad_hess(X, y, theta)
numerical_g = np.array([(nll(theta + 1e-6 * e) - nll(theta - 1e-6 * e)) / 2e-6 for e in eye])
numerical_H = np.array([(logistic_grad_hess(X, y, theta + 1e-5 * e)[0]
                         - logistic_grad_hess(X, y, theta - 1e-5 * e)[0]) / 2e-5 for e in eye])
check_close("g of logistic_grad_hess against finite differences of the NLL", g, numerical_g,
            rtol=1e-6, atol=1e-8, hint="the gradient of the mean NLL: (1/n) Xᵀ(p − y)")
check_close("H of logistic_grad_hess against finite differences of your gradient", H, numerical_H,
            rtol=1e-5, atol=1e-8, hint="H is the derivative of g: same 1/n, weights p(1 − p)")

# Logits of ±1000: p saturates to 0 or 1, the weights to 0, and nothing overflows.
X = np.array([[1.0, 1000.0], [1.0, -1000.0], [1.0, 0.0]])
y = np.array([1.0, 1.0, 0.0])
with warnings.catch_warnings():
    warnings.simplefilter("error")
    g, H = logistic_grad_hess(X, y, np.array([0.0, 1.0]))
check_finite("g of logistic_grad_hess with logits ±1000", g,
             hint="a stable sigmoid: scipy.special.expit, or np.exp(-np.logaddexp(0, -z))")
check_close("g of logistic_grad_hess with logits ±1000", g, [(0.0 - 1.0 + 0.5) / 3, 1000.0 / 3], rtol=1e-12,
            hint="p = 1, 0 and 1/2 here: (1/n) Xᵀ(p − y)")
check_close("H of logistic_grad_hess with logits ±1000", H, [[1 / 12, 0.0], [0.0, 0.0]], rtol=1e-12,
            atol=1e-15, hint="the saturated samples have weight p(1 − p) = 0")

# No n × n matrix: the memory used must grow like n·p, not n².
n = 4000
X, y = rng.normal(size=(n, 3)), (rng.random(n) < 0.5).astype(float)
peak = peak_memory(logistic_grad_hess, X, y, rng.normal(size=3))  # measured where the function runs
check_true(f"peak memory of logistic_grad_hess with n={n}, p=3", peak < n * n,
           f"well below an n × n matrix ({8 * n * n / 1e6:.0f} MB), got {peak / 1e6:.1f} MB",
           hint="never build np.diag(s): scale the rows instead, X * s[:, None]")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. IRLS: Newton's method for logistic regression
#
# Plugging the gradient and Hessian into Newton's step gives the update
# $\theta_{k+1} = \theta_k - (X^\top S X)^{-1}X^\top(p - y)$ (the $\frac1n$ cancels). Rearranged,
#
# $$\theta_{k+1} = (X^\top S X)^{-1} X^\top S\, r, \qquad r = X\theta_k + S^{-1}(y - p),$$
#
# which is a **weighted least-squares** fit of the "working response" $r$ with weights
# $S_{ii} = p_i(1-p_i)$: the name *iteratively reweighted least squares*. Each iteration
# re-solves a least-squares problem in which the samples the model is unsure about
# ($p_i \approx \tfrac12$, weight $\tfrac14$) count most and confidently classified ones hardly
# at all.
#
# With an $\ell_2$ penalty the objective is $f(\theta) + \frac\lambda2\lVert\theta\rVert^2$: the
# gradient gains $\lambda\theta$ and the Hessian $\lambda I$ (here every parameter is
# penalised, the bias too, to keep the algebra short).
#
# Write `irls(X, y, n_iters, tol, l2)`, starting from $\theta = 0$. It returns the final
# parameters and `nll_path`, which despite its name holds the **penalised objective**
# $f(\theta) + \frac\lambda2\lVert\theta\rVert^2$ at every iterate (the plain NLL only when
# `l2 = 0`; `nll_path[0]` is at $\theta = 0$, where it is $\log 2$). Stop as `newton_minimize`
# does, after the first step of norm strictly below `tol` (you may call it, and your other
# functions). The weights may be $p_i(1-p_i)$ or $\sigma(z_i)\sigma(-z_i)$ (see
# `logistic_grad_hess`). When the Hessian is singular the Newton step does not exist: see
# section 7.

# %% nbgrader={"solution": true, "grade_id": "irls"}
def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
    """Logistic regression fitted by Newton's method (iteratively reweighted least squares).

    Minimises ``logistic_nll(X, y, theta) + (l2/2) ‖theta‖²`` from ``theta = 0``.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Inputs, one sample per row (a bias column included if wanted).
    y : ndarray, shape (n,)
        0/1 labels (float).
    n_iters : int
        Maximum number of Newton steps.
    tol : float
        Stop after the first step whose Euclidean norm is below ``tol``, as ``newton_minimize``
        does (that last step taken and recorded in ``nll_path``, or left out: both accepted).
    l2 : float
        Penalty ``>= 0``: adds ``l2 · theta`` to the gradient and ``l2 · I`` to the Hessian.

    Returns
    -------
    theta : ndarray, shape (p,)
        The last iterate.
    nll_path : ndarray, shape (k + 1,)
        Despite the name, the **penalised** objective: ``nll_path[j]`` is
        ``logistic_nll(X, y, theta_j) + (l2/2) ‖theta_j‖²`` at iterate ``j`` (``j = 0``:
        ``theta = 0``), after ``k <= n_iters`` steps; the plain NLL only when ``l2 = 0``.

    Raises
    ------
    numpy.linalg.LinAlgError
        From ``np.linalg.solve`` when the Hessian is singular in floating point (with
        ``l2 = 0``: ``X`` of rank below ``p``, or separable data after hundreds of steps, when
        the weights ``p(1 − p)`` have rounded to 0); ``irls`` need not catch it. With
        ``l2 > 0`` the Hessian is at least ``l2 · I`` and never singular. The tests never give
        ``irls`` a singular Hessian, so stopping there or taking a least-squares step instead
        is not wrong either.
    """
    ### BEGIN SOLUTION
    p = X.shape[1]

    def grad(theta):
        return logistic_grad_hess(X, y, theta)[0] + l2 * theta

    def hess(theta):
        return logistic_grad_hess(X, y, theta)[1] + l2 * np.eye(p)

    theta, path = newton_minimize(grad, hess, np.zeros(p), n_iters=n_iters, tol=tol)
    nll_path = np.array([logistic_nll(X, y, t) + 0.5 * l2 * (t @ t) for t in path])
    return theta, nll_path
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_irls_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape, check_true

X = np.array([[1.0, -2.0], [1.0, -1.0], [1.0, 0.0], [1.0, 0.5], [1.0, 1.0], [1.0, 2.0]])
y = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])  # the classes overlap: a finite optimum exists
theta, nll_path = irls(X, y)
check_shape("theta of irls for X of shape (6, 2)", theta, (2,), hint="one parameter per column of X")
check_dtype("nll_path of irls", nll_path, "float64")
check_true("nll_path of irls is 1-D", nll_path.ndim == 1, "a 1-D array with one entry per iterate",
           hint="one objective value per iterate, theta = 0 first")
check_close("nll_path[0] of irls (theta = 0)", nll_path[0], np.log(2.0), rtol=1e-12,
            hint="the first entry is the objective at the start theta = 0: log 2")
p = 1.0 / (1.0 + np.exp(-(X @ theta)))
check_close("gradient of the NLL at the result of irls", X.T @ (p - y) / len(y), [0.0, 0.0],
            atol=1e-8, hint="Newton's method converges to where the gradient vanishes")

# %% nbgrader={"grade": true, "grade_id": "test_irls_hidden", "points": 3}
# Hidden tests of irls: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_true, check_unchanged


def _reference_irls(X, y, n_iters, tol, l2):
    """Newton's method on the penalised mean NLL: the objective at every iterate, the last
    iterate, and whether it stopped on the tolerance."""
    n, p = X.shape

    def objective(t):
        z = X @ t
        return (np.logaddexp(0.0, z) - y * z).sum() / n + 0.5 * l2 * (t @ t)

    theta, values = np.zeros(p), [objective(np.zeros(p))]
    for _ in range(n_iters):
        prob = np.exp(-np.logaddexp(0.0, -(X @ theta)))
        g = X.T @ (prob - y) / n + l2 * theta
        H = (X * (prob * (1.0 - prob))[:, None]).T @ X / n + l2 * np.eye(p)
        step = np.linalg.solve(H, g)
        theta = theta - step
        values.append(objective(theta))
        if np.sqrt(step @ step) < tol:
            return np.array(values), theta, True
    return np.array(values), theta, False


def _check_irls(case, X, y, n_iters, tol, l2):
    X_before, y_before = X.copy(), y.copy()
    theta, nll_path = irls(X, y, n_iters=n_iters, tol=tol, l2=l2)
    reference, theta_ref, stopped = _reference_irls(X_before, y_before, n_iters, tol, l2)
    lengths = (len(reference), len(reference) - 1) if stopped else (len(reference),)
    check_true(f"length of nll_path of {case}", nll_path.ndim == 1 and nll_path.shape[0] in lengths,
               f"shape ({lengths[0]},), got {nll_path.shape}",
               hint="one value per iterate, theta = 0 first; at most n_iters steps, and stop right "
                    "after the first step whose norm is below tol")
    check_close(f"nll_path of {case}", nll_path, reference[:len(nll_path)], rtol=1e-8, atol=1e-12,
                hint="nll_path[k] is the objective, NLL + (l2/2)‖theta‖², at iterate k of Newton's "
                     "method from theta = 0 (penalty in the gradient as l2·theta, in the Hessian as l2·I)")
    if len(nll_path) == len(reference):
        check_close(f"theta of {case}", theta, theta_ref, rtol=1e-7, atol=1e-9,
                    hint="return the last Newton iterate")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"y after {case}", y_before, y)
    return theta


rng = np.random.default_rng(2505)
for n, d in [(40, 1), (200, 3)]:
    X = np.column_stack([np.ones(n), rng.normal(size=(n, d))])
    y = (X[:, 1:].sum(axis=1) + 1.5 * rng.normal(size=n) > 0).astype(float)  # overlapping classes
    for n_iters, tol, l2 in [(30, 1e-8, 0.0), (2, 0.0, 0.0), (0, 1e-8, 0.0), (30, 1e-8, 0.1),
                             (30, 1e-2, 0.0)]:
        case = f"irls with n={n}, p={d + 1}, n_iters={n_iters}, tol={tol:g}, l2={l2:g}"
        theta = _check_irls(case, X, y, n_iters, tol, l2)
        if tol == 1e-8 and n_iters == 30:
            prob = np.exp(-np.logaddexp(0.0, -(X @ theta)))
            check_close(f"gradient of the penalised objective at the result of {case}",
                        X.T @ (prob - y) / n + l2 * theta, np.zeros(d + 1), atol=1e-8,
                        hint="at the optimum (1/n)Xᵀ(p − y) + l2·theta = 0")

# A bias column alone: the optimum predicts the frequency of the label 1.
y = np.array([1.0, 1.0, 1.0, 0.0])
theta, _ = irls(np.ones((4, 1)), y)
check_close("irls with only a bias column, labels 1, 1, 1, 0", theta, [np.log(3.0)], rtol=1e-8,
            hint="σ(theta) must equal the mean label 3/4, so theta = log(3)")

# Separable data with a penalty: a finite optimum, reached without warnings.
x = np.linspace(-2.0, 2.0, 20)
X, y = np.column_stack([np.ones(20), 3.0 * x]), (x > 0).astype(float)
_check_irls("irls on separable data with l2=0.01", X, y, 30, 1e-8, 0.01)

# The default n_iters=30: without a penalty, separable data has no optimum, every step has a
# norm near 1, and irls takes all 30 steps (the values are below 1e-12 there: only the count).
theta, nll_path = irls(np.array([[-1.0], [1.0]]), np.array([0.0, 1.0]))
check_true("length of nll_path of irls with the defaults on separable data",
           nll_path.shape == (31,), f"shape (31,): theta = 0 and 30 steps, got {nll_path.shape}",
           hint="the defaults are n_iters=30, tol=1e-8, l2=0.0")
### END HIDDEN TESTS

# %% [markdown]
# ### The weighted-least-squares reading, on data
#
# A 1-D problem with overlapping classes: after fitting, the IRLS weights $p_i(1-p_i)$ are
# largest near the decision boundary $p = \frac12$, where the labels are uncertain, and
# vanish far from it.

# %%
X_raw, labels = blobs(200, np.random.default_rng(3), centers=np.array([[-1.0], [1.0]]), std=1.0)
X_1d = np.column_stack([np.ones(len(labels)), X_raw[:, 0]])
y_1d = labels.astype(float)
theta_1d, nll_path_1d = irls(X_1d, y_1d)
# The number of entries of nll_path depends on the stopping convention (a last step below tol
# recorded or not); the number of steps that still lowered the NLL by more than 1e-12 does not.
n_useful = int(np.sum(-np.diff(nll_path_1d) > 1e-12))
print(f"theta = {np.round(theta_1d, 4)}; NLL {nll_path_1d[0]:.4f} → {nll_path_1d[-1]:.6f}, "
      f"{n_useful} Newton steps lowering it by more than 1e-12")

x_line = np.linspace(-4.0, 4.0, 300)
p_line = expit(theta_1d[0] + theta_1d[1] * x_line)
fig, ax = plt.subplots()
ax.scatter(X_raw[:, 0], y_1d, s=10, c=y_1d, cmap="coolwarm", label="labels")
ax.plot(x_line, p_line, "k", lw=2, label="p(x) = σ(θ₀ + θ₁x)")
ax.plot(x_line, 4.0 * p_line * (1.0 - p_line), "C2", lw=2, label="IRLS weight p(1 − p), ×4")
ax.set_xlabel("x")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# ## 6. Quadratic convergence: Newton against gradient descent
#
# A harder problem: 10 features on very different scales (an ill-conditioned Hessian), 2000
# samples. Gradient descent with a fixed step is Newton's method with the Hessian replaced by
# the constant $\frac1\eta I$, so your `newton_minimize` runs it too. Its step must stay below
# $2/\lambda_{\max}(H)$, and then the flattest directions crawl.
#
# We plot the **objective gap** $f(\theta_k) - f^*$ on a log scale, against the iteration and
# against the time spent (each method's mean time per iteration, measured, times $k$).

# %%
rng = np.random.default_rng(4)
X_raw, labels = blobs(2000, rng, centers=np.array([np.full(10, -0.3), np.full(10, 0.3)]), std=1.0)
X_cv = np.column_stack([np.ones(2000), X_raw * np.geomspace(0.2, 5.0, 10)])
y_cv = labels.astype(float)
# The gradient alone (the formula of Section 4), so that a descent step does not pay for a Hessian.
grad_cv = lambda t: X_cv.T @ (expit(X_cv @ t) - y_cv) / len(y_cv)
hess_cv = lambda t: logistic_grad_hess(X_cv, y_cv, t)[1]
theta0_cv = np.zeros(X_cv.shape[1])
_, f_star_path = irls(X_cv, y_cv, n_iters=50, tol=1e-14)
f_star = f_star_path[-1]

lr = 1.9 / np.linalg.eigvalsh(hess_cv(theta0_cv)).max()  # close to the stability limit at θ = 0
runs = {}
for label, hess, n_steps in [("gradient descent", lambda t: np.eye(len(t)) / lr, 400),
                             ("Newton (IRLS)", hess_cv, 10)]:
    start = time.perf_counter()
    _, path = newton_minimize(grad_cv, hess, theta0_cv, n_iters=n_steps, tol=0.0)
    seconds_per_step = (time.perf_counter() - start) / (len(path) - 1)
    gap = np.array([logistic_nll(X_cv, y_cv, t) for t in path]) - f_star
    runs[label] = (gap, seconds_per_step)
    print(f"{label:17s} {1e3 * seconds_per_step:.3f} ms per step; gap after the last step {gap[-1]:.1e}")
print("Newton's gap after steps 0, 1, 2, …:", "  ".join(f"{g:.1e}" for g in runs["Newton (IRLS)"][0][:8]))

FLOOR = 1e-16  # a log axis cannot show 0 or a negative gap: the plot draws them at this floor
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
plot_loss_curves({label: np.maximum(gap, FLOOR) for label, (gap, _) in runs.items()}, ax=ax1, log=True,
                 xlabel="iteration k", ylabel=f"objective gap f(θₖ) − f* (floor {FLOOR:g})")
ax1.set_xscale("symlog", linthresh=10)  # linear up to 10 steps, logarithmic beyond
ax1.set_xlim(0, 400)
for label, (gap, seconds) in runs.items():
    ax2.plot(1e3 * seconds * np.arange(len(gap)), np.maximum(gap, FLOOR), label=label)
ax2.set_yscale("log")
ax2.set_xlabel("time (ms)")
ax2.set_ylabel("objective gap")
ax2.legend(fontsize="small")
plt.show()

# %% [markdown]
# Newton's gap (printed above) falls slowly for the first two steps, far from the optimum,
# then **quadratically**: $5\cdot10^{-3}$, $1.4\cdot10^{-4}$, $1.4\cdot10^{-7}$,
# $1.6\cdot10^{-13}$ (the exponent roughly doubles at each step), and then it is zero to
# rounding: the printed gaps are 0 or a rounding unit or two, of either sign (two objective
# values near 0.3 differ by a multiple of one rounding unit there, about $5.6\cdot10^{-17}$).
# A log axis cannot show 0 or a negative number, so the plot draws every gap below $10^{-16}$ at
# that floor (`np.maximum`): Newton's flat tail on the plot is the floor, not the gap.
# Gradient descent's gap falls by a
# factor per step that is close to 1, set by the condition number (the flattest directions
# crawl), and it is still far from the optimum after 400 steps. (The iteration axis is linear
# up to 10 and logarithmic beyond, so that Newton's few steps can be seen: a constant factor
# per step would be a straight line only on a linear axis.) A Newton step costs more, $O(np^2 + p^3)$ against $O(np)$, but with
# $p = 11$ it is still a small multiple of a gradient step, so Newton also wins against the
# clock. With $p$ in the millions (a neural network) the $p \times p$ Hessian could not even
# be stored, which is why chapter 6 returns to first-order methods.
#
# ## 7. Separable data: the weights run away
#
# If a line separates the two classes, every sample can be classified with $p_i \to y_i$ by
# scaling $\theta$ up: the NLL tends to 0 but never reaches it. **No minimiser exists**; IRLS
# makes $\lVert\theta\rVert$ grow at every step (the Hessian meanwhile tends to 0). Left to run
# for hundreds of steps, the weights $p_i(1-p_i)$ round to 0 (once $1 - p_i$ is below the
# rounding of 1), the Hessian becomes singular and `np.linalg.solve` raises
# `numpy.linalg.LinAlgError` ("Singular matrix"); with the weights written
# $\sigma(z_i)\sigma(-z_i)$ they stay positive much longer (on the data below, 2000 steps raise no
# error). The 20 steps below stop far short of that, and both ways give the same path there. The penalty
# $\frac\lambda2\lVert\theta\rVert^2$ grows with $\theta$, so the penalised objective has a
# unique, finite minimiser, for any $\lambda > 0$.

# %%
X_raw, labels = blobs(40, np.random.default_rng(5), centers=np.array([[-2.0], [2.0]]), std=0.6)
x_sep, y_sep = X_raw[:, 0], labels.astype(float)
print(f"separable: {x_sep[y_sep == 0].max() < x_sep[y_sep == 1].min()}")
X_sep = np.column_stack([np.ones(40), x_sep])

steps = np.arange(0, 21)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for l2 in (0.0, 1e-3, 1e-2):
    norms = [np.linalg.norm(irls(X_sep, y_sep, n_iters=k, tol=0.0, l2=l2)[0]) for k in steps]
    theta_sep, _ = irls(X_sep, y_sep, n_iters=20, tol=0.0, l2=l2)
    ax1.plot(steps, norms, "o-", ms=3, label=f"l2 = {l2:g}")
    ax2.plot(x_line, expit(theta_sep[0] + theta_sep[1] * x_line),
             label=f"l2 = {l2:g}: θ = ({theta_sep[0]:.1f}, {theta_sep[1]:.1f})")
ax1.set_xlabel("IRLS iteration")
ax1.set_ylabel("‖θ‖")
ax1.legend(fontsize="small")
ax2.scatter(x_sep, y_sep, s=12, c=y_sep, cmap="coolwarm")
ax2.set_xlabel("x")
ax2.set_ylabel("p(x) after 20 steps")
ax2.legend(fontsize="small")
plt.show()

# %% [markdown]
# Without the penalty $\lVert\theta\rVert$ keeps growing and the fitted probability becomes a
# step: the model claims certainty it cannot have. With $\lambda > 0$ the norm levels off after a
# few steps at the penalised optimum, and the probability stays smooth; a larger $\lambda$ gives a
# smaller $\theta$ and softer probabilities.
#
# **Question (2 points).** Newton's method converges in far fewer iterations than gradient
# descent. Give two reasons why gradient descent (and its variants) is nevertheless what we
# use for neural networks, in terms of the cost of one step and the properties of the objective.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_newton_cost", "points": 2}
# **Model answer.** (1) Cost: a Newton step needs the $p\times p$ Hessian, $O(np^2)$ to build
# and $O(p^2)$ to store, and a linear solve in $O(p^3)$; a gradient step costs $O(np)$. With
# $p = 10^6$ parameters the Hessian alone would hold $10^{12}$ numbers (8 TB): impossible,
# whereas a gradient is as big as the parameters. (Mini-batches also make the gradient cheap,
# while a Hessian estimated from a mini-batch is very noisy.) (2) Non-convexity: the loss of a
# network is not convex, its Hessian is indefinite at saddle points and maxima, and the pure
# Newton step $-H^{-1}g$ then goes uphill or towards the saddle (it jumps to the stationary point
# of the quadratic model, not necessarily a minimum); convergence is only local. Gradient
# descent always moves downhill for a small enough step.
# 2 points: the cost/size of the Hessian (1); indefinite Hessian / non-convexity / only local
# convergence, or the noise of mini-batch curvature (1).

# %% [markdown]
# **Question (2 points).** On linearly separable data, why does unpenalised logistic regression
# have no maximum-likelihood estimate, what does IRLS do there, and how does `l2 > 0` change it?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_separable", "points": 2}
# **Model answer.** If $w$ separates the classes ($x_i^\top w > 0$ exactly for $y_i = 1$), then
# along $\theta = c\,w$ every term $\log(1+e^{z_i}) - y_iz_i$ decreases to 0 as $c \to \infty$:
# the NLL's infimum 0 is approached but not attained by any finite $\theta$, so there is no
# maximiser of the likelihood. IRLS keeps stepping along that direction: $\lVert\theta\rVert$
# grows without bound, the probabilities become 0/1 steps, the weights $p_i(1-p_i)$ and the
# Hessian tend to 0 (ever more nearly singular systems). With $\lambda > 0$ the
# objective adds $\frac\lambda2\lVert\theta\rVert^2$, which grows to infinity with $\theta$, and
# its Hessian is at least $\lambda I$: the objective is strictly convex and coercive, so a unique
# finite minimiser exists and Newton converges to it.
# 2 points: infimum not attained / weights → ∞ (1); penalty makes the objective coercive and
# strictly convex, Hessian ≥ λI, finite unique optimum (1).

# %% [markdown]
# ## 8. Explore: gradient descent and Newton, step by step
#
# The widget runs **your** `newton_minimize` on **your** `logistic_grad_hess` (and draws
# contours of **your** `logistic_nll`) for a two-parameter logistic regression, $\theta =
# (\text{bias}, \text{weight})$, from $\theta = 0$. The feature is not centred, so bias and
# weight are correlated and the contours are long, tilted valleys. Move the learning rate:
# too small and gradient descent crawls, too large and it zig-zags across the valley; Newton
# needs no step size and is there in about five steps.

# %%
X_raw, labels = blobs(100, np.random.default_rng(6), centers=np.array([[2.0], [3.5]]), std=0.8)
X_widget = np.column_stack([np.ones(100), X_raw[:, 0]])
app = newton_explorer(X_widget, labels.astype(float), nll=logistic_nll,
                      grad_hess=logistic_grad_hess, minimize=newton_minimize, lr=1.0, n_steps=5)
show(app)

# %% [markdown]
# ## Summary
#
# * Newton's method minimises the second-order Taylor model at every step,
#   $\theta \leftarrow \theta - H^{-1}g$ (solve $H\delta = g$, never invert), and converges
#   quadratically near a minimum with a positive definite Hessian.
# * On least squares ($g = \frac2n\Phi^\top(\Phi\theta - y)$, $H = \frac2n\Phi^\top\Phi$) the model is
#   exact: one step gives the normal equations' solution from any start.
# * The logistic NLL $\frac1n\sum[\log(1+e^{z_i}) - y_iz_i]$ is computed stably with
#   `np.logaddexp`; its gradient is $\frac1nX^\top(p - y)$ and its Hessian $\frac1nX^\top SX$,
#   built by scaling rows, never as an $n\times n$ matrix.
# * IRLS is Newton's method on that objective; each step is a weighted least-squares fit with
#   weights $p_i(1-p_i)$. It needs a handful of iterations where gradient descent needs hundreds,
#   at $O(np^2 + p^3)$ per step: affordable for tens of parameters, not for millions.
# * On separable data the unpenalised optimum does not exist and $\lVert\theta\rVert \to \infty$;
#   an $\ell_2$ penalty $\frac\lambda2\lVert\theta\rVert^2$ restores a unique, finite optimum.
#   Chapter 3 fits the same model (and its multiclass version) by gradient descent.
