"""Chapter 6's reference answers against independent oracles: the optimisers against their
published formulas written differently (PyTorch's momentum forms, closed-form sums, Adam's
per-step algorithm), gradient descent against its closed form on a quadratic, the mini-batches
against scikit-learn's ``gen_batches``, the moving average against SciPy's ``lfilter``, the
schedules against hand-worked values, and SciPy's L-BFGS on the chapter's surfaces."""
import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.signal import lfilter
from sklearn.utils import gen_batches

from tests.solutions import solution_namespace
from utils.widgets.optimizers import SURFACES, optimizer_path

ch06 = solution_namespace("ch06_optimizers")
SGD, Momentum, Nesterov = ch06["SGD"], ch06["Momentum"], ch06["Nesterov"]
AdaGrad, RMSProp, Adam = ch06["AdaGrad"], ch06["RMSProp"], ch06["Adam"]
iterate_minibatches, ema = ch06["iterate_minibatches"], ch06["ema"]
step_decay, cosine_decay = ch06["step_decay"], ch06["cosine_decay"]

SHAPES = {"scalar": (1,), "vector": (4,), "matrix": (3, 2)}


def run(optimizer, start, gradients):
    """Apply ``optimizer.step`` for each dict of gradients; the params after every step."""
    params = {k: v.copy() for k, v in start.items()}
    history = []
    for grads in gradients:
        optimizer.step(params, grads)
        history.append({k: v.copy() for k, v in params.items()})
    return history


@pytest.fixture
def problem():
    """A start point and ten steps of gradients of ordinary size for three parameter shapes."""
    rng = np.random.default_rng(60)
    start = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    gradients = [{k: rng.choice([-1.0, 1.0], size=s) * rng.uniform(0.2, 2.0, size=s)
                  for k, s in SHAPES.items()} for _ in range(10)]
    return start, gradients


def stacked(gradients, key):
    return np.stack([g[key] for g in gradients])  # (steps, *shape)


