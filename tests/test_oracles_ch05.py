"""Chapter 5's reference answers against independent oracles: NumPy's and SciPy's functions
(np.tanh, scipy.special.expit, scipy.stats.norm) for the activations, centred finite
differences for every derivative and for the gradients behind ``gradient_norms``, chapter 4's
layers for the same gradients, scikit-learn's Glorot initialisation for ``"xavier"``, and
moments worked out by hand (or by numerical integration) for the first layer's statistics."""
import warnings

import numpy as np
import pytest
from scipy import integrate
from scipy.special import expit
from scipy.stats import kstest, norm
from sklearn.neural_network import MLPClassifier

from tests.solutions import solution_namespace
from utils.gradcheck import numerical_gradient, relative_error


ch05 = solution_namespace("ch05_activations_init")
ACTIVATIONS = ch05["ACTIVATIONS"]
init_weights, activation_stats, gradient_norms = (ch05["init_weights"], ch05["activation_stats"],
                                                  ch05["gradient_norms"])
ORACLES = {
    "sigmoid": (expit, lambda z: expit(z) * (1.0 - expit(z))),
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(np.clip(z, -300, 300)) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: np.heaviside(z, 0.0)),
    "leaky_relu": (lambda z: np.maximum(z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "gelu": (lambda z: z * norm.cdf(z), lambda z: norm.cdf(z) + z * norm.pdf(z)),
}
VARIANCES = {"small": lambda fi, fo: 1e-4, "lecun": lambda fi, fo: 1 / fi,
             "xavier": lambda fi, fo: 2 / (fi + fo), "he": lambda fi, fo: 2 / fi}


@pytest.mark.parametrize("name", list(ORACLES))
def test_activations_and_derivatives_match_library_functions_without_warnings(name):
    f, f_grad = ACTIVATIONS[name]
    oracle, oracle_grad = ORACLES[name]
    z = np.concatenate([np.linspace(-30.0, 30.0, 601), [0.0, 1e3, -1e3, 1e-8, -1e-8]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(f(z), oracle(z), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(f_grad(z), oracle_grad(z), rtol=1e-8, atol=1e-13)


@pytest.mark.parametrize("name", list(ORACLES))
def test_every_derivative_agrees_with_finite_differences(name):
    f, f_grad = ACTIVATIONS[name]
    z = np.concatenate([np.linspace(-5.0, -0.05, 40), np.linspace(0.05, 5.0, 40)])  # away from kinks
    eps = 1e-6
    numeric = (f(z + eps) - f(z - eps)) / (2 * eps)
    np.testing.assert_allclose(f_grad(z), numeric, rtol=1e-6, atol=1e-8)


def test_hand_checked_values_and_the_sigmoid_bound():
    np.testing.assert_allclose(ch05["tanh"](np.array([np.log(2.0)])), [0.6])
    np.testing.assert_allclose(ch05["sigmoid_grad"](np.array([0.0, np.log(3.0)])), [0.25, 3 / 16])
    z = np.linspace(-50.0, 50.0, 100001)
    assert ch05["sigmoid_grad"](z).max() == pytest.approx(0.25, abs=1e-12)
    np.testing.assert_array_equal(ch05["relu_grad"](np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(ch05["leaky_relu_grad"](np.array([-1.0, 0.0, 2.0]), alpha=0.1), [0.1, 0.1, 1.0])
    np.testing.assert_allclose(ch05["leaky_relu"](np.array([-2.0, 3.0]), alpha=0.25), [-0.5, 3.0])
    assert ch05["gelu"](np.array([1.0]))[0] == pytest.approx(norm.cdf(1.0), rel=1e-14)


@pytest.mark.parametrize("scheme", list(VARIANCES))
def test_init_weights_has_the_pinned_normal_distribution(scheme):
    fan_in, fan_out = 600, 250
    W = init_weights(fan_in, fan_out, scheme, np.random.default_rng(50))
    assert W.shape == (fan_in, fan_out) and W.dtype == np.float64
    std = np.sqrt(VARIANCES[scheme](fan_in, fan_out))
    assert W.var() == pytest.approx(std ** 2, rel=0.02)
    assert abs(W.mean()) < 5 * std / np.sqrt(W.size)
    # The whole distribution, not only its variance: Kolmogorov-Smirnov against N(0, std²).
    assert kstest(W.ravel(), norm(scale=std).cdf).pvalue > 1e-3


def test_init_weights_zeros_and_unknown_schemes():
    np.testing.assert_array_equal(init_weights(3, 4, "zeros", np.random.default_rng(0)), np.zeros((3, 4)))
    for unknown in ("kaiming", "glorot_uniform", "Xavier_uniform"):
        with pytest.raises(ValueError):
            init_weights(3, 4, unknown, np.random.default_rng(0))


def test_xavier_has_the_variance_of_scikit_learns_glorot_initialisation():
    """scikit-learn initialises its MLP with Glorot's uniform U[−a, a], a = √(6/(fan_in + fan_out)):
    the distribution of the original paper, with the same variance as our normal "xavier"."""
    rng = np.random.default_rng(51)
    X, y = rng.normal(size=(20, 400)), np.arange(20) % 2
    mlp = MLPClassifier(hidden_layer_sizes=(300,), activation="tanh", solver="sgd", learning_rate_init=1e-12,
                        random_state=0)
    mlp.partial_fit(X, y, classes=[0, 1])
    glorot = mlp.coefs_[0]
    ours = init_weights(400, 300, "xavier", rng)
    assert glorot.shape == ours.shape
    assert ours.var() == pytest.approx(glorot.var(), rel=0.03)
    assert np.abs(glorot).max() <= np.sqrt(6 / 700) + 1e-6 < np.abs(ours).max()  # uniform vs normal


def test_first_layer_statistics_match_moments_worked_out_by_hand():
    """Layer 1 of a wide network: Z ~ N(0, width · v) per entry given X, averaged over seeds."""
    width, n = 256, 400
    stats = np.mean([activation_stats(1, width, "relu", "he", np.random.default_rng(s), n_samples=n)
                     for s in range(6)], axis=0)[0]
    # Z ~ N(0, 2): E[relu(Z)] = √2/√(2π) = 1/√π, E[relu(Z)²] = 1.
    assert stats == pytest.approx([1 / np.sqrt(np.pi), np.sqrt(1 - 1 / np.pi)], rel=0.03)
    stats = np.mean([activation_stats(1, width, "sigmoid", "lecun", np.random.default_rng(s), n_samples=n)
                     for s in range(6)], axis=0)[0]
    second_moment = integrate.quad(lambda z: expit(z) ** 2 * norm.pdf(z), -40, 40)[0]  # Z ~ N(0, 1)
    assert stats == pytest.approx([0.5, np.sqrt(second_moment - 0.25)], rel=0.03)


def test_zero_weights_give_exact_statistics_and_gradients():
    stats = activation_stats(3, 7, "sigmoid", "zeros", np.random.default_rng(0), n_samples=9)
    np.testing.assert_array_equal(stats, [[0.5, 0.0]] * 3)
    np.testing.assert_array_equal(gradient_norms(3, 7, "relu", "zeros", np.random.default_rng(0), n_samples=9),
                                  np.zeros(3))


class RecordingGenerator:
    """Passes draws through to a Generator and keeps every array it hands out."""

    def __init__(self, rng):
        self.rng, self.draws = rng, []

    def standard_normal(self, *args, **kwargs):
        self.draws.append(self.rng.standard_normal(*args, **kwargs))
        return self.draws[-1]

    def normal(self, *args, **kwargs):
        self.draws.append(self.rng.normal(*args, **kwargs))
        return self.draws[-1]


def recorded_network(monkeypatch, depth, width, activation, scheme, n_samples, seed):
    """Run the reference gradient_norms and capture its inputs, target and weights."""
    weights = []

    def recording_init(fan_in, fan_out, scheme_, rng):
        weights.append(init_weights(fan_in, fan_out, scheme_, rng.rng))
        return weights[-1]

    monkeypatch.setitem(ch05, "init_weights", recording_init)
    rng = RecordingGenerator(np.random.default_rng(seed))
    norms = gradient_norms(depth, width, activation, scheme, rng, n_samples=n_samples)
    assert len(rng.draws) == 2 and len(weights) == depth, "expected draws: X, T, then one W per layer"
    X, T = rng.draws
    return norms, X, T, weights


def mse_of_network(X, T, weights, f):
    A = X
    for W in weights:
        A = f(A @ W)
    return np.mean((A - T) ** 2)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "gelu", "leaky_relu"])
def test_gradient_norms_agree_with_finite_differences_of_the_loss(monkeypatch, activation):
    norms, X, T, weights = recorded_network(monkeypatch, 3, 4, activation, "he", 6, seed=52)
    f = ORACLES[activation][0]
    for l, W in enumerate(weights):
        numeric = numerical_gradient(lambda _: mse_of_network(X, T, weights, f), W)
        assert norms[l] == pytest.approx(np.linalg.norm(numeric), rel=1e-6), l


@pytest.mark.parametrize("activation, layer", [("sigmoid", "Sigmoid"), ("relu", "ReLU")])
def test_gradient_norms_agree_with_chapter_4s_backpropagation(monkeypatch, activation, layer):
    depth, width = 5, 16
    norms, X, T, weights = recorded_network(monkeypatch, depth, width, activation, "xavier", 40, seed=53)
    rng = np.random.default_rng(0)
    layers = []
    for W in weights:
        linear = ch05["Linear"](width, width, rng)
        linear.params["W"][...] = W
        layers += [linear, ch05[layer]()]
    net = ch05["Sequential"](*layers)
    _, dpred = ch05["mse_loss"](net.forward(X), T)
    net.backward(dpred)
    expected = [np.linalg.norm(net.gradients()[f"{2 * l}.W"]) for l in range(depth)]
    assert relative_error(norms, np.array(expected)) < 1e-10
