# %% [markdown]
# # Chapter 1 — Linear regression and ridge
#
# Linear regression is the smallest model that still contains every idea of this course: a
# parametric model, a loss averaged over the samples, a closed-form optimum, an iterative
# optimiser that reaches the same optimum, and the tension between fitting the training data
# and predicting new data.
#
# **Goals.** By the end of this notebook you will have written, from NumPy alone:
#
# 1. the design matrix and the least-squares fit through the *normal equations*;
# 2. the mean squared error, and seen why it is the maximum-likelihood loss under Gaussian noise;
# 3. polynomial and radial-basis-function (RBF) features, which make a *linear* model fit curves;
# 4. ridge regression, and seen how it cures the ill-conditioning of high-degree polynomials;
# 5. gradient descent on the MSE, and the role of the learning rate;
#
# and you will read under- and over-fitting off a train/validation sweep.
#
# **Notation** (the lecture's, and the code's).
#
# | symbol | code | shape | meaning |
# |---|---|---|---|
# | $n$, $d$, $p$ | `n`, `d`, `p` | | number of samples, of input features (columns of $X$), of parameters (columns of $\Phi$; $p = d + 1$ for `design_matrix`) |
# | $X$ | `X` | `(n, d)` | inputs, one sample per **row** |
# | $y$ | `y` | `(n,)` | regression targets |
# | $\Phi$ | `Phi` | `(n, p)` | design matrix: one row of features $\phi(x_i)^\top$ per sample |
# | $\theta$ | `theta` | `(p,)` | parameters of the model $\hat y = \Phi\theta$ |
# | $w$, $b$ | `w`, `b` | `(d,)`, scalar | weights and intercept of $\hat y = Xw + b$ |
# | $\lambda$ | `lam` | scalar | ridge penalty |
#
# Every array is float64. Losses are **means** over the samples (the one exception, ridge's
# objective in Section 5, is a sum, as scikit-learn writes it; its docstring says so). A
# function documented as returning a **Python float** must return an object of Python's type
# `float`: `float(...)` of a NumPy result always is one, and a NumPy `np.float64` passes too
# (it is a subclass of `float`), but a `np.float32` or a 0-d array (`np.array(1.5)`) does not.
#
# **How to work.** Run the first cell, then go down the notebook. Each function you write lives
# in its own cell, where `raise NotImplementedError()` marks the place of your code; the cell just
# after it holds *visible* tests that check the basics. More tests, hidden from you, check exact
# values and edge cases (one sample, one feature, large numbers) when the notebook is graded:
# passing the visible tests is necessary, not sufficient. Your functions must not modify their
# inputs, and must not print warnings.

# %% nbgrader={"locked": true, "grade_id": "setup"}
import numpy as np
import matplotlib.pyplot as plt

from utils.checks import (check_close, check_dtype, check_equal, check_shape, check_true,
                          check_type, check_unchanged)
from utils.datasets import noisy_curve
from utils.plotting import (figures_off_while_grading, plot_contour_trajectories, plot_fit,
                            plot_loss_curves, plot_train_val_errors)
from utils.widgets import ridge_explorer, show

figures_off_while_grading()  # the grader looks at test results, not figures: skip drawing

plt.rcParams["figure.figsize"] = (6.4, 3.6)

# %% [markdown]
# ## 1. The data
#
# Our running example is the lecture's (and Bishop's): targets $y = \sin(2\pi x) + \varepsilon$
# with Gaussian noise $\varepsilon \sim \mathcal N(0, 0.1^2)$ and $x$ uniform in $[0, 1]$.
# We keep a small **training set** (15 points) to fit on, and a large **validation set**
# (200 points) that the fit never sees, to measure how well a model predicts new data.

# %%
x_train, y_train = noisy_curve(15, np.random.default_rng(0), noise=0.1, func="sin")
x_val, y_val = noisy_curve(200, np.random.default_rng(1), noise=0.1, func="sin")
grid = np.linspace(0.0, 1.0, 200)  # where fitted curves are drawn

plot_fit(x_train, y_train, grid, {"true curve sin(2πx)": np.sin(2 * np.pi * grid)},
         title="15 training points")
plt.show()

# %% [markdown]
# ## 2. Least squares and the normal equations
#
# A linear model predicts $\hat y_i = \phi(x_i)^\top \theta$, or for all samples at once
# $\hat y = \Phi \theta$ with the **design matrix** $\Phi$ of shape `(n, p)`. With the raw
# inputs as features plus a constant feature $1$ for the intercept,
# $\Phi = [\,\mathbf 1 \;\; X\,]$ and $\theta = (b, w_1, \dots, w_d)$.
#
# Least squares picks the $\theta$ that minimises the mean squared error
#
# $$L(\theta) = \frac1n \lVert y - \Phi\theta \rVert^2 = \frac1n \sum_{i=1}^n (y_i - \phi(x_i)^\top\theta)^2 .$$
#
# $L$ is a convex quadratic; its gradient is $\nabla L(\theta) = \frac2n \Phi^\top(\Phi\theta - y)$,
# and setting it to zero gives the **normal equations**
#
# $$\Phi^\top \Phi\, \theta = \Phi^\top y ,$$
#
# a $p \times p$ linear system with a unique solution when $\Phi$ has full column rank. The
# name: the residual $y - \Phi\theta$ is *normal* (orthogonal) to every column of $\Phi$.
# Solve the system with `np.linalg.solve` (or let `np.linalg.lstsq` minimise the norm directly);
# never form the inverse $(\Phi^\top\Phi)^{-1}$: it costs more and loses accuracy.
#
# ### 2.1 The design matrix
#
# Write `design_matrix(X)`: a column of ones **first**, then the columns of `X`.

