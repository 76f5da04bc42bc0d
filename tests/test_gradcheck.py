"""utils.gradcheck: finite differences, relative error, and module gradient checks."""
import numpy as np
import pytest

from utils.gradcheck import check_module_gradients, numerical_gradient, relative_error
from tests.tiny_nn import TinySequential
from utils.nn import Module

pytestmark = pytest.mark.filterwarnings("error")  # the library must not warn


class TinyLinear(Module):
    """A Linear-like module written here (the course's Linear is an exercise)."""

    def __init__(self, d_in, d_out, rng, wrong=False):
        super().__init__()
        self.params = {"W": rng.normal(size=(d_in, d_out)), "b": rng.normal(size=d_out)}
        self.wrong = wrong

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        if self.wrong:  # a classic slip: forgetting to sum db over the batch, scaled by n
            self.grads["b"] = dout.mean(axis=0)
        return dout @ self.params["W"].T


class Square(Module):
    def forward(self, x):
        self.x = x
        return x ** 2

    def backward(self, dout):
        return 2 * self.x * dout


def test_numerical_gradient_of_cubic():
    x = np.random.default_rng(0).normal(size=(3, 4))
    before = x.copy()
    g = numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-7, atol=1e-8)
    np.testing.assert_array_equal(x, before)  # restored exactly


def test_numerical_gradient_reads_closed_over_array():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    theta = np.array([0.5, -1.0])
    g = numerical_gradient(lambda _: 0.5 * theta @ A @ theta, theta)
    np.testing.assert_allclose(g, A @ theta, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_needs_float64_array():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, np.arange(3))
    with pytest.raises(TypeError):
        numerical_gradient(np.sum, [1.0, 2.0])


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == pytest.approx(1.0)
    assert relative_error(np.array([1.0, 100.0]), np.array([1.1, 100.0])) == pytest.approx(0.1 / 200)
    assert np.isnan(relative_error(np.array([np.nan]), np.array([1.0])))
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_module_gradients_right_module():
    rng = np.random.default_rng(0)
    layer = TinyLinear(4, 3, rng)
    x = rng.normal(size=(5, 4))
    W_before = layer.params["W"].copy()
    errors = check_module_gradients(layer, x, rng=np.random.default_rng(1))
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-7
    np.testing.assert_array_equal(layer.params["W"], W_before)  # parameters restored


def test_check_module_gradients_catches_wrong_backward():
    rng = np.random.default_rng(0)
    errors = check_module_gradients(TinyLinear(4, 3, rng, wrong=True), rng.normal(size=(5, 4)))
    assert errors["b"] > 0.1
    assert errors["x"] < 1e-7 and errors["W"] < 1e-7


def test_check_module_gradients_parameter_free_and_sequential():
    rng = np.random.default_rng(0)
    assert check_module_gradients(Square(), rng.normal(size=(2, 3)))["x"] < 1e-7
    model = TinySequential(TinyLinear(3, 4, rng), Square(), TinyLinear(4, 2, rng))
    errors = check_module_gradients(model, rng.normal(size=(6, 3)), rng=2)
    assert set(errors) == {"x", "0.W", "0.b", "2.W", "2.b"}
    assert max(errors.values()) < 1e-6


def test_check_module_gradients_reports_missing_or_misshaped_grads():
    class Forgetful(TinyLinear):
        def backward(self, dout):
            dx = super().backward(dout)
            del self.grads["b"]
            return dx

    class Misshaped(TinyLinear):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads["W"] = self.grads["W"].T
            return dx

    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4))
    with pytest.raises(ValueError, match="grads\\['b'\\]"):
        check_module_gradients(Forgetful(4, 3, rng), x)
    with pytest.raises(ValueError, match="shape"):
        check_module_gradients(Misshaped(4, 3, rng), x)


def test_input_not_modified_and_default_rng_deterministic():
    rng = np.random.default_rng(0)
    layer = TinyLinear(2, 2, rng, wrong=True)
    x = rng.normal(size=(3, 2))
    x_before = x.copy()
    first = check_module_gradients(layer, x)
    assert check_module_gradients(layer, x) == first
    np.testing.assert_array_equal(x, x_before)


def test_scalar_output_and_backward_modifying_its_argument():
    class SumOfSquares(Module):  # a loss-like module with a scalar output
        def forward(self, x):
            self.x = x
            return np.sum(x ** 2)

        def backward(self, dout):
            return 2 * self.x * dout

    class InPlace(Square):
        def backward(self, dout):
            dout *= 2 * self.x  # legal if wasteful: must not corrupt the check
            return dout

    rng = np.random.default_rng(0)
    assert check_module_gradients(SumOfSquares(), rng.normal(size=(3, 2)))["x"] < 1e-7
    assert check_module_gradients(InPlace(), rng.normal(size=(3, 2)))["x"] < 1e-7