def test_sgd_matches_the_cumulative_sum(problem):
    start, gradients = problem
    history = run(SGD(0.3), start, gradients)
    for key in SHAPES:
        expected = start[key] - 0.3 * np.cumsum(stacked(gradients, key), axis=0)
        np.testing.assert_allclose([h[key] for h in history], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
def test_momentum_matches_pytorch_form_and_the_unrolled_sum(problem, mu):
    start, gradients = problem
    lr = 0.05
    history = run(Momentum(lr, momentum=mu), start, gradients)
    for key in SHAPES:
        buf, p = np.zeros(SHAPES[key]), start[key].copy()   # torch.optim.SGD(momentum=mu)
        g_all = stacked(gradients, key)
        for t, g in enumerate(g_all):
            buf = mu * buf + g
            p = p - lr * buf
            np.testing.assert_allclose(history[t][key], p, rtol=1e-12, atol=1e-12)
            # v_t = −lr Σ_k μ^{t−k} g_k and p_t = p_0 + Σ v
        velocities = [-lr * sum(mu ** (t - k) * g_all[k] for k in range(t + 1)) for t in range(len(g_all))]
        np.testing.assert_allclose(history[-1][key], start[key] + np.sum(velocities, axis=0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
def test_nesterov_matches_pytorch_and_cs231n_forms(problem, mu):
    start, gradients = problem
    lr = 0.05
    history = run(Nesterov(lr, momentum=mu), start, gradients)
    for key in SHAPES:
        buf, p_torch = np.zeros(SHAPES[key]), start[key].copy()    # torch.optim.SGD(nesterov=True)
        v, p_cs231n = np.zeros(SHAPES[key]), start[key].copy()     # cs231n's look-ahead form
        for t, g in enumerate(stacked(gradients, key)):
            buf = mu * buf + g
            p_torch = p_torch - lr * (g + mu * buf)
            v_prev, v = v, mu * v - lr * g
            p_cs231n = p_cs231n - mu * v_prev + (1 + mu) * v
            np.testing.assert_allclose(history[t][key], p_torch, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(history[t][key], p_cs231n, rtol=1e-12, atol=1e-12)


def test_nesterov_equals_heavy_ball_at_zero_momentum_and_sgd(problem):
    start, gradients = problem
    for optimizer in (Momentum(0.1, momentum=0.0), Nesterov(0.1, momentum=0.0)):
        for got, want in zip(run(optimizer, start, gradients), run(SGD(0.1), start, gradients)):
            for key in SHAPES:
                np.testing.assert_allclose(got[key], want[key], rtol=1e-12, atol=1e-12)


def test_adagrad_matches_the_cumulative_sum_of_squares(problem):
    start, gradients = problem
    lr, eps = 0.2, 1e-8
    history = run(AdaGrad(lr, eps=eps), start, gradients)
    for key in SHAPES:
        g = stacked(gradients, key)
        sum_squares = np.cumsum(g ** 2, axis=0)
        expected = start[key] - lr * np.cumsum(g / (np.sqrt(sum_squares) + eps), axis=0)
        np.testing.assert_allclose([h[key] for h in history], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, 0.99])
def test_rmsprop_matches_a_filtered_average_of_squares(problem, rho):
    start, gradients = problem
    lr, eps = 0.01, 1e-8
    history = run(RMSProp(lr, rho=rho, eps=eps), start, gradients)
    for key in SHAPES:
        g = stacked(gradients, key)
        mean_squares = lfilter([1 - rho], [1, -rho], g ** 2, axis=0)   # s_t from s_{-1} = 0
        expected = start[key] - lr * np.cumsum(g / (np.sqrt(mean_squares) + eps), axis=0)
        np.testing.assert_allclose([h[key] for h in history], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)])
def test_adam_matches_algorithm_1_of_kingma_and_ba(problem, betas):
    beta1, beta2 = betas
    start, gradients = problem
    lr, eps = 0.01, 1e-8
    history = run(Adam(lr, beta1=beta1, beta2=beta2, eps=eps), start, gradients)
    for key in SHAPES:
        g = stacked(gradients, key)
        steps = np.arange(1, len(g) + 1).reshape(-1, *([1] * len(SHAPES[key])))
        m = lfilter([1 - beta1], [1, -beta1], g, axis=0) / (1 - beta1 ** steps)      # m̂_t
        v = lfilter([1 - beta2], [1, -beta2], g ** 2, axis=0) / (1 - beta2 ** steps)  # v̂_t
        expected = start[key] - lr * np.cumsum(m / (np.sqrt(v) + eps), axis=0)
        np.testing.assert_allclose([h[key] for h in history], expected, rtol=1e-10, atol=1e-12)


def test_adam_first_step_is_lr_times_the_sign():
    p = np.array([1.0, 2.0, -3.0])
    Adam(0.01).step({"p": p}, {"p": np.array([50.0, -0.3, 2e-3])})
    np.testing.assert_allclose(p, [0.99, 2.01, -3.01], rtol=1e-5)


def test_state_is_per_key_and_a_late_key_starts_fresh():
    """A key appearing later behaves as if its optimiser were new."""
    rng = np.random.default_rng(61)
    for make in (lambda: Momentum(0.1), lambda: Nesterov(0.1), lambda: AdaGrad(0.1),
                 lambda: RMSProp(0.01), lambda: Adam(0.01)):
        shared, alone = make(), make()
        early, late = rng.normal(size=3), rng.normal(size=3)
        late_alone = late.copy()
        shared.step({"early": early}, {"early": rng.normal(size=3)})
        for _ in range(3):
            g = rng.normal(size=3)
            shared.step({"early": early, "late": late}, {"early": rng.normal(size=3), "late": g})
            alone.step({"late": late_alone}, {"late": g})
        np.testing.assert_allclose(late, late_alone, rtol=1e-12, atol=1e-12)


def test_gradient_descent_on_the_quadratic_has_its_closed_form_and_threshold():
    quadratic = SURFACES["ill-conditioned quadratic"]  # Hessian diag(1, 25)
    for lr in (0.01, 0.05, 0.079):
        path = optimizer_path(SGD(lr), quadratic.grad, quadratic.start, 40)
        factors = np.array([1 - lr, 1 - 25 * lr]) ** np.arange(41)[:, None]
        np.testing.assert_allclose(path, quadratic.start * factors, rtol=1e-10, atol=1e-14)
    converging = optimizer_path(SGD(0.0799), quadratic.grad, quadratic.start, 400)
    diverging = optimizer_path(SGD(0.0801), quadratic.grad, quadratic.start, 400)
    assert abs(converging[-1, 1]) < abs(quadratic.start[1]) < abs(diverging[-1, 1])


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_optimiser_approaches_the_minimum_found_by_lbfgs(name):
    surface = SURFACES[name]
    result = minimize(surface.f, surface.start, jac=surface.grad, method="L-BFGS-B", options={"gtol": 1e-10})
    np.testing.assert_allclose(result.x, surface.minimum, atol=1e-5)
    settings = {"ill-conditioned quadratic": [SGD(0.07), Momentum(0.02), Nesterov(0.02), AdaGrad(1.0),
                                              RMSProp(0.01), Adam(0.1)],
                "Rosenbrock": [Momentum(5e-4), Nesterov(5e-4), Adam(0.1)]}[name]
    for optimizer in settings:
        path = optimizer_path(optimizer, surface.grad, surface.start, 1000)
        start_gap = surface.f(surface.start) - result.fun
        assert surface.f(path[-1]) - result.fun < 1e-2 * start_gap, type(optimizer).__name__


@pytest.mark.parametrize("n, batch_size", [(1, 1), (10, 3), (64, 8), (65, 8), (7, 100)])
def test_minibatches_in_order_match_gen_batches(n, batch_size):
    X, y = np.arange(2.0 * n).reshape(n, 2), np.arange(n) * 3
    batches = list(iterate_minibatches(X, y, batch_size, shuffle=False))
    expected = list(gen_batches(n, batch_size))
    assert len(batches) == len(expected)
    for (xb, yb), rows in zip(batches, expected):
        np.testing.assert_array_equal(xb, X[rows])
        np.testing.assert_array_equal(yb, y[rows])


def test_shuffled_minibatches_are_a_permutation_split_like_gen_batches():
    n, batch_size = 103, 10
    X, y = np.arange(n, dtype=float)[:, None], np.arange(n)
    batches = list(iterate_minibatches(X, y, batch_size, rng=np.random.default_rng(0)))
    assert [len(yb) for _, yb in batches] == [s.stop - s.start for s in gen_batches(n, batch_size)]
    order = np.concatenate([yb for _, yb in batches])
    assert sorted(order) == list(range(n)) and not np.array_equal(order, np.arange(n))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.9, 0.999])