# %% nbgrader={"solution": true, "grade_id": "design_matrix"}
def design_matrix(X):
    """Design matrix of an affine model: a column of ones, then the inputs.

    Parameters
    ----------
    X : ndarray of float64, shape (n, d)
        Inputs, one sample per row (float64, as every array of the course: the result may
        keep the dtype of ``X``).

    Returns
    -------
    Phi : ndarray, shape (n, d + 1), float64
        ``Phi[:, 0] = 1`` (the intercept's feature) and ``Phi[:, 1:] = X``.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([np.ones((X.shape[0], 1)), X])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_design_matrix_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
Phi = design_matrix(X)
check_shape("design_matrix(X) for X of shape (3, 2)", Phi, (3, 3),
            hint="one column of ones, then the 2 columns of X: shape (n, d + 1)")
check_dtype("design_matrix(X)", Phi, "float64")
check_close("design_matrix(X) on a 3x2 example", Phi, [[1, 1, 2], [1, 3, 4], [1, 5, 6]],
            hint="the column of ones comes first, then X unchanged")

# %% nbgrader={"grade": true, "grade_id": "test_design_matrix_hidden", "points": 2}
# Hidden tests of design_matrix: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_dtype, check_shape, check_unchanged

rng = np.random.default_rng(1101)
for n, d in [(1, 1), (1, 4), (6, 1), (40, 5)]:
    X = 1e3 * rng.normal(size=(n, d))
    X_before = X.copy()
    Phi = design_matrix(X)
    check_shape(f"design_matrix with n={n}, d={d}", Phi, (n, d + 1),
                hint="shape (n, d + 1): one extra column, for the intercept")
    expected = np.ones((n, d + 1))
    expected[:, 1:] = X_before
    check_close(f"design_matrix values with n={n}, d={d}", Phi, expected, rtol=0.0, atol=0.0,
                hint="column 0 is all ones, columns 1..d are X, unchanged and in order")
    check_unchanged(f"X after design_matrix with n={n}, d={d}", X_before, X)
### END HIDDEN TESTS

# %% [markdown]
# ### 2.2 Ordinary least squares
#
# Write `ols_fit(Phi, y)`, which returns the $\theta$ solving the normal equations. The design
# matrix is given: do not add another column of ones inside.

# %% nbgrader={"solution": true, "grade_id": "ols_fit"}
def ols_fit(Phi, y):
    """Ordinary least squares on a design matrix.

    Parameters
    ----------
    Phi : ndarray, shape (n, p)
        Design matrix, of full column rank.
    y : ndarray, shape (n,)
        Targets.

    Returns
    -------
    theta : ndarray, shape (p,)
        The minimiser of ``‖y − Phi theta‖²``, i.e. the solution of the normal equations
        ``Phiᵀ Phi theta = Phiᵀ y`` (use ``np.linalg.solve`` or ``np.linalg.lstsq``, not ``inv``).
        Both agree on a well-conditioned ``Phi`` (the only kind the tests use); on a nearly
        singular one they can differ completely (section 5 shows why).
    """
    ### BEGIN SOLUTION
    return np.linalg.solve(Phi.T @ Phi, Phi.T @ y)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ols_fit_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

Phi = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
y = np.array([1.0, 3.0, 5.0])  # exactly y = 1 + 2x
theta = ols_fit(Phi, y)
check_shape("ols_fit(Phi, y) for Phi of shape (3, 2)", theta, (2,),
            hint="one parameter per column of Phi; Phi already holds the intercept's column")
check_dtype("ols_fit(Phi, y)", theta, "float64")
check_close("ols_fit on the points of the line y = 1 + 2x", theta, [1.0, 2.0], rtol=1e-8, atol=1e-10,
            hint="solve the normal equations PhiᵀPhi theta = Phiᵀy")

# %% nbgrader={"grade": true, "grade_id": "test_ols_fit_hidden", "points": 2}
# Hidden tests of ols_fit: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged

rng = np.random.default_rng(1202)
# Noiseless data: least squares recovers the parameters that generated it.
Phi = rng.normal(size=(30, 4))
theta_true = np.array([0.5, -2.0, 3.0, 1.0])
theta = ols_fit(Phi, Phi @ theta_true)
check_close("ols_fit on noiseless data (n=30, p=4)", theta, theta_true, rtol=1e-8, atol=1e-10,
            hint="when y = Phi theta exactly, least squares must return that theta")

# Noisy data, including large magnitudes: the least-squares solution, computed here by lstsq.
for n, p, scale in [(1, 1, 1.0), (8, 1, 1.0), (50, 5, 1.0), (3, 3, 1.0), (40, 4, 1e3)]:
    Phi = scale * rng.normal(size=(n, p))
    if n == p == 3:
        Phi = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    y = scale * rng.normal(size=n)
    Phi_before, y_before = Phi.copy(), y.copy()
    theta = ols_fit(Phi, y)
    reference = np.linalg.lstsq(Phi_before, y_before, rcond=None)[0]
    check_shape(f"ols_fit with n={n}, p={p}", theta, (p,),
                hint="one parameter per column of Phi; do not add a column of ones in ols_fit")
    check_close(f"ols_fit with n={n}, p={p}, entries of size {scale:g}", theta, reference,
                rtol=1e-6, atol=1e-9 * np.abs(reference).max(),
                hint="solve PhiᵀPhi theta = Phiᵀy exactly (no extra penalty, every column at once)")
    residual = y_before - Phi_before @ theta
    check_close(f"normal equations Phiᵀ(y − Phi theta) = 0 with n={n}, p={p}",
                Phi_before.T @ residual / (scale ** 2 * n), np.zeros(p), rtol=0.0, atol=1e-8,
                hint="at the least-squares solution the residual is orthogonal to every column")
    check_unchanged(f"Phi after ols_fit with n={n}, p={p}", Phi_before, Phi)
    check_unchanged(f"y after ols_fit with n={n}, p={p}", y_before, y)

# A feature measured in small units (a column of size 1e-3): Phi's condition number is about
# 1e3, still well-conditioned for solve, lstsq, pinv, QR and even inv (they agree to 1e-12
# relative here, 1e6 times inside the tolerance), but a "small" ridge added for stability
# (1e-8 I) already moves theta by about 1e-4 relative: least squares means no penalty at all.
Phi = np.column_stack([np.ones(40), rng.normal(size=40), 1e-3 * rng.normal(size=40),
                       rng.uniform(0.0, 1.0, size=40)])
y = Phi @ np.array([1.0, -2.0, 500.0, 0.5]) + 0.1 * rng.normal(size=40)
reference = np.linalg.lstsq(Phi, y, rcond=None)[0]
check_close("ols_fit with a column in small units (entries of size 1e-3)", ols_fit(Phi, y),
            reference, rtol=1e-6, atol=1e-9 * np.abs(reference).max(),
            hint="solve the normal equations exactly: no extra term on the diagonal, however small")
### END HIDDEN TESTS

# %% [markdown]
# ### 2.3 Mean squared error
#
# Write `mse(y_true, y_pred)`: the **mean** of the squared differences over all entries
# (not the sum, not its square root), returned as a Python float: the tests check
# `isinstance(value, float)`, which `float(...)` of the mean and NumPy's `np.float64` (what
# `np.mean` of a float64 array returns) pass, and a `np.float32` or a 0-d array does not.

# %% nbgrader={"solution": true, "grade_id": "mse"}
def mse(y_true, y_pred):
    """Mean squared error.

    Parameters
    ----------
    y_true : ndarray, shape (n,) (or any shape)
        Targets.
    y_pred : ndarray, same shape as ``y_true``
        Predictions.

    Returns
    -------
    float
        ``mean((y_true − y_pred)²)``, the mean over **all** entries, as a Python float
        (``isinstance(value, float)``: ``np.float64`` passes, ``np.float32`` or a 0-d array
        does not; ``float(...)`` of the mean is the safe way).
    """
    ### BEGIN SOLUTION
    return float(np.mean((y_true - y_pred) ** 2))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_mse_visible", "points": 1}
from utils.checks import check_close, check_type

value = mse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]))
check_type("mse(y_true, y_pred)", value, float,
           hint="return one number, e.g. float(...) of the mean")
check_close("mse([1, 2, 3], [1, 2, 5])", value, 4.0 / 3.0, rtol=1e-12,
            hint="the mean of the squared differences: (0 + 0 + 4) / 3")

# %% nbgrader={"grade": true, "grade_id": "test_mse_hidden", "points": 2}
# Hidden tests of mse: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_type, check_unchanged

check_close("mse with n=1", mse(np.array([2.0]), np.array([5.0])), 9.0, rtol=1e-12,
            hint="one sample: the squared difference itself (no square root, no 1/2)")
rng = np.random.default_rng(1303)
for shape, scale in [((50,), 1.0), ((17,), 1e3), ((6, 4), 1.0)]:
    a, b = scale * rng.normal(size=shape), scale * rng.normal(size=shape)
    a_before, b_before = a.copy(), b.copy()
    value = mse(a, b)
    expected = ((a_before - b_before) ** 2).sum() / a_before.size
    check_type(f"mse of arrays of shape {shape}", value, float, hint="return one number")
    check_close(f"mse of arrays of shape {shape}, entries of size {scale:g}", value, expected,
                rtol=1e-10, hint="the mean over all entries of the squared difference: "
                                 "not the sum, not the root, divided by the number of entries")
    check_unchanged(f"y_true after mse, shape {shape}", a_before, a)
    check_unchanged(f"y_pred after mse, shape {shape}", b_before, b)
### END HIDDEN TESTS

# %% [markdown]
# ### 2.4 A straight line through a sine
#
# With the three functions above we can fit the simplest model, $\hat y = b + w x$, to our data.
# `X` must be 2-D: one column for the one feature.

# %%
Phi_train = design_matrix(x_train[:, None])
Phi_val = design_matrix(x_val[:, None])
theta_line = ols_fit(Phi_train, y_train)
print(f"theta = (b, w) = {np.round(theta_line, 3)}")
print(f"training MSE   {mse(y_train, Phi_train @ theta_line):.4f}")
print(f"validation MSE {mse(y_val, Phi_val @ theta_line):.4f}   (noise variance: 0.1² = 0.01)")
plot_fit(x_train, y_train, grid, {"least-squares line": design_matrix(grid[:, None]) @ theta_line},
         title="A line under-fits the sine")
plt.show()

# %% [markdown]
# The line is the best *line*, but a line cannot follow a sine: both errors are far above the
# noise level. This is **under-fitting** (high bias). We will fix it with better features in
# Section 4, after looking at why the squared error is the right loss.
#
# ## 3. The maximum-likelihood view
#
# Assume the data come from the model plus Gaussian noise,
# $y_i = \phi(x_i)^\top\theta + \varepsilon_i$ with independent $\varepsilon_i \sim \mathcal N(0, \sigma^2)$.
# The likelihood of the targets is a product of Gaussian densities, and its negative logarithm is
#
# $$-\log p(y \mid X, \theta, \sigma^2) = \frac n2 \log(2\pi\sigma^2) + \frac1{2\sigma^2}\sum_{i=1}^n (y_i - \phi(x_i)^\top\theta)^2 .$$
#
# For any fixed $\sigma^2$ only the sum of squares depends on $\theta$: **maximising the
# likelihood is minimising the MSE**, so $\theta_{\text{ML}}$ is the least-squares solution.
# Setting the derivative with respect to $\sigma^2$ to zero then gives
#
# $$\sigma^2_{\text{ML}} = \frac1n \sum_{i=1}^n (y_i - \phi(x_i)^\top\theta_{\text{ML}})^2 = \text{the training MSE},$$
#
# the mean squared residual. Let us compute it for the line, and check numerically that it
# minimises the negative log-likelihood over $\sigma^2$.

# %%
def gaussian_nll(residual, sigma2):
    """Negative log-likelihood of the residuals under N(0, sigma2) noise."""
    n = len(residual)
    return 0.5 * n * np.log(2 * np.pi * sigma2) + (residual ** 2).sum() / (2 * sigma2)


residual_line = y_train - Phi_train @ theta_line
sigma2_ml = mse(y_train, Phi_train @ theta_line)
sigma2_grid = np.geomspace(0.01, 1.0, 400)
nll = np.array([gaussian_nll(residual_line, s2) for s2 in sigma2_grid])
print(f"sigma²_ML (mean squared residual)   = {sigma2_ml:.4f}")
print(f"argmin of the NLL over the σ² grid   = {sigma2_grid[nll.argmin()]:.4f}")

fig, ax = plt.subplots()
ax.semilogx(sigma2_grid, nll)
ax.axvline(sigma2_ml, color="k", ls="--", lw=1, label="σ²_ML = training MSE")
ax.set_xlabel("σ²")
ax.set_ylabel("negative log-likelihood")
ax.legend()
plt.show()

# %% [markdown]
# For the line, $\sigma^2_{\text{ML}} \approx 0.13$ is more than ten times the true noise variance
# $0.01$: the "noise" the model sees also contains everything the line cannot represent.
#
# **Question (2 points).** The Gaussian noise model led to the squared error. Which loss would
# you minimise if the noise followed a Laplace distribution, $p(\varepsilon) \propto
# \exp(-|\varepsilon|/s)$? Name one practical difference between the two fits when the data
# contain a few gross outliers, and say why.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_noise_model", "points": 2}
# **Model answer.** The negative log-likelihood of Laplace noise is
# $n\log(2s) + \frac1s\sum_i |y_i - \phi(x_i)^\top\theta|$,
# so maximum likelihood minimises the **mean absolute error** (L1 loss). With outliers the
# squared error weights a residual $r$ by $r^2$: one gross outlier dominates the sum and pulls
# the fit towards itself (the mean is not robust). The absolute error grows only linearly, so
# outliers have bounded influence on the gradient (its sign, $\pm 1$) and the fit is much more
# robust (the 1-D analogue: the median instead of the mean). The price: no closed form (the L1
# loss is not differentiable at 0; one uses linear programming or iterative reweighting).
# 2 points: MAE/L1 with the likelihood argument (1), robustness to outliers with the reason (1).

# %% [markdown]
# ## 4. Basis functions: polynomials
#
# A model linear in $\theta$ need not be linear in $x$: replace $x$ by features $\phi(x)$ and the
# algebra above is unchanged. The classic choice in one dimension is the monomials
#
# $$\phi(x) = (1, x, x^2, \dots, x^M), \qquad \hat y = \theta_0 + \theta_1 x + \dots + \theta_M x^M .$$
#
# Write `polynomial_features(x, degree)`, whose column `k` is `x**k`, in **increasing** powers,
# starting with the constant column `x**0 = 1` (careful: `np.vander` orders its columns the
# other way round unless asked).

# %% nbgrader={"solution": true, "grade_id": "polynomial_features"}
def polynomial_features(x, degree):
    """Monomial features of a 1-D input, in increasing powers.

    Parameters
    ----------
    x : ndarray of float64, shape (n,)
        Inputs (float64, as every array of the course: the result may keep the dtype of
        ``x``).
    degree : int
        Highest power ``M >= 0``.

    Returns
    -------
    Phi : ndarray, shape (n, degree + 1), float64
        ``Phi[i, k] = x[i] ** k`` for ``k = 0, 1, …, degree``: the first column is all ones.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] ** np.arange(degree + 1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_polynomial_features_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

Phi = polynomial_features(np.array([2.0, 3.0]), 2)
check_shape("polynomial_features(x, 2) for 2 samples", Phi, (2, 3),
            hint="one column per power 0, 1, …, degree: degree + 1 columns")
check_dtype("polynomial_features(x, 2)", Phi, "float64")
check_close("polynomial_features([2, 3], 2)", Phi, [[1, 2, 4], [1, 3, 9]],
            hint="columns x**0, x**1, x**2 in increasing order (np.vander's default is decreasing)")

# %% nbgrader={"grade": true, "grade_id": "test_polynomial_features_hidden", "points": 2}
# Hidden tests of polynomial_features: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_dtype, check_shape, check_unchanged

rng = np.random.default_rng(1404)
for n, degree, scale in [(1, 3, 1.0), (7, 0, 1.0), (9, 1, 1.0), (12, 5, 1.0), (5, 4, 1e3)]:
    x = scale * rng.uniform(-1.0, 1.0, size=n)
    x_before = x.copy()
    Phi = polynomial_features(x, degree)
    expected = np.empty((n, degree + 1))
    for k in range(degree + 1):
        expected[:, k] = x_before ** k
    check_shape(f"polynomial_features with n={n}, degree={degree}", Phi, (n, degree + 1),
                hint="degree + 1 columns: the powers 0 to degree, both included")
    check_close(f"polynomial_features with n={n}, degree={degree}, |x| up to {scale:g}", Phi,
                expected, rtol=1e-12, atol=0.0,
                hint="column k must be x**k, k = 0 … degree, in increasing order, the ones first")
    check_unchanged(f"x after polynomial_features with n={n}", x_before, x)

Phi = polynomial_features(np.array([2.0, -3.0]), 3)
check_close("polynomial_features([2, -3], 3)", Phi, [[1, 2, 4, 8], [1, -3, 9, -27]], rtol=1e-12,
            hint="column k is x**k")
### END HIDDEN TESTS

# %% [markdown]
# Now a cubic: the same `ols_fit`, on the features $1, x, x^2, x^3$.

# %%
Phi3_train, Phi3_val = polynomial_features(x_train, 3), polynomial_features(x_val, 3)
theta_cubic = ols_fit(Phi3_train, y_train)
sigma2_ml = mse(y_train, Phi3_train @ theta_cubic)
n, p = Phi3_train.shape
print(f"cubic: sigma²_ML = {sigma2_ml:.4f},  unbiased n/(n−p)·sigma²_ML = {n / (n - p) * sigma2_ml:.4f},"
      f"  validation MSE = {mse(y_val, Phi3_val @ theta_cubic):.4f}")
plot_fit(x_train, y_train, grid, {"line": design_matrix(grid[:, None]) @ theta_line,
                                  "cubic": polynomial_features(grid, 3) @ theta_cubic},
         title="Polynomial features: a linear model fits a curve")
plt.show()

# %% [markdown]
# The cubic follows the sine. Its $\sigma^2_{\text{ML}}$ (the training MSE) is now of the order
# of the true noise variance $0.01$, and in fact *below* it: the maximum-likelihood estimate
# is biased low, because the fit spends $p$ degrees of freedom chasing the noise of the training
# points. The unbiased estimate divides the sum of squares by $n - p$ instead of $n$.

# %% [markdown]
# ## 5. Ill-conditioning, and why ridge fixes it
#
# On $[0, 1]$ the monomials $x^7, x^8, x^9, \dots$ look almost alike, so the columns of $\Phi$
# are nearly linearly dependent and $\Phi^\top\Phi$ is nearly singular. The **condition number**
# $\kappa = \lambda_{\max}/\lambda_{\min}$ of $\Phi^\top\Phi$ (ratio of its extreme eigenvalues)
# measures how much solving the normal equations can amplify rounding errors and noise: with
# float64 (16 digits) a condition number of $10^{k}$ leaves about $16 - k$ correct digits.

# %%
degrees = np.arange(1, 15)
cond_ols = [np.linalg.cond(polynomial_features(x_train, m).T @ polynomial_features(x_train, m))
            for m in degrees]
lam_demo = 1e-3
cond_ridge = []
for m in degrees:
    F = polynomial_features(x_train, m)[:, 1:]  # the ridge model keeps its intercept apart
    Fc = F - F.mean(axis=0)
    cond_ridge.append(np.linalg.cond(Fc.T @ Fc + lam_demo * np.eye(m)))

fig, ax = plt.subplots()
ax.semilogy(degrees, cond_ols, "o-", label="ΦᵀΦ (least squares)")
ax.semilogy(degrees, cond_ridge, "s-", label=f"ΦᵀΦ + λI, λ = {lam_demo:g} (ridge, centred)")
ax.axhline(1 / np.finfo(float).eps, color="k", ls=":", lw=1, label="1 / machine epsilon")
ax.set_xlabel("polynomial degree")
ax.set_ylabel("condition number")
ax.legend(fontsize="small")
plt.show()

# The same degree-12 least-squares problem, solved two ways that are both right on paper.
Phi12 = polynomial_features(x_train, 12)
theta_solve = np.linalg.solve(Phi12.T @ Phi12, Phi12.T @ y_train)   # the normal equations
theta_lstsq = np.linalg.lstsq(Phi12, y_train, rcond=None)[0]         # works on Φ itself
print(f"degree 12: largest |θ_k| by solve {np.abs(theta_solve).max():.3g}, by lstsq "
      f"{np.abs(theta_lstsq).max():.3g}; largest difference {np.abs(theta_solve - theta_lstsq).max():.3g}")

# %% [markdown]
# Beyond degree 9 the condition number of $\Phi^\top\Phi$ passes $1/\varepsilon_{\text{mach}}
# \approx 4.5\cdot10^{15}$: the computed least-squares solution is then dominated by rounding errors.
# The two solvers above disagree completely on the same data: `np.linalg.solve` works on
# $\Phi^\top\Phi$, whose condition number is the *square* of $\Phi$'s, while `np.linalg.lstsq`
# works on $\Phi$ itself, and each keeps a different share of the digits that the
# conditioning leaves. Neither code is wrong; the problem is (and this is why `ols_fit`'s
# tests use well-conditioned designs only).
#
# **Ridge regression** adds a penalty on the size of the weights,
#
# $$\min_{w,\,b}\; \lVert y - Xw - b\mathbf 1\rVert^2 + \lambda \lVert w\rVert^2 ,$$
#
# (a sum, as in scikit-learn's `Ridge(alpha=lam)`). The intercept $b$ is **not** penalised:
# shifting every target by a constant should shift the prediction, not change $w$. Setting the
# derivative in $b$ to zero gives $b = \bar y - \bar x^\top w$ (with $\bar x$, $\bar y$ the means),
# and substituting it back leaves a ridge problem on centred data, $X_c = X - \bar x^\top$,
# $y_c = y - \bar y$:
#
# $$(X_c^\top X_c + \lambda I)\, w = X_c^\top y_c, \qquad b = \bar y - \bar x^\top w .$$
#
# Adding $\lambda I$ shifts every eigenvalue of $X_c^\top X_c$ up by $\lambda$: the condition
# number drops from $\lambda_{\max}/\lambda_{\min}$ to $(\lambda_{\max}+\lambda)/(\lambda_{\min}+\lambda)
# \le 1 + \lambda_{\max}/\lambda$, whatever the degree (the flat curve above).
#
# Write `ridge_fit(X, y, lam)`. Do not modify `X` or `y` while centring (use new arrays).

# %% nbgrader={"solution": true, "grade_id": "ridge_fit"}
def ridge_fit(X, y, lam):
    """Ridge regression with an unpenalised intercept (scikit-learn's ``Ridge(alpha=lam)``).

    Minimises ``‖y − X w − b‖² + lam ‖w‖²`` (a sum over the samples, ``b`` not penalised).

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs, one sample per row (without a column of ones).
    y : ndarray, shape (n,)
        Targets.
    lam : float
        Penalty ``lam >= 0`` on the weights. With ``lam = 0`` (least squares with an
        intercept) ``X_cᵀX_c`` must be invertible: more samples than features and no
        collinear columns, and the tests call ``lam = 0`` only on such data. (At ``lam = 0``
        with ``n <= d`` or a single sample the minimiser is not unique; any ``lam > 0`` makes it
        unique, e.g. ``w = 0`` and ``b = y`` for one sample.)

    Returns
    -------
    w : ndarray, shape (d,)
        ``(X_cᵀX_c + lam I)⁻¹ X_cᵀ y_c`` with the centred ``X_c = X − x̄``, ``y_c = y − ȳ``.
    b : float
        The intercept ``ȳ − x̄ · w``.
    """
    ### BEGIN SOLUTION
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean  # a new array: X itself is left as it was
    A = Xc.T @ Xc + lam * np.eye(X.shape[1])
    w = np.linalg.solve(A, Xc.T @ (y - y_mean))
    b = float(y_mean - x_mean @ w)
    return w, b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ridge_fit_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

rng = np.random.default_rng(0)
w, b = ridge_fit(rng.normal(size=(5, 2)), rng.normal(size=5), 1.0)
check_shape("w of ridge_fit(X, y, lam) for X of shape (5, 2)", w, (2,),
            hint="one weight per column of X; the intercept is returned separately as b")
check_dtype("w of ridge_fit(X, y, lam)", w, "float64")
x = np.array([0.0, 1.0, 2.0, 3.0])
w, b = ridge_fit(x[:, None], 1.0 + 2.0 * x, 0.0)
check_close("w of ridge_fit with lam=0 on the line y = 1 + 2x", w, [2.0], rtol=1e-8,
            hint="with lam = 0, ridge is least squares with an intercept")
check_close("b of ridge_fit with lam=0 on the line y = 1 + 2x", b, 1.0, rtol=1e-8, atol=1e-10,
            hint="b = mean(y) − mean(x) · w, a scalar")

# %% nbgrader={"grade": true, "grade_id": "test_ridge_fit_hidden", "points": 3}
# Hidden tests of ridge_fit: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged


def _ridge_reference(X, y, lam):
    """Solve the stationarity equations of the ridge objective in (b, w) jointly."""
    n, d = X.shape
    Phi = np.hstack([np.ones((n, 1)), X])
    penalty = lam * np.eye(d + 1)
    penalty[0, 0] = 0.0  # the intercept is not penalised
    theta = np.linalg.solve(Phi.T @ Phi + penalty, Phi.T @ y)
    return theta[1:], theta[0]


rng = np.random.default_rng(1505)
cases = [(1, 1, 0.5, 1.0), (1, 3, 2.0, 1.0), (8, 1, 0.1, 1.0), (60, 5, 3.0, 1.0),
         (20, 4, 0.0, 1.0), (30, 3, 10.0, 1e3)]
for n, d, lam, scale in cases:
    X = scale * rng.normal(size=(n, d)) + scale * rng.uniform(-1.0, 1.0, size=d)
    y = X @ rng.normal(size=d) + scale * rng.normal(size=n) + 5.0 * scale
    X_before, y_before = X.copy(), y.copy()
    w, b = ridge_fit(X, y, lam)
    w_ref, b_ref = _ridge_reference(X_before, y_before, lam)
    case = f"ridge_fit with n={n}, d={d}, lam={lam:g}, entries of size {scale:g}"
    check_shape(f"w of {case}", w, (d,), hint="one weight per column of X")
    check_close(f"w of {case}", w, w_ref, rtol=1e-6, atol=1e-9 * max(1.0, np.abs(w_ref).max()),
                hint="solve (X_cᵀX_c + lam I) w = X_cᵀy_c on centred data, with the penalty lam "
                     "itself (not lam·n or lam/n) and without penalising the intercept")
    check_close(f"b of {case}", b, b_ref, rtol=1e-6, atol=1e-9 * max(1.0, abs(b_ref)),
                hint="b = ȳ − x̄·w, a scalar: the intercept absorbs the means of X and y")
    check_unchanged(f"X after {case}", X_before, X, hint="centre into a new array, not X -= ...")
    check_unchanged(f"y after {case}", y_before, y, hint="centre into a new array, not y -= ...")

# A huge penalty: every weight goes to 0 and the intercept to the mean of y.
X, y = rng.normal(size=(25, 3)), rng.normal(size=25) + 4.0
w, b = ridge_fit(X, y, 1e12)
check_close("w of ridge_fit with lam=1e12", w, np.zeros(3), atol=1e-9,
            hint="a huge penalty shrinks every weight to 0")
check_close("b of ridge_fit with lam=1e12", b, y.mean(), rtol=1e-8,
            hint="the intercept is not penalised: with w = 0 it must still be the mean of y")

# Shifting every target by a constant shifts b only.
w1, b1 = ridge_fit(X, y, 2.0)
w2, b2 = ridge_fit(X, y + 100.0, 2.0)
check_close("w of ridge_fit after adding 100 to y", w2, w1, rtol=1e-8, atol=1e-10,
            hint="the intercept is not penalised, so a shift of y must not change w")
check_close("b of ridge_fit after adding 100 to y", b2, b1 + 100.0, rtol=1e-10,
            hint="a shift of y must move b by the same amount")
### END HIDDEN TESTS

# %% [markdown]
# **Question (2 points).** Why does least squares with polynomial features of high degree give
# unreliable parameters, and why does adding $\lambda I$ help? Answer with the eigenvalues of
# $\Phi^\top\Phi$, and say what $\lambda$ costs.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_conditioning", "points": 2}
# **Model answer.** High powers of $x$ on $[0, 1]$ are nearly collinear, so $\Phi^\top\Phi$ has
# eigenvalues close to 0 and a huge condition number $\lambda_{\max}/\lambda_{\min}$ (above $10^{15}$ by degree 10
# here). Along the eigenvectors of tiny eigenvalues the solution
# $\theta = (\Phi^\top\Phi)^{-1}\Phi^\top y$ multiplies noise and rounding errors by
# $1/\lambda_{\min}$: huge, oscillating coefficients that change completely with a little noise.
# Adding $\lambda I$ adds $\lambda$ to every eigenvalue, so no direction is amplified by more
# than $1/\lambda$ and the condition number is at most $1 + \lambda_{\max}/\lambda$; the system
# is always solvable. The cost is **bias**: the weights are shrunk towards 0 (most along the
# poorly determined directions), so the training error rises and, for too large $\lambda$, the
# model under-fits. 2 points: eigenvalues near 0 / condition number and amplification (1),
# the shift by $\lambda$ and its price, bias/shrinkage (1).

# %% [markdown]
# ## 6. Under- and over-fitting: a train/validation sweep
#
# How flexible should the model be? Fit each candidate on the training set and measure the
# error on the validation set, which the fit has not seen. First the polynomial degree, with
# plain least squares:

# %%
sweep_degrees = np.arange(0, 10)
train_err, val_err = [], []
for m in sweep_degrees:
    theta = ols_fit(polynomial_features(x_train, m), y_train)
    train_err.append(mse(y_train, polynomial_features(x_train, m) @ theta))
    val_err.append(mse(y_val, polynomial_features(x_val, m) @ theta))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
plot_train_val_errors(sweep_degrees, train_err, val_err, ax=ax1, xlabel="degree", logy=True,
                      ylabel="MSE")
theta9 = ols_fit(polynomial_features(x_train, 9), y_train)
plot_fit(x_train, y_train, grid, {"degree 9, least squares": polynomial_features(grid, 9) @ theta9},
         ax=ax2, title="Over-fitting")
ax2.set_ylim(-1.6, 1.6)
plt.show()

# %% [markdown]
# The training error can only fall as the degree grows (each model contains the previous one);
# the validation error falls while the model gains the flexibility it needs (**under-fitting**
# at degrees 0–2), then rises again as the extra flexibility is spent on the noise of the 15
# training points (**over-fitting**, high variance: the degree-9 curve swings between them).
#
# Now keep degree 9 and let ridge's $\lambda$ control the flexibility instead. Large $\lambda$
# shrinks everything towards a constant (under-fitting); tiny $\lambda$ is least squares again.

# %%
sweep_lams = np.geomspace(1e-9, 10.0, 21)
F_train, F_val, F_grid = (polynomial_features(v, 9)[:, 1:] for v in (x_train, x_val, grid))
train_err, val_err = [], []
for lam in sweep_lams:
    w, b = ridge_fit(F_train, y_train, lam)
    train_err.append(mse(y_train, F_train @ w + b))
    val_err.append(mse(y_val, F_val @ w + b))
best_lam = sweep_lams[int(np.argmin(val_err))]

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
plot_train_val_errors(sweep_lams, train_err, val_err, ax=ax1, xlabel="λ", logx=True, logy=True,
                      ylabel="MSE")
curves = {}
for lam in (1e-9, best_lam, 1.0):
    w, b = ridge_fit(F_train, y_train, lam)
    curves[f"λ = {lam:.0e}"] = F_grid @ w + b
plot_fit(x_train, y_train, grid, curves, ax=ax2, title="Degree 9 with ridge")
ax2.set_ylim(-1.6, 1.6)
plt.show()

# %% [markdown]
# Read the λ axis from right to left: the mirror image of the degree sweep. The validation
# curve is what we tune on; a final, untouched **test** set would then report the error of the
# chosen model (chapter 7).
#
# ## 7. Radial basis functions and kernel-style regression
#
# Polynomials are global: changing one coefficient changes the curve everywhere. A
# **radial basis function** is local, a bump around a centre $c_j$:
#
# $$\phi_j(x) = \exp\!\left(-\frac{\lVert x - c_j\rVert^2}{\text{width}}\right).$$
#
# (Note the convention: we divide by `width` itself, not by $2\sigma^2$.) So `width` is not a
# length: it is measured in the units of $\lVert x - c_j\rVert^2$, a **squared length**
# (width $= 2\sigma^2$ for a Gaussian bump of standard deviation $\sigma$). The bump falls to
# $1/e$ at the distance $\sqrt{\text{width}}$ from its centre: `width = 1e-2` gives bumps about
# 0.1 wide on the $x$ axis.
# Write `rbf_features(X, centers, width)` for inputs and centres of any dimension $d$;
# entry `(i, j)` compares sample `i` with centre `j`.

# %% nbgrader={"solution": true, "grade_id": "rbf_features"}
def rbf_features(X, centers, width):
    """Gaussian radial-basis-function features.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs, one sample per row.
    centers : ndarray, shape (k, d)
        Centres of the basis functions, one per row.
    width : float
        ``> 0``, the same for every basis function, in the units of a **squared** distance
        (``width = 2σ²`` for a bump of standard deviation ``σ``): each bump falls to ``1/e``
        at the distance ``sqrt(width)`` from its centre.

    Returns
    -------
    Phi : ndarray, shape (n, k), float64
        ``Phi[i, j] = exp(−‖X[i] − centers[j]‖² / width)`` (squared distance, divided by width).
        Any formula for the squared distance is accepted, the expansion
        ``‖x‖² − 2 x·c + ‖c‖²`` (clipped at 0) included: it loses digits only for coordinates
        far beyond the course's range (|x| up to 1e3), where the tests do not go.
    """
    ### BEGIN SOLUTION
    sq_dist = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    return np.exp(-sq_dist / width)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rbf_features_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

X = np.array([[0.0, 0.0], [1.0, 1.0]])
centers = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 2.0]])
Phi = rbf_features(X, centers, 2.0)
check_shape("rbf_features(X, centers, width) for 2 samples and 3 centres", Phi, (2, 3),
            hint="one row per sample, one column per centre")
