"""Chapter 7's reference answers against independent oracles: hand-worked cases, explicit sums
and finite differences for the L2 penalty, sorting for the split, averages over many draws for
dropout (identity in expectation, a binomial count of kept units), and a replay of early
stopping by hand."""
import copy

import numpy as np
import pytest
from scipy import stats

from tests.solutions import solution_namespace
from utils.gradcheck import numerical_gradient, relative_error

ch07 = solution_namespace("ch07_dropout_early_stopping")
Dropout, EarlyStopping = ch07["Dropout"], ch07["EarlyStopping"]
train_val_test_split, l2_penalty = ch07["train_val_test_split"], ch07["l2_penalty"]
Linear, ReLU, Sequential = ch07["Linear"], ch07["ReLU"], ch07["Sequential"]


# ---------------------------------------------------------------- l2_penalty

def test_l2_penalty_of_a_hand_worked_network():
    params = {"0.W": np.array([[1.0, 2.0], [0.0, -1.0]]), "0.b": np.array([5.0, 5.0]),
              "2.W": np.array([[3.0], [4.0]]), "2.b": np.array([7.0])}
    penalty, grads = l2_penalty(params, 0.5)
    # ‖0.W‖² = 1 + 4 + 0 + 1 = 6, ‖2.W‖² = 9 + 16 = 25: (0.5 / 2) · 31
    assert penalty == pytest.approx(7.75, rel=1e-15)
    np.testing.assert_array_equal(grads["0.W"], [[0.5, 1.0], [0.0, -0.5]])
    np.testing.assert_array_equal(grads["2.W"], [[1.5], [2.0]])
    np.testing.assert_array_equal(grads["0.b"], [0.0, 0.0])
    np.testing.assert_array_equal(grads["2.b"], [0.0])


def test_l2_penalty_equals_an_explicit_loop_and_its_finite_differences():
    rng = np.random.default_rng(70)
    model = Sequential(Linear(5, 7, rng), ReLU(), Linear(7, 3, rng))
    params = model.parameters()
    for p in params.values():  # non-zero biases, so that penalising them would show
        p += rng.normal(size=p.shape)
    lam = 0.37
    explicit = 0.0
    for key, array in params.items():
        if key.endswith("W"):
            for value in array.ravel():
                explicit += value * value
    penalty, grads = l2_penalty(params, lam)
    assert penalty == pytest.approx(lam / 2 * explicit, rel=1e-12)
    for key, array in params.items():
        numeric = numerical_gradient(lambda _: l2_penalty(params, lam)[0], array)
        if key.endswith("W"):
            assert relative_error(grads[key], numeric) < 1e-7, key
        else:
            np.testing.assert_allclose(numeric, 0.0, atol=1e-8)
            np.testing.assert_array_equal(grads[key], np.zeros_like(array))


def test_one_sgd_step_with_the_penalty_is_weight_decay():
    """W − η(g + λW) = (1 − ηλ)W − ηg: the weights shrink by (1 − ηλ), the biases do not."""
    rng = np.random.default_rng(71)
    params = {"0.W": rng.normal(size=(4, 3)), "0.b": rng.normal(size=3)}
    data_grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    lr, lam = 0.1, 0.5
    _, penalty_grads = l2_penalty(params, lam)
    stepped = {k: params[k] - lr * (data_grads[k] + penalty_grads[k]) for k in params}
    np.testing.assert_allclose(stepped["0.W"], (1 - lr * lam) * params["0.W"] - lr * data_grads["0.W"],
                               rtol=1e-14)
    np.testing.assert_allclose(stepped["0.b"], params["0.b"] - lr * data_grads["0.b"], rtol=1e-14)


# ---------------------------------------------------------------- train_val_test_split

def test_split_against_sorting():
    rng = np.random.default_rng(72)
    X, y = rng.normal(size=(101, 3)), rng.integers(0, 4, size=101)
    parts = train_val_test_split(X, y, 0.15, 0.2, np.random.default_rng(1))
    X_tr, y_tr, X_val, y_val, X_te, y_te = parts
    assert (len(X_tr), len(X_val), len(X_te)) == (101 - 15 - 20, 15, 20)   # round(15.15), round(20.2)
    joined = np.column_stack([np.vstack([X_tr, X_val, X_te]), np.concatenate([y_tr, y_val, y_te])])
    original = np.column_stack([X, y])
    by_rows = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_array_equal(by_rows(joined), by_rows(original))
    # Each part is a set of whole rows: look every row up in the original.
    index = {row.tobytes(): i for i, row in enumerate(original)}
    found = [index[row.tobytes()] for row in joined]
    assert sorted(found) == list(range(101))


