"""Chapter 3's reference answers against independent oracles: scikit-learn's LogisticRegression
on the same objective, SciPy's special functions, finite differences and hand-checked cases.

scikit-learn minimises the *sum* ``C · Σ_i CE_i + ½‖W‖²`` (``fit_intercept=False``: the bias
column of ``X`` is an ordinary, penalised feature). Divided by ``C·n`` it is the *mean*
``(1/n) Σ_i CE_i + (lam/2)‖W‖²`` with ``lam = 1/(C·n)``: the objective that the notebook's
``logistic_loss_grad`` / ``softmax_loss_grad`` plus ``(lam/2)‖W‖²`` describe, minimised here
by SciPy's L-BFGS. With ``C=np.inf`` (no penalty) on overlapping classes the optimum is
unique (up to a common shift of the softmax columns) and plain gradient descent reaches it.
"""
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit, logsumexp
from scipy.special import softmax as scipy_softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.preprocessing import OneHotEncoder

from tests.solutions import solution_namespace
from utils.datasets import blobs, load_breast_cancer_split, load_digits_split
from utils.gradcheck import numerical_gradient, relative_error

ch03 = solution_namespace("ch03_logistic_softmax")


def with_bias(X):
    return np.column_stack([np.ones(len(X)), X])


def minimise_penalised(loss_grad, shape, lam):
    """argmin of loss_grad's mean loss + (lam/2)‖W‖² by L-BFGS, to a tight tolerance."""
    def objective(flat):
        W = flat.reshape(shape)
        loss, grad = loss_grad(W)
        return loss + 0.5 * lam * flat @ flat, (grad + lam * W).ravel()

    result = minimize(objective, np.zeros(int(np.prod(shape))), jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000})
    return result.x.reshape(shape)


def sklearn_fit(X, y, C):
    return LogisticRegression(C=C, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)


@pytest.fixture(scope="module")
def cancer():
    X_train, y_train, _, _ = load_breast_cancer_split(np.random.default_rng(0))
    return with_bias(X_train), y_train


@pytest.fixture(scope="module")
def overlapping():
    """Three overlapping 2-D clusters (no class separable from the others), bias column first."""
    X, y = blobs(300, np.random.default_rng(7), centers=np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.5]]),
                 std=1.0)
    return with_bias(X), y


# ---- the elementwise and row-wise functions ------------------------------------------------

def test_sigmoid_softmax_one_hot_match_scipy_and_scikit_learn():
    z = np.linspace(-800.0, 800.0, 3201)
    np.testing.assert_allclose(ch03["sigmoid"](z), expit(z), rtol=1e-14, atol=1e-300)
    Z = 30.0 * np.random.default_rng(1).normal(size=(50, 7))
    np.testing.assert_allclose(ch03["softmax"](Z), scipy_softmax(Z, axis=1), rtol=1e-12, atol=1e-300)
    y = np.random.default_rng(2).integers(0, 5, size=40)
    encoder = OneHotEncoder(categories=[np.arange(6)], sparse_output=False)
    np.testing.assert_array_equal(ch03["one_hot"](y, 6), encoder.fit_transform(y[:, None]))


def test_binary_cross_entropy_matches_scikit_learn_log_loss():
    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 2, size=200), rng.uniform(0.01, 0.99, size=200)
    assert ch03["binary_cross_entropy"](y, p) == pytest.approx(log_loss(y, p), rel=1e-12)


def test_hand_checked_values():
    assert ch03["binary_cross_entropy"](np.array([1.0, 0.0]), np.array([0.5, 0.5])) == pytest.approx(np.log(2))
    np.testing.assert_allclose(ch03["softmax"](np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]], rtol=1e-14)
    np.testing.assert_allclose(ch03["sigmoid"](np.array([0.0, np.log(3.0)])), [0.5, 0.75], rtol=1e-14)
    # Two samples, one feature, theta = log 3: p = (3/4, 1/4) for x = (1, -1), labels (1, 1).
    loss, grad = ch03["logistic_loss_grad"](np.array([[1.0], [-1.0]]), np.array([1.0, 1.0]),
                                            np.array([np.log(3.0)]))
    assert loss == pytest.approx(-(np.log(0.75) + np.log(0.25)) / 2, rel=1e-14)
    np.testing.assert_allclose(grad, [((0.75 - 1) * 1 + (0.25 - 1) * -1) / 2], rtol=1e-14)
    assert ch03["accuracy"](np.array([1, 2, 3, 4]), np.array([1, 2, 0, 0])) == 0.5


# ---- stability: logits of ±1000 and beyond, warnings as errors -------------------------------