check_dtype("rbf_features(X, centers, width)", Phi, "float64")
check_close("rbf_features on a 2x3 example with width=2", Phi,
            np.exp(-np.array([[0.0, 1.0, 8.0], [2.0, 1.0, 2.0]]) / 2.0), rtol=1e-10,
            hint="squared Euclidean distances [[0, 1, 8], [2, 1, 2]], divided by width, in exp(−…)")

# %% nbgrader={"grade": true, "grade_id": "test_rbf_features_hidden", "points": 2}
# Hidden tests of rbf_features: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_true, check_unchanged

check_close("rbf_features at squared distance = width", rbf_features(np.array([[0.0]]),
            np.array([[3.0]]), 9.0), [[np.exp(-1.0)]], rtol=1e-12,
            hint="exp(−‖x − c‖² / width): divide the squared distance by width, not 2·width, "
                 "width² or the distance itself")

rng = np.random.default_rng(1606)
cases = [(1, 1, 1, 0.5, 1.0), (6, 1, 3, 0.2, 1.0), (20, 3, 7, 2.0, 1.0), (4, 2, 9, 1.0, 1e3)]
for n, d, k, width, scale in cases:
    centers = scale + rng.normal(size=(k, d))
    X = scale + rng.normal(size=(n, d))
    X_before, centers_before = X.copy(), centers.copy()
    Phi = rbf_features(X, centers, width)
    expected = np.empty((n, k))
    for i in range(n):
        for j in range(k):
            expected[i, j] = np.exp(-((X_before[i] - centers_before[j]) ** 2).sum() / width)
    case = f"rbf_features with n={n}, d={d}, k={k}, width={width:g}, inputs of size {scale:g}"
    check_shape(case, Phi, (n, k), hint="shape (n, k): a row per sample, a column per centre")
    check_close(case, Phi, expected, rtol=1e-6, atol=1e-12,
                hint="entry (i, j) is exp(−‖X[i] − centers[j]‖² / width), the squared distance "
                     "summed over the d coordinates")
    check_unchanged(f"X after {case}", X_before, X)
    check_unchanged(f"centers after {case}", centers_before, centers)

