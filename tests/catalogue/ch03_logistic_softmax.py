"""Chapter 3 catalogue: realistic mistakes (WRONG) and right-but-different answers (RIGHT).

Each variant's ``code`` is the whole new source of the answer cell ``answer`` of
``source/ch03_logistic_softmax/ch03_logistic_softmax.ipynb``. Every WRONG variant loses points
in ``test_<answer>_visible`` or ``test_<answer>_hidden``; every RIGHT variant keeps every
autograded point of the notebook.
"""
from textwrap import dedent

from . import Variant


def _v(answer: str, name: str, code: str) -> Variant:
    return Variant(answer=answer, name=name, code=dedent(code).strip() + "\n")


WRONG = [
    # ---- sigmoid ------------------------------------------------------------------------
    _v("sigmoid", "naive 1/(1 + exp(−z)): overflow warning at z = −1000", """
        def sigmoid(z):
            return 1.0 / (1.0 + np.exp(-z))
        """),
    _v("sigmoid", "exp(z)/(1 + exp(z)): inf/inf = nan at z = 1000", """
        def sigmoid(z):
            return np.exp(z) / (1.0 + np.exp(z))
        """),
    _v("sigmoid", "stable, but the branches swapped: returns sigmoid(−z)", """
        def sigmoid(z):
            e = np.exp(-np.abs(z))
            return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
        """),
    # ---- binary_cross_entropy -------------------------------------------------------------
    _v("binary_cross_entropy", "no clipping: log(0) for p in {0, 1}", """
        def binary_cross_entropy(y, p, eps=1e-12):
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        """),
    _v("binary_cross_entropy", "summed over the samples, not averaged", """
        def binary_cross_entropy(y, p, eps=1e-12):
            p = np.clip(p, eps, 1 - eps)
            return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
        """),
    _v("binary_cross_entropy", "clips p in place, modifying the caller's array", """
        def binary_cross_entropy(y, p, eps=1e-12):
            np.clip(p, eps, 1 - eps, out=p)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        """),
    _v("binary_cross_entropy", "ignores the eps argument (a fixed 1e-12)", """
        def binary_cross_entropy(y, p, eps=1e-12):
            p = np.clip(p, 1e-12, 1 - 1e-12)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        """),
    # ---- logistic_loss_grad ---------------------------------------------------------------
    _v("binary_cross_entropy", "adds eps inside the logarithms instead of clipping", """
        def binary_cross_entropy(y, p, eps=1e-12):
            return float(-np.mean(y * np.log(p + eps) + (1.0 - y) * np.log(1.0 - p + eps)))
        """),
    _v("binary_cross_entropy", "eps used for the upper bound only, the lower bound fixed at 1e-12", """
        def binary_cross_entropy(y, p, eps=1e-12):
            p = np.clip(p, 1e-12, 1.0 - eps)
            return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
        """),
    _v("logistic_loss_grad", "gradient missing the 1/n", """
        def logistic_loss_grad(X, y, theta):
            z = X @ theta
            return float(np.mean(np.logaddexp(0.0, z) - y * z)), X.T @ (sigmoid(z) - y)
        """),
    _v("logistic_loss_grad", "gradient with (y − p): the ascent direction", """
        def logistic_loss_grad(X, y, theta):
            z = X @ theta
            return float(np.mean(np.logaddexp(0.0, z) - y * z)), X.T @ (y - sigmoid(z)) / len(y)
        """),
    _v("logistic_loss_grad", "a naive sigmoid and unclipped logs inside: warnings and nan for huge logits", """
        def logistic_loss_grad(X, y, theta):
            p = 1.0 / (1.0 + np.exp(-(X @ theta)))
            loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            return float(loss), X.T @ (p - y) / len(y)
        """),
    _v("logistic_loss_grad", "loss summed over the samples", """
        def logistic_loss_grad(X, y, theta):
            z = X @ theta
            return float(np.sum(np.logaddexp(0.0, z) - y * z)), X.T @ (sigmoid(z) - y) / len(y)
        """),
    _v("logistic_loss_grad", "logits clipped to ±500 in the loss: a wrong logit of 3000 costs 500, neither form", """
        def logistic_loss_grad(X, y, theta):
            z = X @ theta
            zc = np.clip(z, -500.0, 500.0)
            return float(np.mean(np.logaddexp(0.0, zc) - y * zc)), X.T @ (sigmoid(z) - y) / len(y)
        """),
    # ---- fit_logistic ---------------------------------------------------------------------
    _v("fit_logistic", "losses recorded after each step instead of before", """
        def fit_logistic(X, y, lr=0.1, n_iters=1000):
            theta, losses = np.zeros(X.shape[1]), []
            for _ in range(n_iters):
                theta = theta - lr * logistic_loss_grad(X, y, theta)[1]
                losses.append(logistic_loss_grad(X, y, theta)[0])
            return theta, np.array(losses)
        """),
    _v("fit_logistic", "starts from ones instead of zeros", """
        def fit_logistic(X, y, lr=0.1, n_iters=1000):
            theta, losses = np.ones(X.shape[1]), []
            for _ in range(n_iters):
                loss, grad = logistic_loss_grad(X, y, theta)
                losses.append(loss)
                theta = theta - lr * grad
            return theta, np.array(losses)
        """),
    _v("fit_logistic", "default learning rate 0.01 instead of 0.1", """
        def fit_logistic(X, y, lr=0.01, n_iters=1000):
            theta, losses = np.zeros(X.shape[1]), []
            for _ in range(n_iters):
                loss, grad = logistic_loss_grad(X, y, theta)
                losses.append(loss)
                theta = theta - lr * grad
            return theta, np.array(losses)
        """),
    _v("fit_logistic", "one step too many: n_iters + 1 losses and steps", """
        def fit_logistic(X, y, lr=0.1, n_iters=1000):
            theta, losses = np.zeros(X.shape[1]), []
            for _ in range(n_iters + 1):
                loss, grad = logistic_loss_grad(X, y, theta)
                losses.append(loss)
                theta = theta - lr * grad
            return theta, np.array(losses)
        """),
    # ---- accuracy -------------------------------------------------------------------------
    _v("fit_logistic", "default learning rate 1.1 (ends near the same optimum on easy data)", """
        def fit_logistic(X, y, lr=1.1, n_iters=1000):
            theta = np.zeros(X.shape[1])
            losses = np.empty(n_iters)
            for k in range(n_iters):
                losses[k], grad = logistic_loss_grad(X, y, theta)
                theta = theta - lr * grad
            return theta, losses
        """),
    _v("accuracy", "the number of correct predictions, not the fraction", """
        def accuracy(y_true, y_pred):
            return float(np.sum(y_true == y_pred))
        """),
    _v("accuracy", "the error rate (1 − accuracy)", """
        def accuracy(y_true, y_pred):
            return float(np.mean(y_true != y_pred))
        """),
    # ---- one_hot --------------------------------------------------------------------------
    _v("one_hot", "integer dtype (np.eye(..., dtype=int))", """
        def one_hot(y, n_classes):
            return np.eye(n_classes, dtype=int)[y]
        """),
    _v("one_hot", "number of columns from the labels (y.max() + 1), ignoring n_classes", """
        def one_hot(y, n_classes):
            return np.eye(y.max() + 1)[y]
        """),
    _v("one_hot", "transposed: shape (n_classes, n)", """
        def one_hot(y, n_classes):
            return np.eye(n_classes)[:, y]
        """),
    # ---- softmax --------------------------------------------------------------------------
    _v("softmax", "no max shift: overflow (inf/inf = nan) at scores of 1000", """
        def softmax(Z):
            E = np.exp(Z)
            return E / E.sum(axis=1, keepdims=True)
        """),
    _v("softmax", "normalised over the wrong axis (the samples, axis=0)", """
        def softmax(Z):
            E = np.exp(Z - Z.max(axis=0, keepdims=True))
            return E / E.sum(axis=0, keepdims=True)
        """),
    _v("softmax", "subtracts the maximum of the whole matrix, not of each row", """
        def softmax(Z):
            E = np.exp(Z - Z.max())
            return E / E.sum(axis=1, keepdims=True)
        """),
    # ---- softmax_loss_grad ----------------------------------------------------------------
    _v("softmax_loss_grad", "log of clipped probabilities: the loss is capped for huge scores", """
        def softmax_loss_grad(X, y, W):
            n = X.shape[0]
            P = softmax(X @ W)
            loss = -np.mean(np.log(np.clip(P[np.arange(n), y], 1e-12, 1.0)))
            return float(loss), X.T @ (P - one_hot(y, W.shape[1])) / n
        """),
    _v("softmax_loss_grad", "gradient missing the 1/n", """
        def softmax_loss_grad(X, y, W):
            n = X.shape[0]
            Z = X @ W
            m = Z.max(axis=1, keepdims=True)
            log_P = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
            return float(-log_P[np.arange(n), y].mean()), X.T @ (np.exp(log_P) - one_hot(y, W.shape[1]))
        """),
    _v("softmax_loss_grad", "loss summed over the samples", """
        def softmax_loss_grad(X, y, W):
            n = X.shape[0]
            Z = X @ W
            m = Z.max(axis=1, keepdims=True)
            log_P = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
            return float(-log_P[np.arange(n), y].sum()), X.T @ (np.exp(log_P) - one_hot(y, W.shape[1])) / n
        """),
    _v("softmax_loss_grad", "gradient with (Y − P): the ascent direction", """
        def softmax_loss_grad(X, y, W):
            n = X.shape[0]
            Z = X @ W
            m = Z.max(axis=1, keepdims=True)
            log_P = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
            return float(-log_P[np.arange(n), y].mean()), X.T @ (one_hot(y, W.shape[1]) - np.exp(log_P)) / n
        """),
    # ---- fit_softmax ----------------------------------------------------------------------
    _v("fit_softmax", "losses recorded after each step instead of before", """
        def fit_softmax(X, y, n_classes, lr=0.1, n_iters=1000):
            W, losses = np.zeros((X.shape[1], n_classes)), []
            for _ in range(n_iters):
                W = W - lr * softmax_loss_grad(X, y, W)[1]
                losses.append(softmax_loss_grad(X, y, W)[0])
            return W, np.array(losses)
        """),
    _v("fit_softmax", "gradient ascent: W + lr · dW", """
        def fit_softmax(X, y, n_classes, lr=0.1, n_iters=1000):
            W, losses = np.zeros((X.shape[1], n_classes)), []
            for _ in range(n_iters):
                loss, dW = softmax_loss_grad(X, y, W)
                losses.append(loss)
                W = W + lr * dW
            return W, np.array(losses)
        """),
    _v("fit_softmax", "number of classes from the labels (y.max() + 1), ignoring n_classes", """
        def fit_softmax(X, y, n_classes, lr=0.1, n_iters=1000):
            W, losses = np.zeros((X.shape[1], y.max() + 1)), []
            for _ in range(n_iters):
                loss, dW = softmax_loss_grad(X, y, W)
                losses.append(loss)
                W = W - lr * dW
            return W, np.array(losses)
        """),
    # ---- predict_classes ------------------------------------------------------------------
    _v("predict_classes", "last column of argsort: ties go to the largest class index", """
        def predict_classes(X, W):
            return np.argsort(X @ W, axis=1, kind="stable")[:, -1]
        """),
    _v("predict_classes", "argmax over axis 0 (the samples) instead of the classes", """
        def predict_classes(X, W):
            return np.argmax(X @ W, axis=0)
        """),
    _v("predict_classes", "the largest score itself instead of its index", """
        def predict_classes(X, W):
            return np.max(X @ W, axis=1)
        """),
    _v("predict_classes", "argmax of the flattened scores (no axis)", """
        def predict_classes(X, W):
            return np.argmax(X @ W)
        """),
]


