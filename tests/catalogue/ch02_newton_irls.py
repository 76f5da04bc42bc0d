"""Chapter 2 catalogue: realistic mistakes (WRONG) and right-but-different answers (RIGHT).

Each variant's ``code`` is the whole new source of the answer cell ``answer`` of
``source/ch02_newton_irls/ch02_newton_irls.ipynb``; the other answer cells keep their
solutions (so an ``irls`` variant may call the notebook's ``newton_minimize``). Every WRONG
variant loses points in ``test_<answer>_visible`` or ``test_<answer>_hidden``; every RIGHT
variant keeps every autograded point of the notebook.
"""
from textwrap import dedent

from . import Variant


def _v(answer: str, name: str, code: str) -> Variant:
    return Variant(answer=answer, name=name, code=dedent(code).strip() + "\n")


WRONG = [
    # ---- newton_minimize ------------------------------------------------------------------
    _v("newton_minimize", "step with the wrong sign: theta + H⁻¹g", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                theta = theta + step
                path.append(theta)
                if np.linalg.norm(step) < tol:
                    break
            return theta, np.array(path)
        """),
    _v("newton_minimize", "path misses theta0: only the iterates after each step", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = []
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                theta = theta - step
                path.append(theta)
                if np.linalg.norm(step) < tol:
                    break
            return theta, np.array(path).reshape(-1, theta.size)
        """),
    _v("newton_minimize", "tol ignored: always n_iters steps", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                theta = theta - np.linalg.solve(hess(theta), grad(theta))
                path.append(theta)
            return theta, np.array(path)
        """),
    _v("newton_minimize", "multiplies by the Hessian instead of solving: theta − H g", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                step = hess(theta) @ grad(theta)
                theta = theta - step
                path.append(theta)
                if np.linalg.norm(step) < tol:
                    break
            return theta, np.array(path)
        """),
    _v("newton_minimize", "updates theta0 in place (theta = theta0, then theta -= step)", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = theta0
            path = [theta.copy()]
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                theta -= step
                path.append(theta.copy())
                if np.linalg.norm(step) < tol:
                    break
            return theta, np.array(path)
        """),
    # the stopping rule: another norm than the step's Euclidean norm
    _v("newton_minimize", "stops on the squared norm of the step (step @ step < tol)", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                theta = theta - step
                path.append(theta)
                if step @ step < tol:
                    break
            return theta, np.array(path)
        """),
    _v("newton_minimize", "stops on the largest |entry| of the step (max-norm)", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                theta = theta - step
                path.append(theta)
                if np.max(np.abs(step)) < tol:
                    break
            return theta, np.array(path)
        """),
    _v("newton_minimize", "stops on the sum of |entries| of the step (L1 norm)", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                theta = theta - step
                path.append(theta)
                if np.sum(np.abs(step)) < tol:
                    break
            return theta, np.array(path)
        """),
    _v("newton_minimize", "stops on the gradient's norm at the new iterate, not the step's", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                theta = theta - np.linalg.solve(hess(theta), grad(theta))
                path.append(theta)
                if np.linalg.norm(grad(theta)) < tol:
                    break
            return theta, np.array(path)
        """),
    # steps that overshoot: a safer, damped method is not Newton's
    _v("newton_minimize", "step length clipped to at most 1 (a trust region)", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                length = np.linalg.norm(step)
                if length > 1.0:
                    step = step / length
                theta = theta - step
                path.append(theta)
                if length < tol:
                    break
            return theta, np.array(path)
        """),
    _v("newton_minimize", "'safeguarded': halves the step while the gradient's norm would grow", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=float)
            path = [theta.copy()]
            for _ in range(n_iters):
                g = grad(theta)
                delta = np.linalg.solve(hess(theta), g)
                for _ in range(30):
                    if np.linalg.norm(grad(theta - delta)) <= np.linalg.norm(g):
                        break
                    delta = delta / 2.0
                theta = theta - delta
                path.append(theta.copy())
                if np.linalg.norm(delta) < tol:
                    break
            return theta, np.array(path)
        """),
    _v("newton_minimize", "default n_iters=100 instead of 50", """
        def newton_minimize(grad, hess, theta0, n_iters=100, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                theta = theta - step
                path.append(theta)
                if np.linalg.norm(step) < tol:
                    break
            return theta, np.array(path)
        """),
    # ---- least_squares_grad_hess ----------------------------------------------------------
    _v("least_squares_grad_hess", "Hessian without the factor 2: (1/n) PhiᵀPhi", """
        def least_squares_grad_hess(Phi, y, theta):
            n = Phi.shape[0]
            return 2.0 / n * Phi.T @ (Phi @ theta - y), Phi.T @ Phi / n
        """),
    _v("least_squares_grad_hess", "sums instead of means: no 1/n in g nor in H", """
        def least_squares_grad_hess(Phi, y, theta):
            return 2.0 * Phi.T @ (Phi @ theta - y), 2.0 * Phi.T @ Phi
        """),
    _v("least_squares_grad_hess", "gradient sign flipped: residual y − Phi theta", """
        def least_squares_grad_hess(Phi, y, theta):
            n = Phi.shape[0]
            return 2.0 / n * Phi.T @ (y - Phi @ theta), 2.0 / n * Phi.T @ Phi
        """),
    _v("least_squares_grad_hess", "Hessian of the wrong shape: Phi Phiᵀ (n × n)", """
        def least_squares_grad_hess(Phi, y, theta):
            n = Phi.shape[0]
            return 2.0 / n * Phi.T @ (Phi @ theta - y), 2.0 / n * Phi @ Phi.T
        """),
    # ---- logistic_nll ---------------------------------------------------------------------
    _v("logistic_nll", "log of a naive sigmoid: log(0) and overflow at large logits", """
        def logistic_nll(X, y, theta):
            p = 1.0 / (1.0 + np.exp(-(X @ theta)))
            return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
        """),
    _v("logistic_nll", "log1p(exp(z)) − y z: exp overflows at z = 1000", """
        def logistic_nll(X, y, theta):
            z = X @ theta
            return float(np.mean(np.log1p(np.exp(z)) - y * z))
        """),
    _v("logistic_nll", "stable sigmoid, then p clipped to [1e-12, 1 − 1e-12]: wrong at large logits", """
        from scipy.special import expit

        def logistic_nll(X, y, theta):
            p = np.clip(expit(X @ theta), 1e-12, 1.0 - 1e-12)
            return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
        """),
    _v("logistic_nll", "sum over the samples instead of the mean", """
        def logistic_nll(X, y, theta):
            z = X @ theta
            return float(np.sum(np.logaddexp(0.0, z) - y * z))
        """),
    # ---- logistic_grad_hess ---------------------------------------------------------------
    _v("logistic_grad_hess", "weights p instead of p(1 − p) in the Hessian", """
        from scipy.special import expit

        def logistic_grad_hess(X, y, theta):
            n = X.shape[0]
            p = expit(X @ theta)
            return X.T @ (p - y) / n, X.T @ (X * p[:, None]) / n
        """),
    _v("logistic_grad_hess", "Hessian without the 1/n of the mean (gradient with it)", """
        from scipy.special import expit

        def logistic_grad_hess(X, y, theta):
            p = expit(X @ theta)
            s = p * (1.0 - p)
            return X.T @ (p - y) / X.shape[0], X.T @ (X * s[:, None])
        """),
    _v("logistic_grad_hess", "naive sigmoid 1/(1 + exp(−z)): overflow warning at z = −1000", """
        def logistic_grad_hess(X, y, theta):
            n = X.shape[0]
            p = 1.0 / (1.0 + np.exp(-(X @ theta)))
            s = p * (1.0 - p)
            return X.T @ (p - y) / n, X.T @ (X * s[:, None]) / n
        """),
    _v("logistic_grad_hess", "builds S = np.diag(p(1 − p)), an n × n matrix", """
        from scipy.special import expit

        def logistic_grad_hess(X, y, theta):
            n = X.shape[0]
            p = expit(X @ theta)
            S = np.diag(p * (1.0 - p))
            return X.T @ (p - y) / n, X.T @ S @ X / n
        """),
    _v("logistic_grad_hess", "gradient sign flipped: (1/n) Xᵀ(y − p)", """
        from scipy.special import expit

        def logistic_grad_hess(X, y, theta):
            n = X.shape[0]
            p = expit(X @ theta)
            s = p * (1.0 - p)
            return X.T @ (y - p) / n, X.T @ (X * s[:, None]) / n
        """),
    # ---- irls -----------------------------------------------------------------------------
    _v("irls", "nll_path off by one: the objective after each step, iterate 0 missing", """
        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            p = X.shape[1]
            grad = lambda t: logistic_grad_hess(X, y, t)[0] + l2 * t
            hess = lambda t: logistic_grad_hess(X, y, t)[1] + l2 * np.eye(p)
            theta, path = newton_minimize(grad, hess, np.zeros(p), n_iters=n_iters, tol=tol)
            return theta, np.array([logistic_nll(X, y, t) + 0.5 * l2 * t @ t for t in path[1:]])
        """),
    _v("irls", "l2 added to the gradient but not to the Hessian", """
        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            p = X.shape[1]
            grad = lambda t: logistic_grad_hess(X, y, t)[0] + l2 * t
            hess = lambda t: logistic_grad_hess(X, y, t)[1]
            theta, path = newton_minimize(grad, hess, np.zeros(p), n_iters=n_iters, tol=tol)
            return theta, np.array([logistic_nll(X, y, t) + 0.5 * l2 * t @ t for t in path])
        """),
    _v("irls", "l2 added to the Hessian but not to the gradient", """
        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            p = X.shape[1]
            grad = lambda t: logistic_grad_hess(X, y, t)[0]
            hess = lambda t: logistic_grad_hess(X, y, t)[1] + l2 * np.eye(p)
            theta, path = newton_minimize(grad, hess, np.zeros(p), n_iters=n_iters, tol=tol)
            return theta, np.array([logistic_nll(X, y, t) + 0.5 * l2 * t @ t for t in path])
        """),
    _v("irls", "penalty l2‖θ‖² instead of (l2/2)‖θ‖²: gradient 2·l2·θ, Hessian 2·l2·I", """
        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            p = X.shape[1]
            grad = lambda t: logistic_grad_hess(X, y, t)[0] + 2.0 * l2 * t
            hess = lambda t: logistic_grad_hess(X, y, t)[1] + 2.0 * l2 * np.eye(p)
            theta, path = newton_minimize(grad, hess, np.zeros(p), n_iters=n_iters, tol=tol)
            return theta, np.array([logistic_nll(X, y, t) + l2 * t @ t for t in path])
        """),
    _v("irls", "tol ignored: always n_iters Newton steps", """
        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            p = X.shape[1]
            theta = np.zeros(p)
            values = [logistic_nll(X, y, theta)]
            for _ in range(n_iters):
                g, H = logistic_grad_hess(X, y, theta)
                theta = theta - np.linalg.solve(H + l2 * np.eye(p), g + l2 * theta)
                values.append(logistic_nll(X, y, theta) + 0.5 * l2 * theta @ theta)
            return theta, np.array(values)
        """),
    _v("irls", "default n_iters=50 instead of 30", """
        def irls(X, y, n_iters=50, tol=1e-8, l2=0.0):
            p = X.shape[1]
            grad = lambda t: logistic_grad_hess(X, y, t)[0] + l2 * t
            hess = lambda t: logistic_grad_hess(X, y, t)[1] + l2 * np.eye(p)
            theta, path = newton_minimize(grad, hess, np.zeros(p), n_iters=n_iters, tol=tol)
            return theta, np.array([logistic_nll(X, y, t) + 0.5 * l2 * t @ t for t in path])
        """),
    _v("irls", "penalty left out of nll_path (the plain NLL recorded)", """
        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            p = X.shape[1]
            grad = lambda t: logistic_grad_hess(X, y, t)[0] + l2 * t
            hess = lambda t: logistic_grad_hess(X, y, t)[1] + l2 * np.eye(p)
            theta, path = newton_minimize(grad, hess, np.zeros(p), n_iters=n_iters, tol=tol)
            return theta, np.array([logistic_nll(X, y, t) for t in path])
        """),
]


RIGHT = [
    # ---- newton_minimize ------------------------------------------------------------------
    _v("newton_minimize", "explicit inverse of the Hessian (discouraged, but right)", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = theta0.astype(float)
            path = [theta]
            for _ in range(n_iters):
                step = np.linalg.inv(hess(theta)) @ grad(theta)
                theta = theta - step
                path.append(theta)
                if np.linalg.norm(step) < tol:
                    break
            return theta, np.stack(path)
        """),
    _v("newton_minimize", "np.linalg.lstsq for the step", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=float)
            path = [theta.copy()]
            for _ in range(n_iters):
                step = np.linalg.lstsq(hess(theta), grad(theta), rcond=None)[0]
                theta -= step
                path.append(theta.copy())
                if np.sqrt(np.sum(step ** 2)) < tol:
                    break
            return theta, np.array(path)
        """),
    _v("newton_minimize", "tests the step's norm before taking it (the last tiny step is dropped)", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            theta = np.array(theta0, dtype=np.float64)
            path = [theta]
            for _ in range(n_iters):
                step = np.linalg.solve(hess(theta), grad(theta))
                if np.linalg.norm(step) < tol:
                    break
                theta = theta - step
                path.append(theta)
            return theta, np.array(path)
        """),
    _v("newton_minimize", "preallocated path, cut to the steps taken", """
        def newton_minimize(grad, hess, theta0, n_iters=50, tol=1e-10):
            path = np.empty((n_iters + 1, len(theta0)))
            path[0] = theta0
            k = 0
            while k < n_iters:
                step = np.linalg.solve(hess(path[k]), grad(path[k]))
                path[k + 1] = path[k] - step
                k += 1
                if np.linalg.norm(step) < tol:
                    break
            return path[k].copy(), path[:k + 1]
        """),
    # ---- least_squares_grad_hess ----------------------------------------------------------
    _v("least_squares_grad_hess", "einsum, with the residual expanded", """
        def least_squares_grad_hess(Phi, y, theta):
            n = len(y)
            H = 2.0 * np.einsum("ni,nj->ij", Phi, Phi) / n
            return H @ theta - 2.0 * Phi.T @ y / n, H
        """),
    _v("least_squares_grad_hess", "mean of the per-sample gradients and Hessians", """
        def least_squares_grad_hess(Phi, y, theta):
            r = Phi @ theta - y
            g = np.mean(2.0 * r[:, None] * Phi, axis=0)
            H = np.mean(2.0 * Phi[:, :, None] * Phi[:, None, :], axis=0)
            return g, H
        """),
    # ---- logistic_nll ---------------------------------------------------------------------
    _v("logistic_nll", "scipy.special.log_expit in the cross-entropy form", """
        from scipy.special import log_expit

        def logistic_nll(X, y, theta):
            z = X @ theta
            return float(-np.mean(y * log_expit(z) + (1 - y) * log_expit(-z)))
        """),
    _v("logistic_nll", "piecewise softplus max(z, 0) + log1p(exp(−|z|))", """
        def logistic_nll(X, y, theta):
            z = X @ theta
            softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
            return float(np.mean(softplus - y * z))
        """),
    _v("logistic_nll", "np.logaddexp per label, returned as np.float64", """
        def logistic_nll(X, y, theta):
            z = X @ theta
            return np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
        """),
    # ---- logistic_grad_hess ---------------------------------------------------------------
    _v("logistic_grad_hess", "scipy.special.expit and rows scaled by the weights", """
        from scipy.special import expit

        def logistic_grad_hess(X, y, theta):
            n = len(y)
            p = expit(X @ theta)
            return X.T @ (p - y) / n, (X * (p * (1 - p))[:, None]).T @ X / n
        """),
    _v("logistic_grad_hess", "einsum Hessian", """
        from scipy.special import expit

        def logistic_grad_hess(X, y, theta):
            n = len(y)
            p = expit(X @ theta)
            H = np.einsum("ni,n,nj->ij", X, p * (1 - p), X) / n
            return np.einsum("ni,n->i", X, p - y) / n, H
        """),
    _v("logistic_grad_hess", "square-root weights: (√s X)ᵀ(√s X), tanh sigmoid", """
        def logistic_grad_hess(X, y, theta):
            n = X.shape[0]
            p = 0.5 * (1.0 + np.tanh(0.5 * (X @ theta)))
            Xw = X * np.sqrt(p * (1.0 - p))[:, None]
            return X.T @ (p - y) / n, Xw.T @ Xw / n
        """),
    _v("logistic_grad_hess", "weights σ(z)σ(−z) instead of p(1 − p) (both named in the docstring)", """
        def logistic_grad_hess(X, y, theta):
            z = X @ theta
            p = np.exp(-np.logaddexp(0.0, -z))
            s = p * np.exp(-np.logaddexp(0.0, z))
            return X.T @ (p - y) / len(y), X.T @ (s[:, None] * X) / len(y)
        """),
    _v("logistic_grad_hess", "a loop accumulating weighted outer products", """
        from scipy.special import expit

        def logistic_grad_hess(X, y, theta):
            n, d = X.shape
            p = expit(X @ theta)
            H = np.zeros((d, d))
            for x_i, p_i in zip(X, p):
                H += p_i * (1 - p_i) * np.outer(x_i, x_i)
            return X.T @ (p - y) / n, H / n
        """),
    # ---- irls -----------------------------------------------------------------------------
    _v("irls", "working-response form: weighted normal equations (XᵀSX/n + l2 I) θ = XᵀS r/n", """
        from scipy.special import expit

        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            n, d = X.shape
            theta = np.zeros(d)
            objective = lambda t: np.mean(np.logaddexp(0, X @ t) - y * (X @ t)) + 0.5 * l2 * t @ t
            values = [objective(theta)]
            for _ in range(n_iters):
                z = X @ theta
                p = expit(z)
                s = p * (1 - p)
                r = z + (y - p) / s                      # the working response
                A = X.T @ (X * s[:, None]) / n + l2 * np.eye(d)
                new_theta = np.linalg.solve(A, X.T @ (s * r) / n)
                step_norm = np.linalg.norm(new_theta - theta)
                theta = new_theta
                values.append(objective(theta))
                if step_norm < tol:
                    break
            return theta, np.array(values)
        """),
    _v("irls", "weighted least squares by lstsq on √S-scaled rows, penalty as extra rows", """
        from scipy.special import expit

        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            n, d = X.shape
            theta = np.zeros(d)
            values = [logistic_nll(X, y, theta)]
            for _ in range(n_iters):
                z = X @ theta
                p = expit(z)
                w = np.sqrt(p * (1 - p))
                A = np.vstack([X * w[:, None], np.sqrt(n * l2) * np.eye(d)])
                b = np.concatenate([w * z + (y - p) / w, np.zeros(d)])
                new_theta = np.linalg.lstsq(A, b, rcond=None)[0]
                step = new_theta - theta
                theta = new_theta
                values.append(logistic_nll(X, y, theta) + l2 / 2 * np.sum(theta ** 2))
                if np.linalg.norm(step) < tol:
                    break
            return theta, np.array(values)
        """),
    _v("irls", "own Newton loop with an explicit inverse, testing the step before taking it", """
        def irls(X, y, n_iters=30, tol=1e-8, l2=0.0):
            d = X.shape[1]
            theta = np.zeros(d)
            values = [logistic_nll(X, y, theta)]
            for _ in range(n_iters):
                g, H = logistic_grad_hess(X, y, theta)
                step = np.linalg.inv(H + l2 * np.eye(d)) @ (g + l2 * theta)
                if np.linalg.norm(step) < tol:
                    break
                theta = theta - step
                values.append(logistic_nll(X, y, theta) + 0.5 * l2 * theta @ theta)
            return theta, np.array(values)
        """),
]