# One centre per sample: ones on the diagonal, values in (0, 1].
X = rng.normal(size=(10, 2))
Phi = rbf_features(X, X, 0.3)
check_close("diagonal of rbf_features(X, X, width)", np.diag(Phi).copy(), np.ones(10), rtol=1e-9,
            hint="a sample at its own centre has distance 0, so the feature is exp(0) = 1")
check_true("rbf_features(X, X, width)", bool((Phi > 0).all() and (Phi <= 1 + 1e-12).all()),
           "every entry in (0, 1]", hint="exp of minus a (non-negative) squared distance")
### END HIDDEN TESTS

# %% [markdown]
# ### Kernel-style RBF regression
#
# Put **one centre on every training point** ($k = n$) and fit the weights with ridge. This is
# the lecture's "SVM-like" model: the prediction $\hat y(x) = b + \sum_j w_j \exp(-\lVert x - x_j\rVert^2/\text{width})$
# is a weighted sum of bumps sitting on the data, as in kernel methods. With $n$ features for $n$
# points it can interpolate anything, so two knobs control its flexibility:
#
# * a small `width` (a squared length: the bumps are about $\sqrt{\text{width}}$ wide) makes
#   narrow bumps: a spiky curve that follows every training point
#   (low bias, high variance); a large `width` makes broad, nearly collinear bumps: a smooth curve;
# * a large `lam` shrinks the weights towards 0 (the curve flattens to the mean): more bias, less
#   variance.

