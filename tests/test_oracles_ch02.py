"""Chapter 2's reference answers against independent oracles: scikit-learn's logistic
regression, centred finite differences (utils.gradcheck), np.linalg.lstsq and hand-checked
cases."""
import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from tests.solutions import solution_namespace
from utils.gradcheck import numerical_gradient, relative_error

ch02 = solution_namespace("ch02_newton_irls")


def overlapping_classes(n, d, seed):
    """A bias column and d features; labels from a noisy linear rule, so no line separates them."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, d))])
    y = (X[:, 1:] @ rng.normal(size=d) + 0.5 + rng.normal(size=n) > 0).astype(float)
    return X, y


def test_irls_reaches_the_optimum_of_unpenalised_scikit_learn():
    X, y = overlapping_classes(300, 4, seed=21)
    theta, nll_path = ch02["irls"](X, y)
    reference = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(theta, reference.coef_[0], rtol=1e-5, atol=1e-6)
    sklearn_nll = log_loss(y, reference.predict_proba(X)[:, 1])
    assert nll_path[-1] == pytest.approx(sklearn_nll, rel=1e-10)
    assert nll_path[-1] <= sklearn_nll + 1e-14  # Newton is at least as close to the optimum
    assert len(nll_path) < 15  # quadratic convergence: a handful of steps, not 30


@pytest.mark.parametrize("l2", [1e-3, 0.1])
def test_irls_with_l2_matches_scikit_learn_with_c(l2):
    # scikit-learn minimises C·Σ loss + ½‖w‖², i.e. n·C times mean loss + ‖w‖²/(2nC): l2 = 1/(nC).
    X, y = overlapping_classes(200, 3, seed=22)
    theta, _ = ch02["irls"](X, y, l2=l2)
    reference = LogisticRegression(C=1.0 / (len(y) * l2), fit_intercept=False, tol=1e-12,
                                   max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(theta, reference.coef_[0], rtol=1e-5, atol=1e-7)


def test_logistic_nll_is_scikit_learns_log_loss():
    X, y = overlapping_classes(50, 2, seed=23)
    theta = np.random.default_rng(3).normal(size=3)
    assert ch02["logistic_nll"](X, y, theta) == pytest.approx(log_loss(y, expit(X @ theta)), rel=1e-10)


def test_gradient_and_hessian_match_finite_differences():
    X, y = overlapping_classes(40, 3, seed=24)
    theta = np.random.default_rng(4).normal(size=4)
    g, H = ch02["logistic_grad_hess"](X, y, theta)
    numerical_g = numerical_gradient(lambda t: ch02["logistic_nll"](X, y, t), theta.copy())
    assert relative_error(g, numerical_g) < 1e-7
    # Row i of H is the gradient of g_i.
    numerical_H = np.array([numerical_gradient(lambda t: ch02["logistic_grad_hess"](X, y, t)[0][i], theta.copy())
                            for i in range(4)])
    assert relative_error(H, numerical_H) < 1e-7
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-15)


def test_least_squares_gradient_hessian_and_one_newton_step():
    rng = np.random.default_rng(25)
    Phi, y = rng.normal(size=(30, 4)), rng.normal(size=30)
    theta = rng.normal(size=4)
    g, H = ch02["least_squares_grad_hess"](Phi, y, theta)
    mse = lambda t: np.mean((Phi @ t - y) ** 2)
    assert relative_error(g, numerical_gradient(mse, theta.copy())) < 1e-7
    numerical_H = np.array([numerical_gradient(lambda t: ch02["least_squares_grad_hess"](Phi, y, t)[0][i],
                                               theta.copy()) for i in range(4)])
    assert relative_error(H, numerical_H) < 1e-7

    lstsq = np.linalg.lstsq(Phi, y, rcond=None)[0]
    final, path = ch02["newton_minimize"](lambda t: ch02["least_squares_grad_hess"](Phi, y, t)[0],
                                          lambda t: ch02["least_squares_grad_hess"](Phi, y, t)[1],
                                          np.full(4, 7.0))
    np.testing.assert_allclose(path[1], lstsq, rtol=1e-10)  # one step lands on the optimum
    np.testing.assert_allclose(final, lstsq, rtol=1e-10)
    assert len(path) == 3 and np.linalg.norm(path[2] - path[1]) < 1e-10  # then a ~0 step stops it


def test_stable_at_logits_of_plus_minus_1000_without_warnings():
    X = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])  # two confident mistakes, two confident hits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nll = ch02["logistic_nll"](X, y, np.array([1.0]))
        g, H = ch02["logistic_grad_hess"](X, y, np.array([1.0]))
    assert nll == pytest.approx(500.0, rel=1e-12)  # (1000 + 1000 + 0 + 0) / 4
    np.testing.assert_allclose(g, [(1000.0 + 1000.0) / 4], rtol=1e-12)  # p = 1, 0, 1, 0
    np.testing.assert_allclose(H, [[0.0]], atol=1e-300)  # every weight p(1 − p) underflows to 0


def test_hand_checked_cases():
    X = np.array([[1.0, 2.0], [1.0, -1.0]])
    assert ch02["logistic_nll"](X, np.array([1.0, 0.0]), np.zeros(2)) == pytest.approx(np.log(2.0))
    # Only a bias: σ(θ) must equal the mean label, 3/4, so θ = log 3.
    theta, nll_path = ch02["irls"](np.ones((4, 1)), np.array([1.0, 1.0, 1.0, 0.0]))
    assert theta[0] == pytest.approx(np.log(3.0), rel=1e-12)
    expected_nll = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    assert nll_path[0] == pytest.approx(np.log(2.0)) and nll_path[-1] == pytest.approx(expected_nll, rel=1e-12)


def test_separable_data_diverges_without_penalty_and_converges_with_it():
    x = np.linspace(-1.0, 1.0, 20)
    X, y = np.column_stack([np.ones(20), x]), (x > 0).astype(float)
    norms = [np.linalg.norm(ch02["irls"](X, y, n_iters=k, tol=0.0)[0]) for k in (5, 10, 15)]
    assert norms[0] < norms[1] < norms[2]  # the weights run away
    theta, nll_path = ch02["irls"](X, y, l2=0.01)
    assert len(nll_path) < 15 and np.all(np.diff(nll_path) <= 1e-15)
    p = expit(X @ theta)
    np.testing.assert_allclose(X.T @ (p - y) / 20 + 0.01 * theta, 0.0, atol=1e-10)