def test_stable_under_huge_logits_without_any_warning():
    rng = np.random.default_rng(4)
    X, y3 = 1e3 * rng.normal(size=(30, 3)), rng.integers(0, 4, size=30)
    y2 = (y3 % 2).astype(np.float64)
    W = rng.normal(size=(3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ch03["sigmoid"](np.array([-1000.0, 1000.0])), [0.0, 1.0])
        bce = ch03["binary_cross_entropy"](np.array([1.0, 0.0]), np.array([0.0, 1.0]))
        loss2, grad2 = ch03["logistic_loss_grad"](X, y2, W[:, 0])
        P = ch03["softmax"](np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1001.0]]))
        loss3, dW = ch03["softmax_loss_grad"](X, y3, W)
    clipped = np.array([1e-12, 1.0 - 1e-12])  # p = (0, 1) clipped to [eps, 1 − eps]
    assert bce == pytest.approx(-(np.log(clipped[0]) + np.log(1.0 - clipped[1])) / 2, rel=1e-12)
    z = X @ W[:, 0]
    assert loss2 == pytest.approx(np.mean(np.logaddexp(0.0, z) - y2 * z), rel=1e-12)
    np.testing.assert_allclose(grad2, X.T @ (expit(z) - y2) / 30, rtol=1e-12)
    np.testing.assert_allclose(P, [[1, 0, 0], [1 / (2 + np.exp(-1)), 1 / (2 + np.exp(-1)),
                                              np.exp(-1) / (2 + np.exp(-1))]], rtol=1e-14, atol=1e-300)
    Z = X @ W
    assert loss3 == pytest.approx(np.mean(logsumexp(Z, axis=1) - Z[np.arange(30), y3]), rel=1e-12)
    assert loss3 > 100.0  # exact, not capped at −log(eps) as clipped probabilities would be
    assert np.all(np.isfinite(dW))


# ---- gradients against finite differences ---------------------------------------------------

def test_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(25, 4))
    y2, y5 = rng.integers(0, 2, size=25).astype(np.float64), rng.integers(0, 5, size=25)
    theta, W = rng.normal(size=4), rng.normal(size=(4, 5))
    numerical = numerical_gradient(lambda t: ch03["logistic_loss_grad"](X, y2, t)[0], theta.copy())
    assert relative_error(ch03["logistic_loss_grad"](X, y2, theta)[1], numerical) < 1e-8
    numerical = numerical_gradient(lambda w: ch03["softmax_loss_grad"](X, y5, w)[0], W.copy())
    assert relative_error(ch03["softmax_loss_grad"](X, y5, W)[1], numerical) < 1e-8


# ---- logistic regression against scikit-learn -------------------------------------------------

@pytest.mark.parametrize("C", [0.01, 1.0])
def test_logistic_objective_matches_scikit_learn_with_l2(cancer, C):
    X, y = cancer
    lam = 1.0 / (C * len(y))
    theta = minimise_penalised(lambda t: ch03["logistic_loss_grad"](X, y, t), (X.shape[1],), lam)
    reference = sklearn_fit(X, y, C)
    np.testing.assert_allclose(theta, reference.coef_[0], rtol=1e-5, atol=1e-6)


def test_fit_logistic_reaches_scikit_learn_unpenalised_optimum(overlapping):
    X, y3 = overlapping
    y = (y3 == 1).astype(np.int64)  # class 1 against the rest: overlapping, not separable
    theta, losses = ch03["fit_logistic"](X, y, lr=2.0, n_iters=3000)
    reference = sklearn_fit(X, y, np.inf)
    np.testing.assert_allclose(theta, reference.coef_[0], rtol=1e-6, atol=1e-8)
    assert losses[-1] == pytest.approx(log_loss(y, reference.predict_proba(X)), rel=1e-9)
    assert np.all(np.diff(losses) <= 1e-15)  # a small enough step never increases the loss


# ---- softmax regression against scikit-learn's multinomial model -----------------------------

def test_softmax_objective_matches_scikit_learn_multinomial_with_l2():
    X_train, y_train, _, _ = load_digits_split(np.random.default_rng(0), n_classes=5)
    X, y = with_bias(X_train[:200]), y_train[:200]
    C = 1.0
    lam = 1.0 / (C * len(y))
    W = minimise_penalised(lambda w: ch03["softmax_loss_grad"](X, y, w), (X.shape[1], 5), lam)
    reference = sklearn_fit(X, y, C)
    assert reference.coef_.shape == (5, X.shape[1])  # multinomial: one row per class
    np.testing.assert_allclose(W, reference.coef_.T, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ch03["softmax"](X @ W), reference.predict_proba(X), atol=1e-6)

    def objective(V):
        return ch03["softmax_loss_grad"](X, y, V)[0] + 0.5 * lam * np.sum(V ** 2)

    assert objective(W) == pytest.approx(objective(reference.coef_.T), rel=1e-10)


def test_fit_softmax_reaches_scikit_learn_unpenalised_optimum(overlapping):
    X, y = overlapping
    W, losses = ch03["fit_softmax"](X, y, 3, lr=2.0, n_iters=3000)
    reference = sklearn_fit(X, y, np.inf)
    # Only differences of columns matter; gradient descent from 0 keeps each row summing to 0.
    np.testing.assert_allclose(W.sum(axis=1), 0.0, atol=1e-12)
    centred = reference.coef_.T - reference.coef_.T.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(W, centred, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ch03["softmax"](X @ W), reference.predict_proba(X), atol=1e-9)
    assert losses[-1] == pytest.approx(log_loss(y, reference.predict_proba(X)), rel=1e-9)
    labels = ch03["predict_classes"](X, W)
    np.testing.assert_array_equal(labels, reference.predict(X))
    assert ch03["accuracy"](y, labels) == pytest.approx(accuracy_score(y, reference.predict(X)))


def test_two_class_softmax_follows_logistic_regression(cancer):
    X, y = cancer
    theta, losses = ch03["fit_logistic"](X, y, lr=0.2, n_iters=200)
    W, losses_two = ch03["fit_softmax"](X, y, 2, lr=0.1, n_iters=200)
    np.testing.assert_allclose(W[:, 1] - W[:, 0], theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(losses_two, losses, rtol=1e-12)