# %%
centers = x_train[:, None]  # one centre per training point
widths, lams = [1e-3, 1e-2, 1e-1], [1e-6, 1e-2, 1.0]
fig, axes = plt.subplots(len(lams), len(widths), figsize=(10.5, 6.6), sharex=True, sharey=True,
                         layout="constrained")
for row, lam in enumerate(lams):
    for col, width in enumerate(widths):
        w, b = ridge_fit(rbf_features(x_train[:, None], centers, width), y_train, lam)
        pred_val = rbf_features(x_val[:, None], centers, width) @ w + b
        plot_fit(x_train, y_train, grid,
                 {"RBF fit": rbf_features(grid[:, None], centers, width) @ w + b},
                 ax=axes[row, col],
                 title=f"width={width:g}, λ={lam:g}: val MSE {mse(y_val, pred_val):.3f}")
        axes[row, col].set_ylim(-1.6, 1.6)
        axes[row, col].get_legend().remove()
plt.show()

# %% [markdown]
# The validation error over a whole grid of both knobs shows the trade-off at once: the good
# region is a diagonal band, since a wider basis needs less penalty and a narrower one more.

# %%
width_grid, lam_grid = np.geomspace(1e-4, 1.0, 11), np.geomspace(1e-8, 10.0, 10)
val_map = np.empty((len(lam_grid), len(width_grid)))
for i, lam in enumerate(lam_grid):
    for j, width in enumerate(width_grid):
        w, b = ridge_fit(rbf_features(x_train[:, None], centers, width), y_train, lam)
        val_map[i, j] = mse(y_val, rbf_features(x_val[:, None], centers, width) @ w + b)

