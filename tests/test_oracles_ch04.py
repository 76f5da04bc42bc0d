"""Chapter 4's reference answers against independent oracles: centred finite differences for
every backward pass, scikit-learn's metrics for the losses, and scikit-learn's MLPClassifier
for whole training steps of a network."""
import warnings

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.metrics import log_loss, mean_squared_error
from sklearn.neural_network import MLPClassifier

from tests.solutions import solution_namespace
from utils.gradcheck import check_module_gradients, numerical_gradient, relative_error

ch04 = solution_namespace("ch04_backprop")
Linear, ReLU, Sigmoid, Sequential = ch04["Linear"], ch04["ReLU"], ch04["Sigmoid"], ch04["Sequential"]
softmax_cross_entropy, mse_loss, sgd_step = ch04["softmax_cross_entropy"], ch04["mse_loss"], ch04["sgd_step"]


def away_from_zero(rng, shape):
    """Inputs at least 0.1 away from ReLU's kink, where finite differences are exact enough."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 2.0, size=shape)


def layers_to_check(rng):
    return {
        "Linear(1, 1)": (Linear(1, 1, rng), rng.normal(size=(1, 1))),
        "Linear(5, 3)": (Linear(5, 3, rng), rng.normal(size=(7, 5))),
        "ReLU": (ReLU(), away_from_zero(rng, (6, 4))),
        "Sigmoid": (Sigmoid(), 3.0 * rng.normal(size=(6, 4))),
        "Sequential(Linear, Sigmoid, Linear, ReLU, Linear)": (
            Sequential(Linear(4, 6, rng), Sigmoid(), Linear(6, 5, rng), ReLU(), Linear(5, 3, rng)),
            rng.normal(size=(8, 4))),
    }


@pytest.mark.parametrize("name", list(layers_to_check(np.random.default_rng(0))))
def test_every_backward_agrees_with_finite_differences(name):
    rng = np.random.default_rng(40)
    module, x = layers_to_check(rng)[name]
    errors = check_module_gradients(module, x, rng=rng)
    assert set(errors) == {"x", *getattr(module, "parameters", lambda: module.params)()}
    assert max(errors.values()) < 1e-7, errors


def test_softmax_cross_entropy_matches_log_loss_and_finite_differences():
    rng = np.random.default_rng(41)
    for n, k, scale in [(1, 2, 1.0), (12, 5, 2.0), (30, 3, 10.0)]:
        logits, y = scale * rng.normal(size=(n, k)), rng.integers(0, k, size=n)
        loss, dlogits = softmax_cross_entropy(logits, y)
        assert loss == pytest.approx(log_loss(y, softmax(logits, axis=1), labels=np.arange(k)), rel=1e-9)
        numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, y)[0], logits.copy())
        assert relative_error(dlogits, numeric) < 1e-7


def test_softmax_cross_entropy_is_stable_at_large_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dlogits = softmax_cross_entropy(logits, np.array([0, 2]))
    # Sample 0 is right with certainty (loss 0); sample 1: log(e^1000 + e^999) − 999 = 1 + log(1 + 1/e).
    assert loss == pytest.approx((1.0 + np.log1p(np.exp(-1.0))) / 2, rel=1e-12)
    assert np.all(np.isfinite(dlogits))


def test_mse_loss_matches_scikit_learn_and_finite_differences():
    rng = np.random.default_rng(42)
    for shape in [(1,), (9,), (6, 3)]:
        pred, target = rng.normal(size=shape), rng.normal(size=shape)
        loss, dpred = mse_loss(pred, target)
        assert loss == pytest.approx(mean_squared_error(target, pred), rel=1e-12)
        numeric = numerical_gradient(lambda p: mse_loss(p, target)[0], pred.copy())
        assert relative_error(dpred, numeric) < 1e-7


def test_hand_checked_linear_layer():
    layer = Linear(2, 1, np.random.default_rng(0))
    layer.params["W"][...] = [[2.0], [-1.0]]
    layer.params["b"][...] = [0.5]
    x = np.array([[1.0, 3.0], [0.0, 1.0]])
    np.testing.assert_array_equal(layer.forward(x), [[-0.5], [-0.5]])
    np.testing.assert_array_equal(layer.backward(np.array([[1.0], [2.0]])), [[2.0, -1.0], [4.0, -2.0]])
    np.testing.assert_array_equal(layer.grads["W"], [[1.0], [5.0]])
    np.testing.assert_array_equal(layer.grads["b"], [3.0])


def test_batch_gradient_is_the_mean_of_the_per_sample_gradients():
    rng = np.random.default_rng(43)
    net = Sequential(Linear(3, 4, rng), Sigmoid(), Linear(4, 3, rng))
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, size=6)
    net.backward(softmax_cross_entropy(net.forward(X), y)[1])
    batch = {k: g.copy() for k, g in net.gradients().items()}
    summed = {k: np.zeros_like(g) for k, g in batch.items()}
    for i in range(len(X)):
        net.backward(softmax_cross_entropy(net.forward(X[i:i + 1]), y[i:i + 1])[1])
        for key, grad in net.gradients().items():
            summed[key] += grad / len(X)
    for key in batch:
        np.testing.assert_allclose(batch[key], summed[key], rtol=1e-10, atol=1e-14)


def test_training_steps_follow_scikit_learns_mlp_step_for_step():
    """Full-batch SGD (no momentum, no penalty) from the same weights: after each step, our
    network's weights equal MLPClassifier's, which computes its gradients on its own."""
    rng = np.random.default_rng(44)
    X, y = rng.normal(size=(40, 5)), np.arange(40) % 3
    net = Sequential(Linear(5, 8, rng), ReLU(), Linear(8, 3, rng))
    mlp = MLPClassifier(hidden_layer_sizes=(8,), activation="relu", solver="sgd", learning_rate_init=0.3,
                        momentum=0.0, nesterovs_momentum=False, alpha=0.0, batch_size=len(X), shuffle=False)
    mlp.partial_fit(X, y, classes=np.arange(3))  # builds its arrays; overwritten with ours below
    ours, theirs = [net.layers[0], net.layers[2]], zip(mlp.coefs_, mlp.intercepts_)
    for layer, (coef, intercept) in zip(ours, theirs):
        coef[...], intercept[...] = layer.params["W"], layer.params["b"]
    params = net.parameters()
    for _ in range(5):
        loss, dlogits = softmax_cross_entropy(net.forward(X), y)
        net.backward(dlogits)
        sgd_step(params, net.gradients(), 0.3)
        mlp.partial_fit(X, y)
        assert loss == pytest.approx(mlp.loss_curve_[-1], rel=1e-10)  # its loss before the step
        for layer, coef, intercept in zip(ours, mlp.coefs_, mlp.intercepts_):
            np.testing.assert_allclose(layer.params["W"], coef, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(layer.params["b"], intercept, rtol=1e-10, atol=1e-12)


def test_sgd_step_updates_the_models_own_arrays():
    rng = np.random.default_rng(45)
    net = Sequential(Linear(2, 3, rng), ReLU(), Linear(3, 1, rng))
    first_weights = net.layers[0].params["W"]
    before = first_weights.copy()
    net.backward(mse_loss(net.forward(rng.normal(size=(4, 2))), rng.normal(size=(4, 1)))[1])
    grads = {k: g.copy() for k, g in net.gradients().items()}
    sgd_step(net.parameters(), net.gradients(), 0.1)
    assert net.layers[0].params["W"] is first_weights
    np.testing.assert_allclose(first_weights, before - 0.1 * grads["0.W"], rtol=1e-12)