RIGHT = [
    # ---- sigmoid ------------------------------------------------------------------------
    _v("sigmoid", "scipy.special.expit", """
        from scipy.special import expit

        def sigmoid(z):
            return expit(z)
        """),
    _v("sigmoid", "tanh form: (1 + tanh(z/2)) / 2", """
        def sigmoid(z):
            return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
        """),
    _v("sigmoid", "exp(−log(1 + e^(−z))) through np.logaddexp", """
        def sigmoid(z):
            return np.exp(-np.logaddexp(0.0, -z))
        """),
    _v("sigmoid", "naive formula with the overflow silenced inside (np.errstate)", """
        def sigmoid(z):
            with np.errstate(over="ignore"):
                return 1.0 / (1.0 + np.exp(-z))
        """),
    _v("sigmoid", "naive formula on logits clipped to ±500", """
        def sigmoid(z):
            return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))
        """),
    # ---- binary_cross_entropy -------------------------------------------------------------
    _v("binary_cross_entropy", "np.where on the labels, after clipping", """
        def binary_cross_entropy(y, p, eps=1e-12):
            p = np.clip(p, eps, 1 - eps)
            return np.mean(np.where(y == 1, -np.log(p), -np.log(1 - p)))
        """),
    _v("binary_cross_entropy", "scipy.special.xlogy and np.log1p", """
        from scipy.special import xlogy

        def binary_cross_entropy(y, p, eps=1e-12):
            p = np.minimum(np.maximum(p, eps), 1 - eps)
            return float(-(xlogy(y, p) + (1 - y) * np.log1p(-p)).sum() / len(y))
        """),
    # ---- logistic_loss_grad ---------------------------------------------------------------
    _v("logistic_loss_grad", "reuses binary_cross_entropy(y, sigmoid(X theta))", """
        def logistic_loss_grad(X, y, theta):
            p = sigmoid(X @ theta)
            return binary_cross_entropy(y, p), X.T @ (p - y) / X.shape[0]
        """),
    _v("logistic_loss_grad", "log-sigmoid through np.logaddexp for each label, mean of per-sample gradients", """
        def logistic_loss_grad(X, y, theta):
            z = X @ theta
            loss = np.mean(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z))
            grad = ((sigmoid(z) - y)[:, None] * X).mean(axis=0)
            return loss, grad
        """),
    _v("logistic_loss_grad", "scipy's expit and log_expit", """
        from scipy.special import expit, log_expit

        def logistic_loss_grad(X, y, theta):
            z = X @ theta
            loss = -np.mean(y * log_expit(z) + (1 - y) * log_expit(-z))
            return float(loss), X.T @ (expit(z) - y) / len(y)
        """),
    # ---- fit_logistic ---------------------------------------------------------------------
    _v("fit_logistic", "in-place updates on a fresh zeros array, losses in a list", """
        def fit_logistic(X, y, lr=0.1, n_iters=1000):
            theta = np.zeros(X.shape[1])
            losses = []
            for _ in range(n_iters):
                loss, grad = logistic_loss_grad(X, y, theta)
                losses.append(loss)
                theta -= lr * grad
            return theta, np.array(losses)
        """),
    _v("fit_logistic", "its own loop body, without logistic_loss_grad", """
        def fit_logistic(X, y, lr=0.1, n_iters=1000):
            n, d = X.shape
            theta, losses = np.zeros(d), np.zeros(n_iters)
            for k in range(n_iters):
                p = sigmoid(X @ theta)
                losses[k] = binary_cross_entropy(y, p)
                theta = theta - (lr / n) * (X.T @ (p - y))
            return theta, losses
        """),
    # ---- accuracy -------------------------------------------------------------------------
    _v("accuracy", "scikit-learn's accuracy_score", """
        from sklearn.metrics import accuracy_score

        def accuracy(y_true, y_pred):
            return accuracy_score(y_true, y_pred)
        """),
    _v("accuracy", "count_nonzero over the length", """
        def accuracy(y_true, y_pred):
            return np.count_nonzero(y_true == y_pred) / len(y_true)
        """),
    # ---- one_hot --------------------------------------------------------------------------
    _v("one_hot", "rows of the identity: np.eye(K)[y]", """
        def one_hot(y, n_classes):
            return np.eye(n_classes)[y]
        """),
    _v("one_hot", "broadcast comparison with np.arange(K)", """
        def one_hot(y, n_classes):
            return (y[:, None] == np.arange(n_classes)[None, :]).astype(np.float64)
        """),
    # ---- softmax --------------------------------------------------------------------------
    _v("softmax", "scipy.special.softmax along axis 1", """
        from scipy.special import softmax as scipy_softmax

        def softmax(Z):
            return scipy_softmax(Z, axis=1)
        """),
    _v("softmax", "exp(Z − logsumexp(Z)) with scipy's logsumexp", """
        from scipy.special import logsumexp

        def softmax(Z):
            return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
        """),
    _v("softmax", "exp of scipy's log_softmax", """
        from scipy.special import log_softmax

        def softmax(Z):
            return np.exp(log_softmax(Z, axis=1))
        """),
    # ---- softmax_loss_grad ----------------------------------------------------------------
    _v("softmax_loss_grad", "scipy's logsumexp and the one-hot rows of np.eye", """
        from scipy.special import logsumexp

        def softmax_loss_grad(X, y, W):
            n, K = X.shape[0], W.shape[1]
            Z = X @ W
            lse = logsumexp(Z, axis=1)
            loss = np.mean(lse - Z[np.arange(n), y])
            P = np.exp(Z - lse[:, None])
            return loss, X.T @ (P - np.eye(K)[y]) / n
        """),
    _v("softmax_loss_grad", "scipy's log_softmax, loss picked with the one-hot matrix", """
        from scipy.special import log_softmax

        def softmax_loss_grad(X, y, W):
            n = X.shape[0]
            log_P = log_softmax(X @ W, axis=1)
            Y = one_hot(y, W.shape[1])
            return float(-(Y * log_P).sum() / n), X.T @ (softmax(X @ W) - Y) / n
        """),
    # ---- fit_softmax ----------------------------------------------------------------------
    _v("fit_softmax", "in-place updates on a fresh zeros array, losses in a list", """
        def fit_softmax(X, y, n_classes, lr=0.1, n_iters=1000):
            W = np.zeros((X.shape[1], n_classes))
            losses = []
            for _ in range(n_iters):
                loss, dW = softmax_loss_grad(X, y, W)
                losses.append(loss)
                W -= lr * dW
            return W, np.array(losses)
        """),
    _v("fit_softmax", "its own loop body with softmax and one_hot", """
        def fit_softmax(X, y, n_classes, lr=0.1, n_iters=1000):
            n = X.shape[0]
            Y = one_hot(y, n_classes)
            W, losses = np.zeros((X.shape[1], n_classes)), np.zeros(n_iters)
            for k in range(n_iters):
                losses[k] = softmax_loss_grad(X, y, W)[0]
                W = W - lr * X.T @ (softmax(X @ W) - Y) / n
            return W, losses
        """),
    # ---- predict_classes ------------------------------------------------------------------
    _v("predict_classes", "argmax of the softmax probabilities", """
        def predict_classes(X, W):
            return softmax(X @ W).argmax(axis=1)
        """),
    _v("predict_classes", "argmax along the last axis", """
        def predict_classes(X, W):
            return np.argmax(X @ W, axis=-1)
        """),
    _v("binary_cross_entropy", "p and 1 − p clipped separately into [eps, 1] (1 − (1 − eps) is not eps in float64)", """
        def binary_cross_entropy(y, p, eps=1e-12):
            log_p = np.log(np.clip(p, eps, 1.0))
            log_q = np.log(np.clip(1.0 - p, eps, 1.0))
            return float(-np.mean(y * log_p + (1.0 - y) * log_q))
        """),
]