fig, ax = plt.subplots(figsize=(6, 4.5))
image = ax.pcolormesh(width_grid, lam_grid, np.log10(val_map), shading="nearest", cmap="viridis")
fig.colorbar(image, ax=ax, label="log10 validation MSE")
i, j = np.unravel_index(np.argmin(val_map), val_map.shape)
ax.plot(width_grid[j], lam_grid[i], "r*", ms=14)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("width (a squared length: bumps about √width wide)")
ax.set_ylabel("λ")
# the best cell named in the title, not in a legend that would cover cells of the map
ax.set_title(f"red star: lowest validation MSE, width = {width_grid[j]:.1e}, λ = {lam_grid[i]:.1e}",
             fontsize="small")
plt.show()

# %% [markdown]
# **Question (2 points).** In the kernel-style RBF model above, describe what happens to the
# training error and to the validation error (a) as `width` → 0 with a tiny `lam`, and
# (b) as `lam` → ∞. Use the words bias and variance.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_rbf_bias_variance", "points": 2}
# **Model answer.** (a) As the width goes to 0, each bump covers only its own training point:
# the feature matrix tends to the identity, the model interpolates the training targets
# (training error → 0, it fits the noise too) and predicts the constant b away from the data,
# so the curve is a set of spikes. Low bias but high variance: the fit changes completely with new noise, and the
# validation error is large. (b) As λ → ∞ the weights are shrunk to 0 and the prediction becomes
# the constant b = ȳ: training and validation errors rise to those of the constant model (about
# 0.30 and 0.69 here, the degree-0 point of the sweep in Section 6). High bias, variance near 0
# (under-fitting). The best validation error lies in between.
# 2 points: (a) interpolation/spikes, training error ↓, validation ↑, variance (1);
# (b) constant prediction, both errors high, bias (1).

