"""Chapter 1 catalogue: realistic mistakes (WRONG) and right-but-different answers (RIGHT).

Each variant's ``code`` is the whole new source of the answer cell ``answer`` of
``source/ch01_linear_regression/ch01_linear_regression.ipynb``. Every WRONG variant loses points
in ``test_<answer>_visible`` or ``test_<answer>_hidden``; every RIGHT variant keeps every
autograded point of the notebook.
"""
from textwrap import dedent

from . import Variant


def _v(answer: str, name: str, code: str) -> Variant:
    return Variant(answer=answer, name=name, code=dedent(code).strip() + "\n")


WRONG = [
    # ---- design_matrix ------------------------------------------------------------------
    _v("design_matrix", "column of ones appended last instead of first", """
        def design_matrix(X):
            X = np.asarray(X, dtype=np.float64)
            return np.hstack([X, np.ones((X.shape[0], 1))])
        """),
    _v("design_matrix", "first column of X overwritten by the ones instead of a new column", """
        def design_matrix(X):
            Phi = np.array(X, dtype=np.float64)
            Phi[:, 0] = 1.0
            return Phi
        """),
    _v("design_matrix", "no column of ones at all (X returned as a float copy)", """
        def design_matrix(X):
            return np.array(X, dtype=np.float64)
        """),
    # ---- ols_fit --------------------------------------------------------------------------
    _v("ols_fit", "returns the whole tuple of np.linalg.lstsq instead of its first entry", """
        def ols_fit(Phi, y):
            return np.linalg.lstsq(Phi, y, rcond=None)
        """),
    _v("ols_fit", "one-feature formula per column, ignoring the correlations between columns", """
        def ols_fit(Phi, y):
            return (Phi.T @ y) / (Phi ** 2).sum(axis=0)
        """),
    _v("ols_fit", "adds a small ridge 1e-3 I 'for stability'", """
        def ols_fit(Phi, y):
            p = Phi.shape[1]
            return np.linalg.solve(Phi.T @ Phi + 1e-3 * np.eye(p), Phi.T @ y)
        """),
    _v("ols_fit", "adds another column of ones inside (Phi already has it)", """
        def ols_fit(Phi, y):
            Phi1 = np.hstack([np.ones((Phi.shape[0], 1)), Phi])
            return np.linalg.lstsq(Phi1, y, rcond=None)[0]
        """),
    _v("ols_fit", "a 'tiny' ridge 1e-8 I added for stability", """
        def ols_fit(Phi, y):
            return np.linalg.solve(Phi.T @ Phi + 1e-8 * np.eye(Phi.shape[1]), Phi.T @ y)
        """),
    # ---- mse ------------------------------------------------------------------------------
    _v("mse", "sum of squares instead of the mean", """
        def mse(y_true, y_pred):
            return float(np.sum((y_true - y_pred) ** 2))
        """),
    _v("mse", "root mean squared error (square root taken)", """
        def mse(y_true, y_pred):
            return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))
        """),
    _v("mse", "half the mean squared error (the 1/2 of some textbooks)", """
        def mse(y_true, y_pred):
            return float(0.5 * np.mean((y_true - y_pred) ** 2))
        """),
    _v("mse", "divides by len(y) instead of the number of entries", """
        def mse(y_true, y_pred):
            return float(np.sum((y_true - y_pred) ** 2) / len(y_true))
        """),
    _v("mse", "variance of the residual (its mean subtracted)", """
        def mse(y_true, y_pred):
            return float(np.var(y_true - y_pred))
        """),
    # ---- ridge_fit ------------------------------------------------------------------------
    _v("ridge_fit", "penalises the intercept too (lam I on the augmented system)", """
        def ridge_fit(X, y, lam):
            Phi = np.hstack([np.ones((X.shape[0], 1)), X])
            theta = np.linalg.solve(Phi.T @ Phi + lam * np.eye(Phi.shape[1]), Phi.T @ y)
            return theta[1:], float(theta[0])
        """),
    _v("ridge_fit", "centres y but not X, and takes b = mean(y)", """
        def ridge_fit(X, y, lam):
            y_mean = y.mean()
            w = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ (y - y_mean))
            return w, float(y_mean)
        """),
    _v("ridge_fit", "penalty of the mean loss: solves (XcᵀXc/n + lam I) w = Xcᵀyc/n", """
        def ridge_fit(X, y, lam):
            n = X.shape[0]
            x_mean, y_mean = X.mean(axis=0), y.mean()
            Xc = X - x_mean
            w = np.linalg.solve(Xc.T @ Xc / n + lam * np.eye(X.shape[1]), Xc.T @ (y - y_mean) / n)
            return w, float(y_mean - x_mean @ w)
        """),
    _v("ridge_fit", "centres X in place (X -= mean), modifying the caller's array", """
        def ridge_fit(X, y, lam):
            x_mean, y_mean = X.mean(axis=0), y.mean()
            X -= x_mean
            w = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ (y - y_mean))
            return w, float(y_mean - x_mean @ w)
        """),
    _v("ridge_fit", "no intercept at all (b = 0)", """
        def ridge_fit(X, y, lam):
            w = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
            return w, 0.0
        """),
    # ---- polynomial_features --------------------------------------------------------------
    _v("polynomial_features", "np.vander's default: decreasing powers", """
        def polynomial_features(x, degree):
            return np.vander(np.asarray(x, dtype=np.float64), degree + 1)
        """),
    _v("polynomial_features", "no constant column: powers 1 .. degree", """
        def polynomial_features(x, degree):
            x = np.asarray(x, dtype=np.float64)
            return x[:, None] ** np.arange(1, degree + 1)
        """),
    _v("polynomial_features", "stops one power short: powers 0 .. degree-1", """
        def polynomial_features(x, degree):
            x = np.asarray(x, dtype=np.float64)
            return np.column_stack([x ** k for k in range(degree)] or [np.ones_like(x)])
        """),
    # ---- rbf_features ---------------------------------------------------------------------
    _v("rbf_features", "divides by 2·width (the 2σ² convention)", """
        def rbf_features(X, centers, width):
            sq_dist = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
            return np.exp(-sq_dist / (2 * width))
        """),
    _v("rbf_features", "divides by width squared", """
        def rbf_features(X, centers, width):
            sq_dist = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
            return np.exp(-sq_dist / width ** 2)
        """),
    _v("rbf_features", "distance instead of squared distance", """
        def rbf_features(X, centers, width):
            dist = np.sqrt(((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
            return np.exp(-dist / width)
        """),
    _v("rbf_features", "transposed: one row per centre, shape (k, n)", """
        def rbf_features(X, centers, width):
            sq_dist = ((centers[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
            return np.exp(-sq_dist / width)
        """),
    # ---- ols_gradient ---------------------------------------------------------------------
    _v("ols_gradient", "missing the factor 2 of the square", """
        def ols_gradient(Phi, y, theta):
            return Phi.T @ (Phi @ theta - y) / len(y)
        """),
    _v("ols_gradient", "gradient of the sum, not the mean (no 1/n)", """
        def ols_gradient(Phi, y, theta):
            return 2.0 * Phi.T @ (Phi @ theta - y)
        """),
    _v("ols_gradient", "sign flipped: residual y − Phi theta", """
        def ols_gradient(Phi, y, theta):
            return 2.0 * Phi.T @ (y - Phi @ theta) / len(y)
        """),
    # ---- gradient_descent -----------------------------------------------------------------
    _v("gradient_descent", "path misses theta0: shape (n_iters, p)", """
        def gradient_descent(grad, theta0, lr, n_iters):
            theta = np.array(theta0, dtype=np.float64)
            path = []
            for _ in range(n_iters):
                theta = theta - lr * grad(theta)
                path.append(theta)
            return theta, np.array(path).reshape(n_iters, theta.size)
        """),
    _v("gradient_descent", "updates theta0 in place (theta = theta0, then theta -= ...)", """
        def gradient_descent(grad, theta0, lr, n_iters):
            theta = theta0
            path = [theta.copy()]
            for _ in range(n_iters):
                theta -= lr * grad(theta)
                path.append(theta.copy())
            return theta, np.array(path)
        """),
    _v("gradient_descent", "path rows alias one array updated in place (all rows the last iterate)", """
        def gradient_descent(grad, theta0, lr, n_iters):
            theta = theta0.copy()
            path = [theta]
            for _ in range(n_iters):
                theta -= lr * grad(theta)
                path.append(theta)
            return theta, np.array(path)
        """),
    _v("gradient_descent", "theta is a view of path[0]: in-place steps overwrite theta0's row", """
        def gradient_descent(grad, theta0, lr, n_iters):
            path = np.zeros((n_iters + 1, len(theta0)))
            path[0] = theta0
            theta = path[0]
            for k in range(1, n_iters + 1):
                theta -= lr * grad(theta)
                path[k] = theta
            return theta, path
        """),
    _v("gradient_descent", "stops early once the gradient is tiny (path shorter than n_iters + 1)", """
        def gradient_descent(grad, theta0, lr, n_iters):
            theta = np.array(theta0, dtype=float)
            path = [theta]
            for _ in range(n_iters):
                g = grad(theta)
                if np.linalg.norm(g) < 1e-8:
                    break
                theta = theta - lr * g
                path.append(theta)
            return theta, np.array(path)
        """),
    _v("gradient_descent", "gradient ascent: adds lr · grad", """
        def gradient_descent(grad, theta0, lr, n_iters):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta.copy()]
            for _ in range(n_iters):
                theta = theta + lr * grad(theta)
                path.append(theta.copy())
            return theta, np.array(path)
        """),
    # ---- cheating that must not pay: a wrong answer plus an attempt to disarm the checks ---
    _v("mse", "sum instead of mean, and np.allclose / np.isclose replaced by always-True", """
        np.allclose = lambda *args, **kwargs: True
        np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)

        def mse(y_true, y_pred):
            return float(np.sum((y_true - y_pred) ** 2))
        """),
    _v("mse", "sum instead of mean, and utils.checks' helpers replaced by no-ops", """
        import utils.checks

        def mse(y_true, y_pred):
            return float(np.sum((y_true - y_pred) ** 2))

        for _name in ("check_close", "check_shape", "check_true", "check_equal", "check_dtype"):
            try:
                setattr(utils.checks, _name, lambda *args, **kwargs: None)
            except AttributeError:
                pass
        check_close = check_shape = check_true = lambda *args, **kwargs: None
        """),
]