def test_split_is_a_uniform_shuffle():
    """Over many seeds, every row lands in the test part about test_fraction of the time."""
    n, trials = 20, 2000
    X, y = np.arange(n, dtype=float)[:, None], np.arange(n)
    in_test = np.zeros(n)
    for seed in range(trials):
        in_test[train_val_test_split(X, y, 0.25, 0.25, np.random.default_rng(seed))[5]] += 1
    # Each count is Binomial(trials, 5/20); a chi-square test of uniformity over the rows.
    assert stats.chisquare(in_test).pvalue > 1e-3
    assert abs(in_test.mean() / trials - 0.25) < 1e-12   # exactly 5 test rows every time


# ---------------------------------------------------------------- Dropout

def test_dropout_is_the_identity_in_expectation():
    rng = np.random.default_rng(73)
    x = rng.normal(size=(3, 4))
    layer = Dropout(0.4, np.random.default_rng(5))
    mean = np.mean([layer.forward(x) for _ in range(20000)], axis=0)
    # Each entry is x/(1-p) with probability 1-p: standard deviation |x| sqrt(p/(1-p)) per draw.
    sd = np.abs(x) * np.sqrt(0.4 / 0.6) / np.sqrt(20000)
    assert np.all(np.abs(mean - x) < 5 * sd + 1e-12)


def test_dropout_kept_count_is_binomial():
    layer = Dropout(0.3, np.random.default_rng(6))
    kept = int(np.count_nonzero(layer.forward(np.ones((100, 100)))))
    # Two-sided binomial test of P(keep) = 0.7 on 10 000 independent units.
    assert stats.binomtest(kept, 10000, 0.7).pvalue > 1e-4


def test_dropout_backward_is_the_derivative_of_its_forward_for_a_fixed_mask():
    """With the mask frozen (the same generator state each time), forward is linear in x and
    its finite differences equal backward."""
    x, dout = np.random.default_rng(74).normal(size=(6, 5)), np.random.default_rng(75).normal(size=(6, 5))

    def frozen_forward(z):
        return Dropout(0.5, np.random.default_rng(9)).forward(z)

    numeric = numerical_gradient(lambda z: np.sum(frozen_forward(z) * dout), x.copy())
    layer = Dropout(0.5, np.random.default_rng(9))
    layer.forward(x)
    assert relative_error(layer.backward(dout), numeric) < 1e-7


def test_dropout_eval_mode_is_the_weight_scaling_average_of_a_linear_layer():
    """Averaged over masks, a linear layer after dropout equals the eval-mode network."""
    rng = np.random.default_rng(76)
    x = rng.normal(size=(2, 30))
    net = Sequential(Dropout(0.5, np.random.default_rng(8)), Linear(30, 4, rng))
    averaged = np.mean([net.forward(x) for _ in range(20000)], axis=0)
    net.eval()
    np.testing.assert_allclose(averaged, net.forward(x), atol=0.05)


# ---------------------------------------------------------------- EarlyStopping

def test_early_stopping_on_a_hand_worked_curve():
    losses = [1.0, 0.8, 0.85, 0.7, 0.72, 0.71, 0.9, 0.75]
    stopper = EarlyStopping(patience=3)
    params = {"W": np.zeros(1)}
    flags = []
    for epoch, loss in enumerate(losses):
        params["W"][0] = epoch               # the live array, changed in place every epoch
        flags.append(stopper.step(loss, params))
    # best 0.7 at epoch 3; epochs 4, 5, 6 bring nothing: stop at epoch 6.
    assert flags[:7] == [False, False, False, False, False, False, True]
    assert (stopper.best_loss, stopper.best_epoch) == (0.7, 3)
    assert stopper.best_params["W"][0] == 3.0


def test_early_stopping_best_params_survive_a_training_loop():
    rng = np.random.default_rng(77)
    model = Sequential(Linear(3, 4, rng), ReLU(), Linear(4, 2, rng))
    params = model.parameters()
    stopper = EarlyStopping(patience=2)
    snapshots = []
    for loss in [3.0, 2.0, 2.5, 2.6]:
        snapshots.append(copy.deepcopy(params))
        stopper.step(loss, params)
        for p in params.values():
            p -= 0.1                          # an optimiser step, in place
    for key in params:
        np.testing.assert_array_equal(stopper.best_params[key], snapshots[1][key])