# %% [markdown]
# ## 8. Gradient descent on the MSE
#
# The normal equations give the least-squares optimum in one solve. Most models of this course
# have no such formula, and are trained by **gradient descent**: start from $\theta_0$ and repeat
#
# $$\theta_{k+1} = \theta_k - \eta\, \nabla L(\theta_k),$$
#
# with the learning rate (step size) $\eta$. For the MSE,
# $\nabla L(\theta) = \frac2n \Phi^\top(\Phi\theta - y)$ (the factor 2 from the square, $\frac1n$
# from the mean). Write `ols_gradient(Phi, y, theta)`, then a generic `gradient_descent` that
# takes *any* gradient function. It returns the final parameters and the whole **path**, an
# array whose first row is $\theta_0$ and row $k$ is $\theta_k$. Do not modify `theta0`.

# %% nbgrader={"solution": true, "grade_id": "ols_gradient"}
def ols_gradient(Phi, y, theta):
    """Gradient of the mean squared error of a linear model.

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
    ndarray, shape (p,)
        ``(2/n) Phiᵀ(Phi theta − y)``, the gradient of ``(1/n)‖Phi theta − y‖²``.
    """
    ### BEGIN SOLUTION
    residual = Phi @ theta - y
    return 2.0 * Phi.T @ residual / len(y)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ols_gradient_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

rng = np.random.default_rng(0)
Phi, y, theta = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=3)
g = ols_gradient(Phi, y, theta)
check_shape("ols_gradient(Phi, y, theta) for Phi of shape (5, 3)", g, (3,),
            hint="the gradient has one entry per parameter: multiply the residual by Phiᵀ")
check_dtype("ols_gradient(Phi, y, theta)", g, "float64")
check_close("ols_gradient at the least-squares optimum",
            ols_gradient(Phi, y, np.linalg.lstsq(Phi, y, rcond=None)[0]), np.zeros(3), atol=1e-10,
            hint="the gradient vanishes where the normal equations hold")
check_close("ols_gradient with Phi=[[1]], y=[0], theta=[1]",
            ols_gradient(np.array([[1.0]]), np.array([0.0]), np.array([1.0])), [2.0], rtol=1e-12,
            hint="the derivative of (theta − 0)² is 2·theta: keep the factor 2")

# %% nbgrader={"grade": true, "grade_id": "test_ols_gradient_hidden", "points": 2}
# Hidden tests of ols_gradient: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged

rng = np.random.default_rng(1707)
for n, p, scale in [(1, 1, 1.0), (7, 2, 1.0), (50, 6, 1.0), (20, 3, 1e3)]:
    Phi, y, theta = scale * rng.normal(size=(n, p)), scale * rng.normal(size=n), rng.normal(size=p)
    Phi_before, y_before, theta_before = Phi.copy(), y.copy(), theta.copy()
    g = ols_gradient(Phi, y, theta)
    expected = 2.0 * Phi_before.T @ (Phi_before @ theta_before - y_before) / n
    case = f"ols_gradient with n={n}, p={p}, entries of size {scale:g}"
    check_shape(case, g, (p,), hint="one entry per parameter")
    check_close(case, g, expected, rtol=1e-10, atol=1e-12 * np.abs(expected).max(),
                hint="(2/n) Phiᵀ(Phi theta − y): average over the n samples, keep the factor 2 "
                     "of the square, and mind the sign (prediction minus target)")
    check_unchanged(f"Phi after {case}", Phi_before, Phi)
    check_unchanged(f"y after {case}", y_before, y)
    check_unchanged(f"theta after {case}", theta_before, theta)