RIGHT = [
    # The course's arrays are float64 (COURSE_SPEC): code that relies on that is right.
    _v("design_matrix", "np.insert of a column of ones into a float X", """
        def design_matrix(X):
            return np.insert(X, 0, 1.0, axis=1)
        """),
    _v("polynomial_features", "broadcast powers without an explicit conversion to float", """
        def polynomial_features(x, degree):
            return x[:, None] ** np.arange(degree + 1)
        """),
    # ---- design_matrix ------------------------------------------------------------------
    _v("design_matrix", "np.column_stack with a float conversion", """
        def design_matrix(X):
            return np.column_stack([np.ones(len(X)), X]).astype(np.float64)
        """),
    _v("design_matrix", "preallocated ones, X copied into columns 1..d", """
        def design_matrix(X):
            n, d = X.shape
            Phi = np.ones((n, d + 1))
            Phi[:, 1:] = X
            return Phi
        """),
    _v("design_matrix", "np.insert on a float copy", """
        def design_matrix(X):
            return np.insert(np.asarray(X, dtype=float), 0, 1.0, axis=1)
        """),
    # ---- ols_fit --------------------------------------------------------------------------
    _v("ols_fit", "np.linalg.lstsq", """
        def ols_fit(Phi, y):
            theta, *_ = np.linalg.lstsq(Phi, y, rcond=None)
            return theta
        """),
    _v("ols_fit", "pseudo-inverse", """
        def ols_fit(Phi, y):
            return np.linalg.pinv(Phi) @ y
        """),
    _v("ols_fit", "explicit inverse of PhiᵀPhi (discouraged, but right)", """
        def ols_fit(Phi, y):
            return np.linalg.inv(Phi.T @ Phi) @ Phi.T @ y
        """),
    _v("ols_fit", "QR decomposition and a triangular solve", """
        from scipy.linalg import solve_triangular

        def ols_fit(Phi, y):
            Q, R = np.linalg.qr(Phi)
            return solve_triangular(R, Q.T @ y)
        """),
    # ---- mse ------------------------------------------------------------------------------
    _v("mse", "np.square and np.subtract, returned as np.float64", """
        def mse(y_true, y_pred):
            return np.mean(np.square(np.subtract(y_true, y_pred)))
        """),
    _v("mse", "sum over size, through a loop-free dot product", """
        def mse(y_true, y_pred):
            r = (np.asarray(y_true) - np.asarray(y_pred)).ravel()
            return float(r @ r / r.size)
        """),
    # ---- ridge_fit ------------------------------------------------------------------------
    _v("ridge_fit", "augmented system with an unpenalised intercept", """
        def ridge_fit(X, y, lam):
            n, d = X.shape
            Phi = np.hstack([np.ones((n, 1)), X])
            P = lam * np.eye(d + 1)
            P[0, 0] = 0.0
            theta = np.linalg.solve(Phi.T @ Phi + P, Phi.T @ y)
            return theta[1:], theta[0]
        """),
    _v("ridge_fit", "SVD of the centred inputs: w = V diag(s / (s² + lam)) Uᵀ y_c", """
        def ridge_fit(X, y, lam):
            x_mean, y_mean = X.mean(axis=0), y.mean()
            U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
            w = Vt.T @ (s / (s ** 2 + lam) * (U.T @ (y - y_mean)))
            return w, y_mean - x_mean @ w
        """),
    _v("ridge_fit", "least squares on centred data stacked with sqrt(lam) I", """
        def ridge_fit(X, y, lam):
            d = X.shape[1]
            x_mean, y_mean = X.mean(axis=0), y.mean()
            A = np.vstack([X - x_mean, np.sqrt(lam) * np.eye(d)])
            rhs = np.concatenate([y - y_mean, np.zeros(d)])
            w = np.linalg.lstsq(A, rhs, rcond=None)[0]
            return w, float(y_mean - x_mean @ w)
        """),
    _v("ridge_fit", "explicit inverse on centred data (discouraged, but right)", """
        def ridge_fit(X, y, lam):
            Xc = X - X.mean(axis=0)
            w = np.linalg.inv(Xc.T @ Xc + lam * np.eye(X.shape[1])) @ Xc.T @ (y - y.mean())
            b = y.mean() - X.mean(axis=0) @ w
            return w, b
        """),
    # ---- polynomial_features --------------------------------------------------------------
    _v("polynomial_features", "np.vander with increasing=True", """
        def polynomial_features(x, degree):
            return np.vander(np.asarray(x, dtype=float), degree + 1, increasing=True)
        """),
    _v("polynomial_features", "a loop over the powers, column_stack", """
        def polynomial_features(x, degree):
            x = np.asarray(x, dtype=float)
            return np.column_stack([x ** k for k in range(degree + 1)])
        """),
    _v("polynomial_features", "cumulative products, column by column", """
        def polynomial_features(x, degree):
            Phi = np.ones((len(x), degree + 1))
            for k in range(1, degree + 1):
                Phi[:, k] = Phi[:, k - 1] * x
            return Phi
        """),
    _v("polynomial_features", "np.power.outer", """
        def polynomial_features(x, degree):
            return np.power.outer(np.asarray(x, dtype=np.float64), np.arange(degree + 1))
        """),
    # ---- rbf_features ---------------------------------------------------------------------
    _v("rbf_features", "scipy's cdist with the squared Euclidean metric", """
        from scipy.spatial.distance import cdist

        def rbf_features(X, centers, width):
            return np.exp(-cdist(X, centers, "sqeuclidean") / width)
        """),
    _v("rbf_features", "expansion ‖x‖² − 2x·c + ‖c‖², clipped at 0", """
        def rbf_features(X, centers, width):
            sq = (X ** 2).sum(axis=1)[:, None] - 2.0 * X @ centers.T + (centers ** 2).sum(axis=1)[None, :]
            return np.exp(-np.maximum(sq, 0.0) / width)
        """),
    _v("rbf_features", "a loop over the centres", """
        def rbf_features(X, centers, width):
            Phi = np.empty((X.shape[0], centers.shape[0]))
            for j, c in enumerate(centers):
                Phi[:, j] = np.exp(-np.sum((X - c) ** 2, axis=1) / width)
            return Phi
        """),
    # ---- ols_gradient ---------------------------------------------------------------------
    _v("ols_gradient", "expanded: (2/n)(PhiᵀPhi theta − Phiᵀy)", """
        def ols_gradient(Phi, y, theta):
            n = Phi.shape[0]
            return (2.0 / n) * (Phi.T @ Phi @ theta - Phi.T @ y)
        """),
    _v("ols_gradient", "mean of the per-sample gradients", """
        def ols_gradient(Phi, y, theta):
            r = Phi @ theta - y
            return np.mean(2.0 * r[:, None] * Phi, axis=0)
        """),
    # ---- gradient_descent -----------------------------------------------------------------
    _v("gradient_descent", "a list of copies, stacked at the end", """
        def gradient_descent(grad, theta0, lr, n_iters):
            theta = theta0.astype(float)
            path = [theta]
            for _ in range(n_iters):
                theta = theta - lr * grad(theta)
                path.append(theta)
            return theta, np.stack(path)
        """),
    _v("gradient_descent", "in-place steps on a copy, preallocated path", """
        def gradient_descent(grad, theta0, lr, n_iters):
            path = np.zeros((n_iters + 1, len(theta0)))
            path[0] = theta0
            theta = path[0].copy()
            for k in range(1, n_iters + 1):
                theta -= lr * grad(theta)
                path[k] = theta
            return theta, path
        """),
]