def test_ema_matches_lfilter(beta):
    x = np.random.default_rng(62).normal(size=500) * 10
    expected, _ = lfilter([1 - beta], [1, -beta], x, zi=[beta * x[0]])
    np.testing.assert_allclose(ema(x, beta), expected, rtol=1e-10, atol=1e-12)


def test_ema_of_a_constant_is_constant_and_weights_sum_to_one():
    np.testing.assert_allclose(ema(np.full(50, 3.5), 0.95), 3.5, rtol=1e-14)
    impulse = np.zeros(30)
    impulse[0] = 1.0  # the weight of x_0 in s_t is β^t (it started the average)
    np.testing.assert_allclose(ema(impulse, 0.8), 0.8 ** np.arange(30), rtol=1e-12)


def test_step_decay_hand_worked():
    assert step_decay(0.1, 0) == pytest.approx(0.1)
    assert step_decay(0.1, 10) == pytest.approx(0.05)
    assert step_decay(0.1, 19) == pytest.approx(0.05)
    assert step_decay(0.1, 20) == pytest.approx(0.025)
    assert step_decay(1.0, 7, drop=0.1, every=3) == pytest.approx(0.01)


def test_cosine_decay_hand_worked_and_symmetric():
    assert cosine_decay(0.1, 0, 100) == pytest.approx(0.1)
    assert cosine_decay(0.1, 50, 100) == pytest.approx(0.05)
    assert cosine_decay(0.1, 100, 100) == pytest.approx(0.0, abs=1e-15)
    assert cosine_decay(1.0, 25, 100, lr_min=0.2) == pytest.approx(0.2 + 0.8 * (1 + np.sqrt(0.5)) / 2)
    for epoch in range(0, 41):  # the half cosine is point-symmetric about its middle
        total = cosine_decay(0.3, epoch, 40, lr_min=0.1) + cosine_decay(0.3, 40 - epoch, 40, lr_min=0.1)
        assert total == pytest.approx(0.4)