# A property: centred finite differences of the MSE itself.
Phi, y, theta = rng.normal(size=(9, 3)), rng.normal(size=9), rng.normal(size=3)
loss = lambda t: ((Phi @ t - y) ** 2).mean()
numerical = np.array([(loss(theta + 1e-6 * e) - loss(theta - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
check_close("ols_gradient against finite differences of the MSE", ols_gradient(Phi, y, theta),
            numerical, rtol=1e-6, atol=1e-8,
            hint="the gradient of the mean (1/n)‖Phi theta − y‖²: factor 2/n, sign +")
### END HIDDEN TESTS

# %% nbgrader={"solution": true, "grade_id": "gradient_descent"}
def gradient_descent(grad, theta0, lr, n_iters):
    """Fixed-step gradient descent.

    Parameters
    ----------
    grad : callable
        ``grad(theta)`` returns the gradient, an ndarray of shape (p,), at ``theta`` of shape (p,).
    theta0 : ndarray, shape (p,)
        Starting point (float); it is not modified.
    lr : float
        Learning rate (step size) ``eta``.
    n_iters : int
        Number of steps ``>= 0``.

    Returns
    -------
    theta : ndarray, shape (p,)
        The last iterate, equal to ``path[-1]`` (that row or a copy of it: either is right).
    path : ndarray, shape (n_iters + 1, p)
        Every iterate: ``path[0] = theta0`` and ``path[k+1] = path[k] − lr · grad(path[k])``.
    """
    ### BEGIN SOLUTION
    theta = np.array(theta0, dtype=np.float64)  # a copy: theta0 stays as it was
    path = np.empty((n_iters + 1, theta.size))
    path[0] = theta
    for k in range(n_iters):
        theta = theta - lr * grad(theta)
        path[k + 1] = theta
    return theta, path
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gradient_descent_visible", "points": 1}
from utils.checks import check_close, check_dtype, check_shape

theta0 = np.array([1.0, -2.0])
theta, path = gradient_descent(lambda t: 2.0 * t, theta0, 0.25, 3)  # each step halves theta
check_shape("path of gradient_descent with n_iters=3 and p=2", path, (4, 2),
            hint="n_iters + 1 rows: theta0 first, then one row per step")
check_dtype("path of gradient_descent", path, "float64")
check_close("path[0] of gradient_descent", path[0], theta0, hint="the path starts with theta0")
check_close("theta of gradient_descent on f(t) = ‖t‖², lr=0.25, 3 steps", theta, theta0 / 8,
            rtol=1e-12, hint="theta ← theta − lr · grad(theta), 3 times")

# %% nbgrader={"grade": true, "grade_id": "test_gradient_descent_hidden", "points": 3}
# Hidden tests of gradient_descent: exact values on fresh inputs, edge cases and the
# conventions of its docstring. They run when your notebook is graded.
### BEGIN HIDDEN TESTS
from utils.checks import check_close, check_shape, check_unchanged

A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])  # symmetric positive definite
c = np.array([1.0, -2.0, 0.5])
quadratic_grad = lambda t: A @ t - c  # gradient of ½tᵀAt − cᵀt, a new array on every call

rng = np.random.default_rng(1808)
for n_iters, lr in [(0, 0.1), (1, 0.1), (25, 0.2)]:
    theta0 = rng.normal(size=3)
    theta0_before = theta0.copy()
    theta, path = gradient_descent(quadratic_grad, theta0, lr, n_iters)
    expected = [theta0_before.copy()]
    for _ in range(n_iters):
        expected.append(expected[-1] - lr * (A @ expected[-1] - c))
    expected = np.array(expected)
    case = f"gradient_descent with n_iters={n_iters}, lr={lr:g}"
    check_shape(f"path of {case}", path, (n_iters + 1, 3),
                hint="shape (n_iters + 1, p): theta0, then one row per step")
    check_close(f"path of {case}", path, expected, rtol=1e-10, atol=1e-12,
                hint="path[0] = theta0 and path[k+1] = path[k] − lr·grad(path[k]); store a copy "
                     "of each iterate, not the same array updated in place")
    check_close(f"theta of {case}", theta, expected[-1], rtol=1e-10, atol=1e-12,
                hint="return the last iterate")
    check_unchanged(f"theta0 after {case}", theta0_before, theta0,
                    hint="work on a copy of theta0 (theta = theta0.copy()), not theta0 itself")

# One parameter, and convergence to the minimiser with a stable step.
theta, path = gradient_descent(lambda t: 2.0 * (t - 3.0), np.array([0.0]), 0.1, 200)
check_shape("path of gradient_descent with p=1, n_iters=200", path, (201, 1),
            hint="shape (n_iters + 1, p), also for p = 1")
check_close("gradient_descent on (t − 3)² after 200 steps", theta, [3.0], rtol=1e-8,
            hint="descend: subtract lr · grad")
theta, _ = gradient_descent(quadratic_grad, np.zeros(3), 0.3, 400)
check_close("gradient_descent on a 3-D quadratic after 400 steps", theta, np.linalg.solve(A, c),
            rtol=1e-6, atol=1e-8, hint="theta ← theta − lr·grad(theta), n_iters times")
### END HIDDEN TESTS

# %% [markdown]
# ### Gradient descent at work
#
# Let us fit the straight line of Section 2 by gradient descent and watch the path on the
# contours of the MSE. The Hessian of the MSE is $H = \frac2n\Phi^\top\Phi$; on a quadratic,
# fixed-step gradient descent converges exactly when $\eta < 2/\lambda_{\max}(H)$, and the
# speed along the flattest direction is set by $\lambda_{\min}(H)$: the ratio
# $\lambda_{\max}/\lambda_{\min}$ (the condition number again) says how many steps it takes.

# %%
H = 2.0 / len(y_train) * Phi_train.T @ Phi_train
eigenvalues = np.linalg.eigvalsh(H)
lr_max = 2.0 / eigenvalues.max()
print(f"eigenvalues of H: {np.round(eigenvalues, 3)},  stable for lr < {lr_max:.3f}")

loss_line = lambda t: ((Phi_train @ t - y_train) ** 2).mean()
grad_line = lambda t: ols_gradient(Phi_train, y_train, t)
theta0 = np.array([-1.0, -1.0])
runs, stable = {}, {}
for lr in (0.1, 0.5, 0.95 * lr_max, 1.05 * lr_max):
    _, path = gradient_descent(grad_line, theta0, lr, 60)
    runs[f"lr = {lr:.2f}"] = path
    if lr < lr_max:  # the divergent path leaves the contour plot's window
        stable[f"lr = {lr:.2f}"] = path
print(f"OLS solution {np.round(theta_line, 3)};  GD after 60 steps: "
      + ", ".join(f"{k}: {np.round(p[-1], 3)}" for k, p in runs.items()))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
plot_contour_trajectories(loss_line, stable, xlim=(-1.5, 1.5), ylim=(-2.5, 0.5), ax=ax1,
                          levels=25, log_levels=True, resolution=100)
ax1.plot(*theta_line, "k*", ms=12)
ax1.set_xlabel("θ₀ (intercept b)")
ax1.set_ylabel("θ₁ (slope w)")
plot_loss_curves({k: [loss_line(t) for t in p] for k, p in runs.items()}, ax=ax2, log=True,
                 xlabel="iteration", ylabel="training MSE")
ax2.axhline(loss_line(theta_line), color="k", ls=":", lw=1)
plt.show()

# %% [markdown]
# A small step crawls along the valley; a larger one gets there faster; just below
# $2/\lambda_{\max}$ the iterates zig-zag across the valley, and just above it they
# **diverge**. Gradient descent reaches the same optimum as the normal equations, only slower:
# the price of not solving a linear system, which later chapters will be unable to write down.

# %% [markdown]
# ## 9. Explore: degree and λ
#
# The widget fits your `ridge_fit` on your `polynomial_features` (intercept kept apart, exactly as
# in Section 6) and redraws the curve and the training and validation errors as you move the
# sliders. Find the under-fitting and over-fitting corners, and the degree beyond which λ
# matters most.

# %%
app = ridge_explorer(x_train, y_train, x_val, y_val, fit=ridge_fit, features=polynomial_features,
                     error=mse)
show(app)

# %% [markdown]
# ## Summary
#
# * A linear model $\hat y = \Phi\theta$ is linear in its **parameters**; the features $\Phi$
#   (a column of ones, polynomials, RBFs) carry the non-linearity in $x$.
# * Least squares solves the normal equations $\Phi^\top\Phi\,\theta = \Phi^\top y$ (with
#   `solve`/`lstsq`, never `inv`); under Gaussian noise it is the maximum-likelihood estimate,
#   and $\sigma^2_{\text{ML}}$ is the mean squared residual (biased low).
# * High-degree polynomials make $\Phi^\top\Phi$ ill-conditioned; ridge adds $\lambda I$ (on
#   the weights, never on the intercept), which bounds the condition number at the cost of bias.
# * Flexibility (degree, RBF width, λ) trades bias for variance: the training error always falls
#   with flexibility, the validation error has a minimum; tune on validation data.
# * Gradient descent $\theta \leftarrow \theta - \eta\nabla L$ with $\nabla L = \frac2n\Phi^\top(\Phi\theta - y)$
#   reaches the same optimum when $\eta < 2/\lambda_{\max}(H)$; its speed depends on the
#   condition number. Chapter 2 replaces the fixed step by Newton's method.
