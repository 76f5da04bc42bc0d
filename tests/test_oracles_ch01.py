"""Chapter 1's reference answers against independent oracles: scikit-learn where it has the
estimator, finite differences and hand-checked cases elsewhere."""
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import mean_squared_error
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import PolynomialFeatures

from tests.solutions import solution_namespace
from utils.gradcheck import numerical_gradient

ch01 = solution_namespace("ch01_linear_regression")


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 3.0 + 0.1 * rng.normal(size=40)
    return X, y


def test_ols_matches_scikit_learn(data):
    X, y = data
    theta = ch01["ols_fit"](ch01["design_matrix"](X), y)
    reference = LinearRegression().fit(X, y)
    np.testing.assert_allclose(theta, np.r_[reference.intercept_, reference.coef_], rtol=1e-10)


@pytest.mark.parametrize("lam", [1e-6, 0.1, 10.0, 1e3])
def test_ridge_matches_scikit_learn(data, lam):
    X, y = data
    w, b = ch01["ridge_fit"](X, y, lam)
    reference = Ridge(alpha=lam).fit(X, y)
    np.testing.assert_allclose(w, reference.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b, reference.intercept_, rtol=1e-8)


def test_features_and_mse_match_scikit_learn():
    x = np.linspace(-2, 3, 9)
    np.testing.assert_allclose(ch01["polynomial_features"](x, 4),
                               PolynomialFeatures(4).fit_transform(x[:, None]), rtol=1e-12)
    rng = np.random.default_rng(2)
    X, centers = rng.normal(size=(7, 2)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(ch01["rbf_features"](X, centers, 0.7),
                               rbf_kernel(X, centers, gamma=1 / 0.7), rtol=1e-12)
    y_true, y_pred = rng.normal(size=12), rng.normal(size=12)
    assert ch01["mse"](y_true, y_pred) == pytest.approx(mean_squared_error(y_true, y_pred), rel=1e-12)


def test_gradient_matches_finite_differences_and_descent_reaches_least_squares(data):
    X, y = data
    Phi = ch01["design_matrix"](X)
    theta = np.random.default_rng(5).normal(size=Phi.shape[1])
    numerical = numerical_gradient(lambda t: ch01["mse"](y, Phi @ t), theta.copy())
    np.testing.assert_allclose(ch01["ols_gradient"](Phi, y, theta), numerical, rtol=1e-6)
    best = np.linalg.lstsq(Phi, y, rcond=None)[0]
    final, path = ch01["gradient_descent"](lambda t: ch01["ols_gradient"](Phi, y, t), np.zeros(4), 0.1, 500)
    assert path.shape == (501, 4)
    np.testing.assert_allclose(final, best, atol=1e-6)


def test_hand_checked_case():
    # y = 1 + 2x exactly through (0, 1), (1, 3), (2, 5): OLS recovers (1, 2), MSE 0.
    X, y = np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0])
    np.testing.assert_allclose(ch01["ols_fit"](ch01["design_matrix"](X), y), [1.0, 2.0], atol=1e-12)
    assert ch01["mse"](y, np.array([1.0, 3.0, 6.0])) == pytest.approx(1 / 3)
