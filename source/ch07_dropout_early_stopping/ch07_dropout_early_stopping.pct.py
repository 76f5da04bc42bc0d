# %% [markdown]
# # Chapter 7 — Dropout, early stopping and regularisation
#
# A network with many more parameters than training samples can learn its training set by
# heart, noise included. Its training loss goes to zero while its error on new data goes up:
# it **over-fits**. This chapter measures over-fitting honestly, with data the network never
# trained on, and fights it with three tools from the lecture: a penalty on the weights
# (**L2**, or weight decay), random **dropout** of hidden units during training, and **early
# stopping** at the epoch where the validation loss was lowest.
#
# **Goals.** By the end of this notebook you will have written:
#
# 1. `train_val_test_split`, which shuffles a data set into training, validation and test parts;
# 2. `l2_penalty`, the penalty $\frac\lambda2\sum\lVert W\rVert^2$ on the weight matrices and its
#    gradient;
# 3. `Dropout`, a layer of the chapter-4 Module protocol (inverted dropout, with a training and
#    an evaluation mode);
# 4. `EarlyStopping`, which watches the validation loss, keeps a copy of the best weights and
#    says when to stop;
#
# and you will watch a wide network over-fit a small set of handwritten digits, see what each
# tool changes in the training and validation curves, read dropout as an ensemble of networks,
# and explore $p$, $\lambda$ and the patience in a widget.
#
# **What the lecture said.** The *training* error is an optimistic estimate of the error on new
# data, and the more flexible the model, the more optimistic. We choose the model (its size,
# $\lambda$, $p$, the number of epochs) on a *validation* set and estimate the error of the
# final choice, once, on a *test* set. Regularisation trades a little training error for less
# variance: L2 keeps the weights small; dropout trains an exponential number of thinned
# networks that share their weights and averages them at test time; early stopping limits how
# far gradient descent travels from its small initial weights.
#
# **Notation.**
#
# | symbol | code | meaning |
# |---|---|---|
# | $n$, $d$ | `n`, `d` | number of samples (rows of `X`), number of features |
# | $\mathcal L(\theta)$ | `loss` | the data loss, a mean over samples (here softmax cross-entropy) |
# | $\lambda$ | `lam` | strength of the L2 penalty $\frac\lambda2\sum_l\lVert W^l\rVert^2$ |
# | $p$ | `p` | dropout's **drop** probability (a unit is kept with probability $1-p$) |
# | $m$ | `mask` | dropout's random 0/1 mask, one entry per unit and per sample |
# | patience | `patience` | number of epochs in a row without improvement before stopping |
#
# Parameters are the dicts of chapter 4: `model.parameters()` maps `"0.W"`, `"0.b"`, `"2.W"`, …
# to the layers' own arrays. Randomness comes only from the `rng` you are given.
#
# **How to work.** Run the first cells, then go down the notebook. Each answer lives in its own
# cell, where `raise NotImplementedError()` marks the place of your code; the cell after it
# holds *visible* tests. Hidden tests check exact values, statistics and edge cases when the
# notebook is graded. Your code must not modify its inputs, and must not print warnings.

# %% nbgrader={"locked": true, "grade_id": "setup"}
import numpy as np
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

from utils.checks import (check_close, check_dtype, check_equal, check_raises, check_shape,
                          check_true, check_type, check_unchanged)
from utils.datasets import standardize
from utils.nn import Module
from utils.plotting import figures_off_while_grading, plot_loss_curves
from utils.widgets import regularization_explorer, show

figures_off_while_grading()  # the grader looks at test results, not figures: skip drawing
# Our matrices are small: one BLAS thread is faster than two that keep waiting for each other.
threadpool_limits(limits=1)

plt.rcParams["figure.figsize"] = (6.4, 3.6)

# %% nbgrader={"locked": true, "grade_id": "reference_ch04"}
# chapter 4's reference layers: written here by `python -m course sync`

# %% [markdown]
# The cell above holds chapter 4's reference `Linear`, `ReLU`, `Sigmoid`, `Sequential`,
# `softmax_cross_entropy`, `mse_loss` and `sgd_step` (read-only): this chapter builds on them.
#
# ## 1. Three data sets, three roles
#
# * The **training set** fits the parameters: every gradient step looks at it.
# * The **validation set** chooses everything gradient descent does not: the architecture,
#   $\lambda$, $p$, the learning rate, the epoch at which to stop. We look at it many times.
# * The **test set** estimates how well the *final* choice does on new data. We look at it
#   **once**, at the very end; a number we have optimised against is no longer an estimate.
#
# **Leakage** is any path by which the held-out data influence training or the choices:
# standardising with the mean and standard deviation of *all* the data (the statistics must
# come from the training set alone, as `utils.datasets.standardize` does), the same sample (or
# a near-copy) in two parts, or picking among models by their test score. Each makes the
# held-out error look better than the error on truly new data.
#
# The split itself must be random: data sets often come sorted (by class, by date, by
# patient), and the first 80 % is then not like the last 20 %. `train_val_test_split` draws
# one permutation of the rows from `rng` and cuts it in three: `round(n·val_fraction)`
# validation rows, `round(n·test_fraction)` test rows, and the rest for training. Every row
# lands in exactly one part, with its own label.

# %% nbgrader={"solution": true, "grade_id": "train_val_test_split"}
def train_val_test_split(X, y, val_fraction, test_fraction, rng):
    """Shuffle the rows of ``(X, y)`` and cut them into training, validation and test parts.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Samples, one per row.
    y : ndarray, shape (n,)
        Labels (or targets), ``y[i]`` belonging to ``X[i]``.
    val_fraction, test_fraction : float
        Fractions of the rows for validation and test, each in ``[0, 1)``, such that
        ``round(n·val_fraction) + round(n·test_fraction) <= n`` (``n = 3`` with 0.5 and 0.5
        rounds to 2 + 2 rows and has no split; the tests never ask for one, nor for a size
        that is an exact half, where Python's ``round`` and ``np.round`` go to the even
        number and ``int(x + 0.5)`` up).
    rng : numpy.random.Generator
        Draws the shuffling (the only source of randomness).

    Returns
    -------
    X_train, y_train, X_val, y_val, X_test, y_test : ndarray
        ``round(n * val_fraction)`` validation rows, ``round(n * test_fraction)`` test rows and
        the remaining ``n - n_val - n_test`` training rows, with shapes ``(n_part, d)`` and
        ``(n_part,)``; which slice of the permutation goes to which part is yours to choose. The parts are disjoint, together exactly the rows of ``(X, y)``, each
        ``X`` row kept with its label. ``X`` and ``y`` are not modified.
    """
    ### BEGIN SOLUTION
    n = len(X)
    n_val, n_test = round(n * val_fraction), round(n * test_fraction)
    order = rng.permutation(n)
    val, test, train = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    return X[train], y[train], X[val], y[val], X[test], y[test]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_train_val_test_split_visible", "points": 1}
import numpy as np
from utils.checks import check_equal, check_shape, check_true

X = np.arange(20.0).reshape(10, 2)   # row i is (2i, 2i + 1)
y = np.arange(10)
parts = train_val_test_split(X, y, 0.2, 0.3, np.random.default_rng(0))
check_true("train_val_test_split(X, y, 0.2, 0.3, rng)", isinstance(parts, tuple) and len(parts) == 6,
           "a tuple of six arrays (X_train, y_train, X_val, y_val, X_test, y_test)")
X_train, y_train, X_val, y_val, X_test, y_test = parts
check_shape("X_train for n=10, val 0.2, test 0.3", X_train, (5, 2), hint="the rest of the rows: 10 − 2 − 3")
check_shape("X_val for n=10, val 0.2, test 0.3", X_val, (2, 2), hint="round(10 · 0.2) rows")
check_shape("X_test for n=10, val 0.2, test 0.3", X_test, (3, 2), hint="round(10 · 0.3) rows")
check_equal("all the labels, sorted", np.sort(np.concatenate([y_train, y_val, y_test])), np.arange(10),
            hint="every row in exactly one part")
check_equal("each training row with its own label", X_train[:, 0], 2.0 * y_train,
            hint="index X and y with the same indices")

# %% nbgrader={"grade": true, "grade_id": "test_train_val_test_split_hidden", "points": 3}
# Hidden tests of train_val_test_split: the sizes (round), disjoint parts that hold exactly the
# rows with their labels, a shuffled and reproducible split, n = 1, inputs left unchanged.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_equal, check_shape, check_true, check_unchanged


def labelled_rows(X_part, y_part):
    """The rows (X row, label) of a part, in lexicographic order."""
    rows = np.column_stack([X_part, y_part])
    return rows[np.lexsort(rows.T[::-1])]


rng = np.random.default_rng(7201)
for n, d, val_fraction, test_fraction in [(1, 1, 0.3, 0.3), (7, 1, 0.27, 0.13), (10, 3, 0.27, 0.26),
                                          (101, 4, 0.15, 0.2), (60, 2, 0.0, 0.2), (40, 2, 0.35, 0.0),
                                          (500, 2, 0.1, 0.33)]:
    X = 1e3 * rng.normal(size=(n, d))          # distinct rows, so each can be found again
    y = rng.integers(0, 5, size=n)
    X_before, y_before = X.copy(), y.copy()
    n_val, n_test = round(n * val_fraction), round(n * test_fraction)
    n_train = n - n_val - n_test
    case = f"train_val_test_split with n={n}, d={d}, val_fraction={val_fraction}, test_fraction={test_fraction}"
    parts = train_val_test_split(X, y, val_fraction, test_fraction, np.random.default_rng(n))
    check_true(case, isinstance(parts, tuple) and len(parts) == 6, "a tuple of six arrays")
    X_tr, y_tr, X_val, y_val, X_te, y_te = parts
    for name, part, shape in [("X_train", X_tr, (n_train, d)), ("y_train", y_tr, (n_train,)),
                              ("X_val", X_val, (n_val, d)), ("y_val", y_val, (n_val,)),
                              ("X_test", X_te, (n_test, d)), ("y_test", y_te, (n_test,))]:
        check_shape(f"{name} of {case}", part, shape,
                    hint=f"round(n·fraction) rows for validation ({n_val}) and test ({n_test}), the "
                         "rest for training; round(), not int(), which rounds 2.7 down to 2")
    check_equal(f"the rows (X row, label) of all three parts together, {case}",
                labelled_rows(np.vstack([X_tr, X_val, X_te]), np.concatenate([y_tr, y_val, y_te])),
                labelled_rows(X_before, y_before),
                hint="every row in exactly one part (no overlap, none left out), each with its own "
                     "label: index X and y with the same indices of one permutation")
    check_equal(f"dtype of y_train, {case}", y_tr.dtype, y_before.dtype, hint="index y; do not convert it")
    check_unchanged(f"X after {case}", X_before, X, hint="shuffle indices, not X itself in place")
    check_unchanged(f"y after {case}", y_before, y, hint="shuffle indices, not y itself in place")

# Shuffled: no part is a block of consecutive rows of the input, and a seed fixes the split.
n = 500
X, y = np.arange(2.0 * n).reshape(n, 2), np.arange(n)   # y is each row's original index
X_tr, y_tr, X_val, y_val, X_te, y_te = train_val_test_split(X, y, 0.2, 0.3, np.random.default_rng(3))
for name, indices in [("training", y_tr), ("validation", y_val), ("test", y_te)]:
    check_true(f"the {name} part of a 500-row split", indices.max() - indices.min() + 1 > len(indices),
               "rows drawn from all over the data set, not a block of consecutive rows",
               hint="shuffle with rng.permutation(n) (or rng.shuffle of an index array) before cutting")
again = train_val_test_split(X, y, 0.2, 0.3, np.random.default_rng(3))
check_equal("training labels of two splits with generators of the same seed", again[1], y_tr,
            hint="draw the permutation from rng only (never np.random.*): a seed fixes the split")
other = train_val_test_split(X, y, 0.2, 0.3, np.random.default_rng(4))
check_true("training parts of two splits with different seeds", not np.array_equal(other[1], y_tr),
           "different seeds to give different splits", hint="shuffle with rng")
### END HIDDEN TESTS

# %% [markdown]
# **Why the test set is looked at once.** Suppose we try many models and keep the one with the
# best validation accuracy. Even if every model were useless, the best of many would look good
# on validation, by chance alone. Here are 200 "models" that guess a digit at random (true
# accuracy 10 %), scored on a validation and a test set of 359 images each (20 % of the 1797
# digits, rounded).

# %%
digits = load_digits()
X_all, y_all = digits.data, digits.target
rng = np.random.default_rng(0)
X_train, y_train, X_val, y_val, X_test, y_test = train_val_test_split(X_all, y_all, 0.2, 0.2, rng)
print(f"{len(X_all)} digits: {len(X_train)} training, {len(X_val)} validation, {len(X_test)} test")

guesses_val = rng.integers(0, 10, size=(200, len(y_val)))    # model k guesses guesses_val[k]
guesses_test = rng.integers(0, 10, size=(200, len(y_test)))
val_accuracy = (guesses_val == y_val).mean(axis=1)
test_accuracy = (guesses_test == y_test).mean(axis=1)
best = int(np.argmax(val_accuracy))
print(f"best of 200 random guessers: validation accuracy {val_accuracy[best]:.1%}, "
      f"test accuracy {test_accuracy[best]:.1%} (true accuracy 10 %)")

fig, ax = plt.subplots()
ax.hist(val_accuracy, bins=20, color="C0", alpha=0.7, label="validation accuracy of 200 random guessers")
ax.axvline(val_accuracy[best], color="C3", label=f"the one we would pick: {val_accuracy[best]:.1%}")
ax.axvline(test_accuracy[best], color="k", ls="--", label=f"its test accuracy: {test_accuracy[best]:.1%}")
ax.set_xlabel("accuracy")
ax.set_ylabel("number of models")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# The winner's validation score is a *maximum* of 200 noisy numbers: biased upwards. Its test
# score, on data that played no part in the choice, is back at chance. The same happens,
# more mildly, when we tune $\lambda$ or the number of epochs on the validation set: the
# validation score of the chosen setting is optimistic, which is why a separate test set is
# kept for the end.
#
# **Question (2 points).** A colleague tries 40 combinations of learning rate, $\lambda$ and $p$,
# and for each one reports the accuracy on the test set; the paper quotes the best of the 40 as
# "the accuracy on new data". (a) What is wrong, and in which direction is the number off?
# (b) What should they have done instead? (c) They also standardised the pixels with the mean
# and standard deviation of the whole data set before splitting: why is that leakage, too?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_test_set_leakage", "points": 2}
# **Model answer.** (a) The test set was used to *choose* among 40 models, so it acted as a
# validation set: the best of 40 noisy scores is biased upwards (selection bias, as with the
# random guessers above), and the quoted accuracy is optimistic. (b) Choose the combination on
# a validation set (or by cross-validation on the training data), retrain if wished, then
# evaluate that single final model once on the untouched test set and report that number.
# (c) The mean and standard deviation then carry information about the validation and test
# rows into the training inputs; the preprocessing is part of the model, so its statistics must
# be computed on the training set only and applied unchanged to the other parts.
# 2 points: (a) selection on the test set, optimistic (1); (b) validation for choices, test once,
# and (c) statistics from training only (1).

# %% [markdown]
# ## 2. A wide network over-fits a small training set
#
# We give a network with one hidden layer of 256 ReLUs (about 19 000 parameters) only **200**
# training digits. To make memorisation visible within a few seconds of training, each of these
# training labels is replaced, with probability 0.3, by a wrong digit (the cell below prints how
# many were), as happens (less often) in real data labelled
# by tired people; the validation and test labels stay clean. The pixels are standardised with
# the training subset's statistics only.
#
# `wide_mlp(dropout_layer, rng)` builds the network with a given layer after the hidden
# ReLUs: `Dropout(p, rng)` from section 4, or the identity for now (a module that does
# nothing). `fit` is the training loop of chapter 4 with three additions, each used later:
# an optional L2 penalty added to the gradients, `model.train()` / `model.eval()` around the
# training and evaluation phases, and an optional early-stopping rule. It records the training
# and validation loss and the validation accuracy after every epoch, all in evaluation mode.

# %%
N_SMALL, NOISE, HIDDEN, EPOCHS, LR, BATCH = 200, 0.3, 256, 100, 0.1, 32

rng = np.random.default_rng(1)
X_small, y_small = X_train[:N_SMALL], y_train[:N_SMALL].copy()   # the split was shuffled already
flipped = rng.random(N_SMALL) < NOISE
y_small[flipped] = (y_small[flipped] + rng.integers(1, 10, size=flipped.sum())) % 10  # a wrong digit
X_small, X_val_std, X_test_std = standardize(X_small, X_val, X_test)  # training statistics only
print(f"{N_SMALL} training digits, {np.mean(y_small != y_train[:N_SMALL]):.0%} of them with a wrong label")


class Identity(Module):
    """A layer that passes everything through (no dropout)."""

    def forward(self, x):
        return x

    def backward(self, dout):
        return dout


def wide_mlp(dropout_layer, rng):
    """64 -> 256 ReLUs -> dropout_layer -> 10 logits."""
    return Sequential(Linear(64, HIDDEN, rng), ReLU(), dropout_layer, Linear(HIDDEN, 10, rng))


def evaluate(model, X, y):
    """Mean cross-entropy and accuracy of the model in evaluation mode."""
    model.eval()
    logits = model.forward(X)
    return softmax_cross_entropy(logits, y)[0], float(np.mean(logits.argmax(axis=1) == y))


def fit(model, rng, lam=0.0, stopper=None, epochs=EPOCHS):
    """Mini-batch SGD on the small training set; the curves per epoch."""
    params = model.parameters()
    history = {"train loss": [], "validation loss": [], "validation accuracy": []}
    for _ in range(epochs):
        model.train()
        order = rng.permutation(N_SMALL)
        for start in range(0, N_SMALL, BATCH):
            batch = order[start:start + BATCH]
            _, dlogits = softmax_cross_entropy(model.forward(X_small[batch]), y_small[batch])
            model.backward(dlogits)
            grads = model.gradients()
            if lam > 0:  # the gradient of the penalty adds to the data loss's
                _, penalty_grads = l2_penalty(params, lam)
                grads = {key: grads[key] + penalty_grads[key] for key in grads}
            sgd_step(params, grads, LR)
        history["train loss"].append(evaluate(model, X_small, y_small)[0])
        val_loss, val_acc = evaluate(model, X_val_std, y_val)
        history["validation loss"].append(val_loss)
        history["validation accuracy"].append(val_acc)
        if stopper is not None and stopper.step(val_loss, params):
            break
    return {name: np.array(values) for name, values in history.items()}


def describe(name, history):
    """One line: the last training loss, the lowest and the last validation loss, the accuracy."""
    val = history["validation loss"]
    lowest = int(np.argmin(val))
    print(f"{name}: training loss {history['train loss'][-1]:.3f}; validation loss lowest "
          f"{val[lowest]:.3f} (epoch {lowest}), last {val[-1]:.3f}; validation accuracy "
          f"{history['validation accuracy'][-1]:.1%}")
    return lowest


def plot_run(history, title, best_epoch=None, axes=None):
    """Losses (left) and validation accuracy (right) against the epoch."""
    if axes is None:
        axes = plt.subplots(1, 2, figsize=(11, 3.6))[1]
    losses = {k: v for k, v in history.items() if "loss" in k}
    plot_loss_curves(losses, ax=axes[0], best_epoch=best_epoch, ylabel="cross-entropy")
    plot_loss_curves({"validation accuracy": history["validation accuracy"]}, ax=axes[1],
                     best_epoch=best_epoch, ylabel="accuracy")
    axes[0].set_title(title)
    return axes


plain_model = wide_mlp(Identity(), np.random.default_rng(2))
plain = fit(plain_model, np.random.default_rng(3))
plot_run(plain, "no regularisation", best_epoch=describe("no regularisation", plain))
plt.show()

# %% [markdown]
# The training loss falls towards zero: the network learns every training label, the wrong
# ones included. The validation loss falls fast for about ten epochs, while the network learns
# what digits look like; from there it is almost flat (its lowest point, at the epoch printed
# above, is barely below epoch 10's) and then drifts slowly up while the network memorises the
# noise, ending above its minimum; the validation accuracy, highest in the first ten epochs,
# drifts down with it. The growing gap between the two losses is over-fitting.
#
# ## 3. L2 regularisation: a penalty on the weights
#
# Add to the data loss a penalty on the size of the weight matrices:
#
# $$\mathcal L_\lambda(\theta) = \mathcal L(\theta) + \frac\lambda2 \sum_l \lVert W^l\rVert^2,
# \qquad \frac{\partial}{\partial W^l}\Big(\frac\lambda2\lVert W^l\rVert^2\Big) = \lambda W^l .$$
#
# ($\lVert W\rVert^2$ is the sum of the squares of all entries.) The factor ½ makes the
# gradient exactly $\lambda W$, so an SGD step reads
# $W \leftarrow W - \eta(\nabla\mathcal L + \lambda W) = (1 - \eta\lambda)W - \eta\nabla\mathcal L$:
# every step first shrinks the weights by a factor $1 - \eta\lambda$, hence the other name,
# **weight decay**. Small weights make a smooth function of the input, which cannot bend
# around every training point. This is chapter 1's ridge regression, applied to every layer.
#
# Only the weight matrices are penalised (the keys ending in `"W"`: `"0.W"`, `"2.W"`, …), not
# the biases: a bias shifts a unit without making the function any steeper, and pulling it to
# zero would only bias the outputs. `l2_penalty` returns the penalty and a gradient for
# **every** key, zeros of the right shape for the biases, so that it can be added to
# `model.gradients()` key by key.

# %% nbgrader={"solution": true, "grade_id": "l2_penalty"}
def l2_penalty(params, lam):
    """L2 penalty on the weight matrices, and its gradient.

    Parameters
    ----------
    params : dict str -> ndarray
        The parameters, e.g. ``model.parameters()`` with keys ``"0.W"``, ``"0.b"``, ``"2.W"``…
        Only the keys ending in ``"W"`` are penalised. Not modified.
    lam : float
        The strength ``λ >= 0``.

    Returns
    -------
    penalty : float
        ``(lam / 2) * Σ ‖W‖²`` over the keys ending in ``"W"`` (sum of squared entries);
        one float64 number; only its value is checked, so a Python float, a ``np.float64``
        or a 0-d float64 array all pass.
    grads : dict str -> ndarray
        The same keys as ``params``: ``lam * W`` for the weight matrices, zeros of the
        parameter's shape for every other key (biases are not penalised). New arrays.
    """
    ### BEGIN SOLUTION
    penalty = 0.0
    grads = {}
    for key, array in params.items():
        if key.endswith("W"):
            penalty += 0.5 * lam * float(np.sum(array ** 2))
            grads[key] = lam * array
        else:
            grads[key] = np.zeros_like(array)
    return penalty, grads
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_l2_penalty_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_equal

params = {"0.W": np.array([[1.0, -2.0]]), "0.b": np.array([3.0, 4.0]), "2.W": np.array([[2.0], [0.0]])}
penalty, grads = l2_penalty(params, 0.1)
check_close("l2_penalty of W's with squares summing to 1 + 4 + 4, lam = 0.1", penalty, 0.45,
            hint="(lam / 2) · Σ ‖W‖², over the keys ending in 'W' only")
check_equal("sorted keys of the gradients", sorted(grads), ["0.W", "0.b", "2.W"],
            hint="one gradient per parameter, zeros for the biases")
check_close('grads["0.W"]', grads["0.W"], [[0.1, -0.2]], hint="lam · W")
check_close('grads["0.b"]', grads["0.b"], [0.0, 0.0], hint="biases are not penalised: zeros of their shape")

# %% nbgrader={"grade": true, "grade_id": "test_l2_penalty_hidden", "points": 2}
# Hidden tests of l2_penalty: value and gradients on fresh parameters of several networks,
# lam = 0, large weights, biases not penalised, parameters left unchanged, two calls in a row.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_close, check_equal, check_shape, check_type, check_unchanged

rng = np.random.default_rng(7301)
networks = {
    "one layer (W, b)": {"W": (3, 2), "b": (2,)},
    "Sequential(Linear, ReLU, Linear)": {"0.W": (4, 5), "0.b": (5,), "2.W": (5, 3), "2.b": (3,)},
    "three layers, one input and one output": {"0.W": (1, 6), "0.b": (6,), "2.W": (6, 6), "2.b": (6,),
                                               "4.W": (6, 1), "4.b": (1,)},
    "biases only": {"0.b": (3,), "2.b": (2,)},
}
for name, shapes in networks.items():
    for lam, scale in [(0.0, 1.0), (1e-3, 1.0), (0.3, 1.0), (10.0, 1e3)]:
        params = {key: scale * rng.normal(size=shape) for key, shape in shapes.items()}
        before = {key: array.copy() for key, array in params.items()}
        weights = [key for key in shapes if key.endswith("W")]
        expected = 0.5 * lam * sum(np.sum(before[key] ** 2) for key in weights)
        case = f"l2_penalty for {name}, lam={lam:g}, entries of size {scale:g}"
        penalty, grads = l2_penalty(params, lam)
        check_close(f"penalty of {case}", penalty, expected, rtol=1e-10, atol=1e-12,
                    hint="(lam / 2) · the sum of the squares of the entries of every W (keys ending "
                         "in 'W'); not the biases; do not forget the 1/2")
        check_equal(f"sorted keys of the gradients of {case}", sorted(grads), sorted(shapes),
                    hint="a gradient for every key of params, zeros for those not penalised")
        for key, shape in shapes.items():
            check_shape(f'grads["{key}"] of {case}', grads[key], shape, hint="the shape of the parameter")
            want = lam * before[key] if key.endswith("W") else np.zeros(shape)
            check_close(f'grads["{key}"] of {case}', grads[key], want, rtol=1e-12, atol=0,
                        hint="lam · W for the weights (the derivative of (lam/2)‖W‖², not 2·lam·W); "
                             "zeros for the biases")
            check_unchanged(f'params["{key}"] after {case}', before[key], params[key],
                            hint="compute new arrays; do not scale params in place")

# Two calls in a row (as in training, one per step): the first result stays what it was.
params = {"0.W": np.array([[1.0, -2.0]]), "0.b": np.array([3.0])}
first_penalty, first_grads = l2_penalty(params, 0.5)
kept = {key: array.copy() for key, array in first_grads.items()}
l2_penalty({"0.W": np.array([[4.0, 4.0]]), "0.b": np.array([1.0]), "2.W": np.ones((1, 1))}, 2.0)
check_equal("sorted keys of the gradients of a first call, after a second call", sorted(first_grads), ["0.W", "0.b"],
            hint="build a new dict of new arrays at every call, not one dict kept between calls")
for key in kept:
    check_close(f'grads["{key}"] of a first call, after a second call with other parameters', first_grads[key],
                kept[key], rtol=0, atol=0, hint="return new arrays in a new dict at every call")
### END HIDDEN TESTS

# %% [markdown]
# Now the same run with $\lambda = 0.03$ (same initial weights, same mini-batches):

# %%
LAM = 0.03
l2_model = wide_mlp(Identity(), np.random.default_rng(2))
with_l2 = fit(l2_model, np.random.default_rng(3), lam=LAM)
describe(f"L2 (lam = {LAM})", with_l2)

axes = plot_run(with_l2, f"L2, lam = {LAM}")
axes[0].plot(plain["validation loss"], color="C1", ls=":", label="validation loss, no regularisation")
axes[0].legend(fontsize="small")
plt.show()

fig, ax = plt.subplots()
runs = [("no regularisation", plain_model), (f"L2, lam = {LAM}", l2_model)]
largest = max(np.abs(model.parameters()["0.W"]).max() for _, model in runs)
bins = np.linspace(-largest, largest, 61)  # the same bins for both, so the heights compare
for label, model in runs:
    W = model.parameters()["0.W"]
    ax.hist(W.ravel(), bins=bins, alpha=0.6, label=f"{label}: ‖W‖ = {np.linalg.norm(W):.1f}")
ax.set_xlabel('entries of the first layer\'s weights "0.W" after training')
ax.set_ylabel("number of weights")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# The penalty keeps the training loss away from zero (the network can no longer afford the
# large weights that memorising the wrong labels needs) and the validation loss ends lower
# (printed above), without the slow upward drift. The weights are visibly smaller. $\lambda$ is a hyper-parameter:
# too small does nothing, too large under-fits; it is chosen on the validation set.
#
# ## 4. Dropout
#
# During training, dropout sets each hidden unit to zero with probability $p$, independently
# for every unit **and every sample**, with a new random mask $m$ at every forward pass.
# A unit can then not rely on any particular other unit being there, so units cannot
# conspire to memorise a sample together.
#
# **Inverted dropout** scales the kept units by $1/(1-p)$ during training, so that the expected
# output equals the input: with $m_{ij} \sim \text{Bernoulli}(1-p)$,
#
# $$\text{out} = \frac{m \odot x}{1-p}, \qquad \mathbb E[\text{out}] = \frac{(1-p)\,x}{1-p} = x .$$
#
# At test time (`model.eval()`, which sets `training = False` on every layer) the layer is
# the **identity**: no noise, no scaling. The backward pass is the same multiplication, with
# the **same** mask as the forward pass: $\bar x = m \odot \overline{\text{out}} / (1-p)$. In
# evaluation mode it passes the gradient through unchanged.
#
# Draw the mask from `rng` (any way you like: `rng.random(shape) >= p` keeps a unit with
# probability $1-p$). $p$ must satisfy $0 \le p < 1$ ($p = 1$ would drop everything and divide by
# zero): raise a `ValueError` otherwise.

# %% nbgrader={"solution": true, "grade_id": "Dropout"}
class Dropout(Module):
    """Inverted dropout: drop each unit with probability ``p`` while training.

    Parameters
    ----------
    p : float
        The **drop** probability, ``0 <= p < 1``; anything else raises ``ValueError``.
    rng : numpy.random.Generator
        Draws the masks (the only source of randomness).

    Methods
    -------
    forward(x)
        ``x``: float array of shape (n, d) in a network, but any shape must work (1-D, 3-D…):
        one mask entry per entry of ``x``. The values are of ordinary size (the tests use
        magnitudes from 0.5 up to 2·10³; ``x / (1 - p)`` would overflow only near the float64
        limit, about 1e308, which no test reaches). Training mode (``self.training``): draw a
        new mask keeping each entry independently with probability ``1 - p``; return
        ``x * mask / (1 - p)`` and cache the mask (on this layer: every ``Dropout`` of a
        network has its own). Evaluation mode: return ``x`` unchanged.
    backward(dout)
        Training mode: ``dout * mask / (1 - p)`` with the mask of the last forward.
        Evaluation mode: ``dout`` unchanged.

    No parameters: ``params`` and ``grads`` stay empty.
    """

    def __init__(self, p, rng):
        super().__init__()
        ### BEGIN SOLUTION
        if not 0.0 <= p < 1.0:
            raise ValueError(f"the drop probability p must satisfy 0 <= p < 1, got {p!r}")
        self.p = p
        self.rng = rng
        self.scaled_mask = None  # the cache: 1/(1-p) where a unit is kept, 0 where dropped
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        if not self.training:
            return x
        keep = self.rng.random(x.shape) >= self.p
        self.scaled_mask = keep / (1.0 - self.p)
        return x * self.scaled_mask
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        if not self.training:
            return dout
        return dout * self.scaled_mask
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Dropout_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_dtype, check_equal, check_raises, check_shape

layer = Dropout(0.25, np.random.default_rng(0))
x = np.ones((200, 300))
out = layer.forward(x)
check_shape("Dropout(0.25).forward(x) for x of shape (200, 300)", out, (200, 300))
check_dtype("Dropout.forward(x)", out)
dropped = out == 0
check_close("fraction of the units Dropout(0.25) sets to 0", dropped.mean(), 0.25, atol=0.015,
            hint="p is the DROP probability: keep each unit with probability 1 − p")
check_close("the kept units of Dropout(0.25).forward(ones)", out[~dropped], np.full((~dropped).sum(), 4 / 3),
            rtol=1e-12, hint="inverted dropout: kept units are scaled by 1 / (1 − p)")
dx = layer.backward(np.ones((200, 300)))
check_equal("where Dropout.backward(ones) is 0", dx == 0, dropped,
            hint="backward uses the mask of the last forward, not a new one")
layer.eval()
check_equal("Dropout(0.25).forward(x) in eval mode", layer.forward(x), x,
            hint="in evaluation mode (self.training is False) dropout is the identity")
check_raises("Dropout(1.0, rng)", lambda: Dropout(1.0, np.random.default_rng(0)), ValueError,
             hint="p must satisfy 0 <= p < 1")

# %% nbgrader={"grade": true, "grade_id": "test_Dropout_hidden", "points": 3}
# Hidden tests of Dropout: statistics of the masks (any correct way of drawing them passes),
# the exact scaling, backward with the same mask, a new mask per forward, evaluation mode,
# p = 0, invalid p, inputs of shape (1, 1), 1-D and 3-D inputs, entries of magnitude 0.5 to
# 2·10³, inputs with exact zeros, two Dropout layers in one network, inputs left unchanged.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import (check_close, check_dtype, check_equal, check_raises, check_shape, check_true,
                          check_unchanged)


def signed_away_from_zero(rng, shape, scale=1.0):
    """Entries of size 0.5 to 2 (times scale), either sign: never 0, so 0 in an output means dropped."""
    return scale * rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)


rng = np.random.default_rng(7401)
for p in (0.1, 0.5, 0.8):
    for shape, scale in [((400, 500), 1.0), ((4000, 3), 1e3)]:
        x, dout = signed_away_from_zero(rng, shape, scale), signed_away_from_zero(rng, shape)
        x_before, dout_before = x.copy(), dout.copy()
        layer = Dropout(p, np.random.default_rng(rng.integers(1 << 30)))
        case = f"Dropout({p}) on an input of shape {shape}, entries of size {scale:g}"
        out = layer.forward(x)
        check_shape(f"forward of {case}", out, shape)
        check_dtype(f"forward of {case}", out)
        dropped = out == 0
        n = dropped.size
        check_close(f"fraction of units dropped by {case}", dropped.mean(), p, atol=6 * np.sqrt(p * (1 - p) / n),
                    hint="p is the DROP probability: each unit is kept with probability 1 − p, independently")
        check_close(f"kept outputs of {case}", out[~dropped], x_before[~dropped] / (1 - p), rtol=1e-12, atol=0,
                    hint="kept units are scaled by 1 / (1 − p) (inverted dropout), dropped ones are exactly 0")
        check_close(f"mean of forward(x) / x for {case}", np.mean(out / x_before), 1.0,
                    atol=6 * np.sqrt(p / (1 - p) / n),
                    hint="in expectation the output equals the input: keep with probability 1 − p, "
                         "scale by 1 / (1 − p)")
        columns_mixed = dropped.any(axis=0) & (~dropped).any(axis=0)
        check_true(f"the columns of the output of {case}", bool(columns_mixed.all()),
                   "each feature dropped for some samples and kept for others",
                   hint="draw one mask entry per unit AND per sample: a mask of the shape of x, "
                        "not of shape (d,) shared by the whole batch")
        if shape[1] >= 100:
            rows_mixed = dropped.any(axis=1) & (~dropped).any(axis=1)
            check_true(f"the rows of the output of {case}", bool(rows_mixed.all()),
                       "each sample with some units dropped and some kept",
                       hint="draw one mask entry per unit and per sample, not one per sample")
        dx = layer.backward(dout)
        check_shape(f"backward of {case}", dx, shape)
        check_close(f"backward of {case}", dx, np.where(dropped, 0.0, dout_before / (1 - p)), rtol=1e-12, atol=0,
                    hint="backward multiplies dout by the SAME mask as the last forward, scaled by 1 / (1 − p)")
        again = layer.forward(x)
        check_true(f"masks of two forward passes of {case}", not np.array_equal(again == 0, dropped),
                   "a new random mask at every forward pass", hint="draw the mask inside forward")
        check_close(f"backward after a second forward of {case}", layer.backward(dout),
                    np.where(again == 0, 0.0, dout_before / (1 - p)), rtol=1e-12, atol=0,
                    hint="backward uses the mask of the most recent forward")
        check_unchanged(f"x after {case}", x_before, x, hint="return a new array; do not zero x in place")
        check_unchanged(f"dout after {case}", dout_before, dout, hint="return a new array")

        layer.eval()
        check_close(f"forward in eval mode of {case}", layer.forward(x), x_before, rtol=0, atol=0,
                    hint="in evaluation mode (self.training False) dropout is the identity: no mask, no scaling")
        check_close(f"backward in eval mode of {case}", layer.backward(dout), dout_before, rtol=0, atol=0,
                    hint="in evaluation mode backward passes dout through unchanged")
        layer.train()
        check_true(f"forward of {case} back in training mode", bool(np.any(layer.forward(x) == 0)),
                   "units dropped again after train()", hint="look at self.training at every call")

# p = 0 is the identity in both modes; tiny inputs; the rng decides.
x, dout = signed_away_from_zero(rng, (5, 4)), signed_away_from_zero(rng, (5, 4))
no_drop = Dropout(0.0, np.random.default_rng(1))
check_close("Dropout(0.0).forward(x)", no_drop.forward(x), x, rtol=0, atol=0, hint="p = 0 drops nothing")
check_close("Dropout(0.0).backward(dout)", no_drop.backward(dout), dout, rtol=0, atol=0)
single = Dropout(0.5, np.random.default_rng(2))
out = single.forward(np.array([[3.0]]))
check_shape("Dropout(0.5).forward of shape (1, 1)", out, (1, 1))
check_true("Dropout(0.5).forward([[3]])", out[0, 0] in (0.0, 6.0), "0 (dropped) or 3 / (1 − 0.5) = 6 (kept)")
x = signed_away_from_zero(rng, (50, 40))
first = Dropout(0.3, np.random.default_rng(11)).forward(x)
second = Dropout(0.3, np.random.default_rng(11)).forward(x)
check_equal("outputs of two Dropout(0.3) with generators of the same seed", first, second,
            hint="draw the mask from self.rng (the rng argument) only, never from np.random")

# Any shape: one mask entry per entry of x, for a 1-D and a 3-D input.
for shape in [(2000,), (40, 30, 20)]:
    x = signed_away_from_zero(rng, shape)
    layer = Dropout(0.4, np.random.default_rng(12))
    out = layer.forward(x)
    check_shape(f"Dropout(0.4).forward of an input of shape {shape}", out, shape,
                hint="draw the mask with the shape of x (rng.random(x.shape)), whatever its number of axes")
    dropped = out == 0
    check_close(f"fraction of units dropped by Dropout(0.4) on shape {shape}", dropped.mean(), 0.4,
                atol=6 * np.sqrt(0.4 * 0.6 / dropped.size), hint="one independent mask entry per entry of x")
    check_close(f"kept outputs of Dropout(0.4) on shape {shape}", out[~dropped], x[~dropped] / 0.6, rtol=1e-12, atol=0)
    check_close(f"backward of Dropout(0.4) on shape {shape}", layer.backward(x), np.where(dropped, 0.0, x / 0.6),
                rtol=1e-12, atol=0, hint="backward multiplies by the mask of the last forward")

# Inputs with exact zeros (the ReLU outputs dropout follows in a network): a kept unit whose
# input is 0 still passes its gradient, so backward needs the mask drawn in forward, not one
# rebuilt from the output (out != 0). The kept fraction among them is binomial: 6σ bounds.
x = np.maximum(signed_away_from_zero(rng, (300, 200)), 0.0)   # about half the entries exactly 0
layer = Dropout(0.3, np.random.default_rng(13))
out = layer.forward(x)
dx = layer.backward(np.ones_like(x))
zero = x == 0
check_close("backward(ones) of Dropout(0.3) where the input was not 0", dx[~zero],
            np.where(out == 0, 0.0, 1 / 0.7)[~zero], rtol=1e-12, atol=0,
            hint="backward multiplies by the mask of the last forward, scaled by 1 / (1 − p)")
passed = dx[zero][dx[zero] != 0]
check_close("backward(ones) of Dropout(0.3) where the input was 0 and the gradient is not", passed,
            np.full(passed.shape, 1 / 0.7), rtol=1e-12, atol=0, hint="a kept unit's gradient is scaled by 1 / (1 − p)")
check_close("fraction of the units with input 0 whose gradient Dropout(0.3).backward passes", np.mean(dx[zero] != 0),
            0.7, atol=6 * np.sqrt(0.7 * 0.3 / zero.sum()),
            hint="keep the mask drawn in forward (self.mask): rebuilding it from the output (out != 0) "
                 "loses the kept units whose input was 0, as after a ReLU")

# Two Dropout layers in one network: forward through both, then backward in reverse order;
# each layer's backward must use its own mask (a mask kept on the class would be the other's).
x, dout = signed_away_from_zero(rng, (60, 50)), signed_away_from_zero(rng, (60, 50))
lower, upper = Dropout(0.5, np.random.default_rng(21)), Dropout(0.3, np.random.default_rng(22))
hidden = lower.forward(x)
out = upper.forward(hidden)
# Where the lower layer dropped a unit, the upper output is 0 whatever the upper mask says:
# the upper mask is seen only where the lower layer kept the unit.
seen = hidden != 0
d_hidden = upper.backward(dout)
check_close("backward of the upper of two Dropout layers, where the lower one kept the unit",
            d_hidden[seen], np.where(out == 0, 0.0, dout / 0.7)[seen], rtol=1e-12, atol=0,
            hint="keep the mask on the layer (self.mask), not on the class: each Dropout has its own")
d_x = lower.backward(d_hidden)
check_close("backward of the lower of two Dropout layers", d_x, np.where(hidden == 0, 0.0, d_hidden / 0.5),
            rtol=1e-12, atol=0,
            hint="keep the mask on the layer (self.mask), not on the class: each Dropout has its own")

for bad_p in (-0.1, 1.0, 1.5):
    check_raises(f"Dropout({bad_p}, rng)", lambda: Dropout(bad_p, np.random.default_rng(0)), ValueError,
                 hint="raise ValueError unless 0 <= p < 1 (p = 1 would drop every unit)")
check_true("Dropout(0.99, rng)", isinstance(Dropout(0.99, np.random.default_rng(0)), Dropout),
           "no error for p = 0.99", hint="0 <= p < 1 is allowed")
### END HIDDEN TESTS

# %% [markdown]
# The same run with dropout, $p = 0.5$, after the hidden layer:

# %%
P_DROP = 0.5
dropout_model = wide_mlp(Dropout(P_DROP, np.random.default_rng(4)), np.random.default_rng(2))
with_dropout = fit(dropout_model, np.random.default_rng(3))
describe(f"dropout (p = {P_DROP})", with_dropout)

axes = plot_run(with_dropout, f"dropout, p = {P_DROP}")
axes[0].plot(plain["validation loss"], color="C1", ls=":", label="validation loss, no regularisation")
axes[1].plot(plain["validation accuracy"], color="C1", ls=":", label="no regularisation")
for ax in axes:
    ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# Read these curves carefully. Dropout makes memorising harder (no sample can be learnt by
# one particular team of units, which may be absent at the next pass), and the validation
# accuracy tends to stay a little higher than without regularisation. But trained long enough on
# so little, noisy data, the network still fits the wrong labels: its training loss still goes
# to zero, and its validation loss ends hardly better than the plain run's. Dropout alone does
# not stop memorisation; it is combined with the other tools (early stopping, below; a little
# weight decay) and pays off most in large networks trained on much more data.
#
# ## 5. Dropout as an implicit ensemble
#
# Each mask picks a *thinned* sub-network: with 256 hidden units there are $2^{256}$ of them,
# all sharing the same weights. Each mini-batch trains a few of them, one per sample. At test
# time we would like the average prediction of the whole ensemble; evaluation mode replaces
# that average by one pass through the full network, with the activations at their expected
# value (the *weight-scaling rule*; with inverted dropout the scaling already happened during
# training). Let us compare, on the validation set of the network just trained:
#
# * single thinned networks (one random mask, training mode);
# * the average of the predicted probabilities of $K$ thinned networks (Monte-Carlo dropout);
# * the evaluation-mode network.

# %%
def predicted_probabilities(model, X):
    logits = model.forward(X)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


dropout_model.train()                   # masks on: every forward pass is a new thinned network
members = np.array([predicted_probabilities(dropout_model, X_val_std) for _ in range(100)])
dropout_model.eval()
eval_probabilities = predicted_probabilities(dropout_model, X_val_std)

member_accuracy = (members.argmax(axis=2) == y_val).mean(axis=1)
ensemble_sizes = np.arange(1, len(members) + 1)
running_mean = np.cumsum(members, axis=0) / ensemble_sizes[:, None, None]
ensemble_accuracy = (running_mean.argmax(axis=2) == y_val).mean(axis=1)
eval_accuracy = float(np.mean(eval_probabilities.argmax(axis=1) == y_val))
agreement = float(np.mean(running_mean[-1].argmax(axis=1) == eval_probabilities.argmax(axis=1)))
print(f"one thinned network: accuracy {member_accuracy.mean():.1%} on average")
print(f"average of 100 thinned networks: {ensemble_accuracy[-1]:.1%};  evaluation mode: {eval_accuracy:.1%}")
print(f"the two agree on {agreement:.1%} of the validation digits")

fig, ax = plt.subplots()
ax.plot(ensemble_sizes, ensemble_accuracy, label="average of K thinned networks")
ax.axhline(member_accuracy.mean(), color="C2", ls=":", label="one thinned network (mean)")
ax.axhline(eval_accuracy, color="k", ls="--", label="evaluation mode (one pass)")
ax.set_xscale("log")
ax.set_xlabel("number K of masks averaged")
ax.set_ylabel("validation accuracy")
ax.legend(loc="lower right", fontsize="small")
plt.show()

# %% [markdown]
# A single thinned network is clearly worse than the full one; averaging more and more of them
# climbs towards the full network's accuracy, and the evaluation-mode pass agrees with the
# average of 100 on almost every digit, at the cost of one forward pass. That is the sense in which dropout trains an ensemble
# and evaluation mode approximates its vote. (Keeping the masks on at test time and averaging
# is "Monte-Carlo dropout"; the spread of the members is a rough measure of uncertainty.)
#
# **Question (2 points).** (a) Why does inverted dropout divide by $1-p$ during training? What
# would go wrong at test time if a layer dropped units *without* this scaling and was then
# used as the identity in evaluation mode? (b) A student forgets `model.eval()` before
# computing the validation accuracy. What do they measure instead, and why is it typically
# lower and different at every run?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_dropout_scaling", "points": 2}
# **Model answer.** (a) A kept unit survives with probability $1-p$, so without scaling the
# expected input of the next layer during training is $(1-p)x$; that layer's weights adapt to
# activations that small. In evaluation mode every unit is present, so the next layer would
# receive $x$, about $1/(1-p)$ times larger than anything it saw in training, and its outputs
# would be off by that factor. Dividing by $1-p$ during training makes
# $\mathbb E[\text{out}] = x$, so the identity at test time matches what the network learned
# (the original paper instead multiplied the weights by $1-p$ at test time: same expectation).
# (b) They measure one random thinned network (a new one at every call): the masks add noise,
# each member alone is less accurate than the averaged, full network, and the number changes
# from run to run. It is an estimate of the accuracy of a single ensemble member, not of the
# model that will be used.
# 2 points: (a) expectation (1−p)x vs x, scale mismatch at test time (1); (b) a random thinned
# network, noisy and worse (1).

# %% [markdown]
# ## 6. Early stopping
#
# The plain run's validation loss was lowest after a few epochs. Early stopping watches the
# validation loss after every epoch, keeps a **copy** of the parameters whenever it reaches a
# new best, and stops once `patience` epochs in a row brought no improvement; we then put the
# best parameters back into the network. An epoch counts as an improvement only when
# `val_loss < best_loss - min_delta` (strictly): `min_delta > 0` ignores improvements too small
# to matter.
#
# `step(val_loss, params)` is called once per epoch. Its calls are numbered from 0, and
# `best_epoch` is the number of the call that set `best_loss`. `best_params` must be a **deep
# copy**: `params` holds the network's own arrays, which the optimiser keeps changing in place,
# so storing the dict (or the same arrays) would "remember" the latest weights, not the best.
# `step` returns `True` exactly when `patience` calls in a row have brought no improvement.

# %% nbgrader={"solution": true, "grade_id": "EarlyStopping"}
class EarlyStopping:
    """Stop training when the validation loss stops improving; remember the best parameters.

    Parameters
    ----------
    patience : int
        Number of calls in a row without improvement after which ``step`` returns True.
    min_delta : float
        A call improves when ``val_loss < best_loss - min_delta`` (strictly).

    Attributes
    ----------
    best_loss : float
        The lowest validation loss seen so far.
    best_epoch : int
        The index of the ``step`` call that gave ``best_loss``, counting calls from 0.
    best_params : dict str -> ndarray
        Deep copies of the parameters passed at that call (not the live arrays).

    Before the first call these three hold whatever placeholder you choose (``inf`` or
    ``None``, ``-1`` or ``None``, ``None`` or ``{}``); nothing reads them then.

    Methods
    -------
    step(val_loss, params) -> bool
        Record one epoch's validation loss and the current parameters; return True when
        training should stop: at the call that completes ``patience`` calls in a row without
        improvement. Training stops there, so what later calls return is yours to choose
        (True again, or False until the count is reached anew).
    """

    def __init__(self, patience=5, min_delta=0.0):
        ### BEGIN SOLUTION
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = np.inf
        self.best_epoch = -1
        self.best_params = None
        self.n_calls = 0
        self.calls_without_improvement = 0
        ### END SOLUTION

    def step(self, val_loss, params):
        ### BEGIN SOLUTION
        epoch = self.n_calls
        self.n_calls += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = float(val_loss)
            self.best_epoch = epoch
            self.best_params = {key: array.copy() for key, array in params.items()}
            self.calls_without_improvement = 0
        else:
            self.calls_without_improvement += 1
        return self.calls_without_improvement >= self.patience
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_EarlyStopping_visible", "points": 1}
import numpy as np
from utils.checks import check_close, check_equal

stopper = EarlyStopping(patience=2)
params = {"W": np.array([1.0, 2.0])}
flags = [bool(stopper.step(loss, params)) for loss in [3.0, 2.0, 2.5, 2.2]]
check_equal("EarlyStopping(patience=2).step for losses 3, 2, 2.5, 2.2", flags, [False, False, False, True],
            hint="stop after `patience` calls in a row without a new best")
check_close("best_loss", stopper.best_loss, 2.0)
check_equal("best_epoch", stopper.best_epoch, 1, hint="the index of the best call, counting from 0")
check_close('best_params["W"]', stopper.best_params["W"], [1.0, 2.0])

# %% nbgrader={"grade": true, "grade_id": "test_EarlyStopping_hidden", "points": 3}
# Hidden tests of EarlyStopping: stopping exactly after `patience` calls without improvement,
# the counter reset by an improvement, min_delta (strict, absolute), best_epoch from 0, deep
# copies of the best parameters, the defaults, two stoppers used in turn, and random sequences
# of losses.
### BEGIN HIDDEN TESTS
import numpy as np
from utils.checks import check_close, check_equal, check_true


def expected_run(losses, patience, min_delta):
    """Flags up to the first stop, and best_loss / best_epoch at that point, computed here."""
    best, best_epoch, without, flags = np.inf, -1, 0, []
    for epoch, loss in enumerate(losses):
        if loss < best - min_delta:
            best, best_epoch, without = loss, epoch, 0
        else:
            without += 1
        flags.append(without >= patience)
        if flags[-1]:
            break
    return flags, best, best_epoch


def run(stopper, losses, params=None):
    """Step through the losses until the first True; the flags as Python bools."""
    flags = []
    for loss in losses:
        flag = stopper.step(loss, params if params is not None else {"W": np.zeros(2)})
        check_true(f"type of what step returned for the losses {losses}", isinstance(flag, (bool, np.bool_)),
                   f"a bool, got {type(flag).__name__}", hint="return True or False")
        flags.append(bool(flag))
        if flag:
            break
    return flags


cases = [  # (losses, patience, min_delta, what it checks)
    ([1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95], None, None, "the defaults patience=5, min_delta=0"),
    ([2.0, 2.0, 2.0, 2.0], 3, 0.0, "a plateau: an equal loss is no improvement (strict <)"),
    ([5.0, 6.0, 7.0, 4.0, 5.0, 6.0, 3.0, 4.0, 5.0, 2.0, 3.0, 3.0, 3.0], 3, 0.0,
     "the counter starts again after each improvement"),
    ([1.0, 0.75, 0.8, 0.6, 0.7, 0.3], 2, 0.25, "min_delta: 0.75 is not below 1.0 − 0.25"),
    ([1.0, 0.875, 0.84375, 0.8125, 0.8, 0.79, 0.78, 0.77], 3, 0.0625,
     "min_delta: steps smaller than 0.0625 do not count, nor one of exactly 0.0625"),
    ([1.0, 1.2, 0.5], 1, 0.0, "patience=1 stops at the first call without improvement"),
    ([3.0], 2, 0.0, "a single call"),
    ([1e3, 999.0, 1e3, 1001.0, 998.5, 999.0, 999.0], 2, 0.0, "losses of size 1e3"),
    ([100.0, 99.0, 98.5, 97.0, 96.9, 96.0, 95.2, 95.0], 2, 0.75,
     "min_delta at losses of size 100: an absolute margin, not a fraction of the loss"),
]
for losses, patience, min_delta, what in cases:
    stopper = EarlyStopping() if patience is None else EarlyStopping(patience=patience, min_delta=min_delta)
    want_flags, want_best, want_epoch = expected_run(losses, patience or 5, min_delta or 0.0)
    case = f"EarlyStopping({'' if patience is None else f'patience={patience}, min_delta={min_delta}'}) on {losses} ({what})"
    check_equal(f"what step returned, {case}", run(stopper, losses), want_flags,
                hint="an improvement is val_loss < best_loss − min_delta (strictly); stop once `patience` "
                     "calls in a row bring none; an improvement resets the count")
    check_close(f"best_loss, {case}", stopper.best_loss, want_best, rtol=1e-12)
    check_equal(f"best_epoch, {case}", stopper.best_epoch, want_epoch,
                hint="the index of the step call that set best_loss, counting calls from 0")

rng = np.random.default_rng(7501)
for trial in range(40):
    losses = list(np.round(1.0 + np.cumsum(rng.normal(0.0, 0.1, size=30)), 2))
    # min_delta between two multiples of 0.01: no loss difference sits on the boundary
    patience, min_delta = int(rng.integers(1, 6)), float(rng.choice([0.0, 0.005, 0.025]))
    stopper = EarlyStopping(patience=patience, min_delta=min_delta)
    want_flags, want_best, want_epoch = expected_run(losses, patience, min_delta)
    case = f"EarlyStopping(patience={patience}, min_delta={min_delta}) on the losses {losses}"
    check_equal(f"what step returned, {case}", run(stopper, losses), want_flags,
                hint="an improvement is val_loss < best_loss − min_delta; stop after `patience` calls without one")
    check_equal(f"best_epoch, {case}", stopper.best_epoch, want_epoch)

# Two stoppers at once (two models trained side by side): each keeps its own state.
first, second = EarlyStopping(patience=2), EarlyStopping(patience=3)
first_params, second_params = {"W": np.array([1.0])}, {"0.W": np.array([[2.0]]), "0.b": np.array([0.0])}
first_flags, second_flags = [], []
for first_loss, second_loss in [(1.0, 3.0), (0.5, 3.5), (0.7, 2.0), (0.8, 2.5)]:
    first_flags.append(bool(first.step(first_loss, first_params)))
    second_flags.append(bool(second.step(second_loss, second_params)))
check_equal("what step returned to the first of two stoppers used in turn", first_flags, [False, False, False, True],
            hint="keep every piece of state on the instance (self.…), none on the class")
check_equal("what step returned to the second of two stoppers used in turn", second_flags, [False] * 4,
            hint="keep every piece of state on the instance (self.…), none on the class")
check_equal("best_epoch of each of two stoppers used in turn", (first.best_epoch, second.best_epoch), (1, 2))
check_equal("the keys of best_params of each of two stoppers used in turn",
            (sorted(first.best_params), sorted(second.best_params)), (["W"], ["0.W", "0.b"]),
            hint="each stopper keeps its own copy of its own parameters")

# best_params: deep copies of the parameters of the best call.
params = {"0.W": np.array([[1.0, 2.0]]), "0.b": np.array([0.5])}
stopper = EarlyStopping(patience=3)
stopper.step(1.0, params)
check_true("best_params after the first call", isinstance(stopper.best_params, dict)
           and sorted(stopper.best_params) == ["0.W", "0.b"], "a dict with the keys of params")
check_true("best_params after the first call", stopper.best_params is not params
           and stopper.best_params["0.W"] is not params["0.W"], "copies, not the live dict or arrays",
           hint="the optimiser changes params in place: copy each array")
params["0.W"] += 10.0                  # what sgd_step does: in place
params["0.b"][0] = -1.0
stopper.step(1.5, params)              # no improvement: the best stays the first call's
check_close('best_params["0.W"] after the live array changed in place', stopper.best_params["0.W"],
            [[1.0, 2.0]], rtol=0, atol=0,
            hint="store deep copies (copy.deepcopy or {k: v.copy()}): a reference follows the live weights")
check_close('best_params["0.b"] after the live array changed in place', stopper.best_params["0.b"], [0.5],
            rtol=0, atol=0, hint="copy every array, biases too")
stopper.step(0.5, params)              # a new best: the current (changed) values
check_close('best_params["0.W"] after a new best', stopper.best_params["0.W"], [[11.0, 12.0]], rtol=0, atol=0,
            hint="at each improvement, copy the current parameters")
check_equal("best_epoch after a new best at the third call", stopper.best_epoch, 2)
### END HIDDEN TESTS

# %% [markdown]
# Now the plain network again (no L2, no dropout), stopped early with a patience of 10 epochs,
# and the best weights put back into the network afterwards. Restoring is an in-place copy
# into the network's own arrays: `params[key][...] = best` (a rebinding `params[key] = best`
# would change only the dict).

# %%
def restore_best(model, stopper):
    """Copy the stopper's best parameters into the model's own arrays, in place."""
    for key, array in model.parameters().items():
        array[...] = stopper.best_params[key]


PATIENCE = 10
stopper = EarlyStopping(patience=PATIENCE)
stopped_model = wide_mlp(Identity(), np.random.default_rng(2))
stopped = fit(stopped_model, np.random.default_rng(3), stopper=stopper)
print(f"stopped after {len(stopped['validation loss'])} of {EPOCHS} epochs; best epoch {stopper.best_epoch}, "
      f"validation loss {stopper.best_loss:.3f}")

last_loss, last_accuracy = evaluate(stopped_model, X_val_std, y_val)
restore_best(stopped_model, stopper)
restored_loss, restored_accuracy = evaluate(stopped_model, X_val_std, y_val)
print(f"weights of the last epoch: validation loss {last_loss:.3f}, accuracy {last_accuracy:.1%}")
print(f"best weights restored:     validation loss {restored_loss:.3f}, accuracy {restored_accuracy:.1%}")

axes = plot_run(stopped, f"early stopping, patience {PATIENCE}", best_epoch=stopper.best_epoch)
for ax, key in zip(axes, ["validation loss", "validation accuracy"]):
    ax.plot(plain[key], color="C1", ls=":", label=f"{key}, all {EPOCHS} epochs (no early stopping)")
    ax.axvline(len(stopped[key]) - 1, color="C3", lw=1, label="stopped here")
    # below the panel: inside it the legend would hide the first epochs of the curves
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2))
plt.show()

# %% [markdown]
# Training stopped `patience` epochs after the best one, and restoring the best weights undid
# those last epochs of memorisation. (The best epoch may come earlier than the lowest point of
# the full run: a slightly lower dip more than `patience` epochs later is never reached. That
# is the trade-off of the patience; see question (b) below.) Early stopping is the cheapest regulariser (it *saves*
# training time) and needs nothing but a validation set, which is why it is almost always on.
#
# **Question (2 points).** (a) Early stopping is said to act like an L2 penalty. Starting from
# small initial weights, why does stopping gradient descent early limit the size of the
# weights, and which quantity of the training run (not a setting of `EarlyStopping`) plays the
# role of $1/\lambda$? (b) What
# goes wrong with a patience of 1 when the validation loss is noisy from epoch to epoch, and
# what goes wrong with a very large patience?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_early_stopping", "points": 2}
# **Model answer.** (a) Each step moves the weights by at most about $\eta\lVert\nabla\mathcal L\rVert$,
# so after $t$ steps from a small start they lie in a ball of radius roughly
# $\eta\, t\, \max\lVert\nabla\mathcal L\rVert$ around it: stopping early confines them to a region
# near the origin, as a penalty does. (For a quadratic loss, gradient descent stopped after $t$
# steps shrinks each eigen-direction like ridge regression with $\lambda \approx 1/(\eta t)$.) The
# number of training steps, $\eta\,t$, plays the role of $1/\lambda$: more epochs, weaker
# regularisation. (b) With patience 1, one unlucky noisy epoch stops training long before the
# real minimum (under-fitting); with a very large patience training runs nearly to the end,
# costing time (the restored best weights are still right, but little is saved, and with a
# finite run the best may simply be the last epoch).
# 2 points: (a) bounded distance travelled / number of steps ~ 1/λ (1); (b) noise stops too
# early vs no savings (1).

# %% [markdown]
# ## 7. Side by side, and the test set, once
#
# The validation curves of the four runs, and then, for the first and only time, the test set
# (early stopping with its best weights restored):

# %%
runs = {"no regularisation": plain, f"L2, lam = {LAM}": with_l2, f"dropout, p = {P_DROP}": with_dropout,
        f"early stopping, patience {PATIENCE}": stopped}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for name, history in runs.items():
    axes[0].plot(history["validation loss"], label=name)
    axes[1].plot(history["validation accuracy"], label=name)
axes[0].axvline(stopper.best_epoch, color="k", ls="--", lw=1, label=f"best epoch of early stopping ({stopper.best_epoch})")
axes[0].set_ylabel("validation cross-entropy")
axes[1].set_ylabel("validation accuracy")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend(fontsize="small")
plt.show()

models = {"no regularisation": plain_model, f"L2, lam = {LAM}": l2_model,
          f"dropout, p = {P_DROP}": dropout_model, "early stopping (best weights)": stopped_model}
print(f"{'':32s} test loss   test accuracy")
for name, model in models.items():
    test_loss, test_acc = evaluate(model, X_test_std, y_test)
    print(f"{name:32s} {test_loss:9.3f}   {test_acc:13.1%}")

# %% [markdown]
# The test set tells the story validation told: each tool does better than no
# regularisation, here L2 and early stopping most. Read the differences with the noise of 359
# test images in mind: one image is 0.3 %, and the standard error of an accuracy near 80 % is
# about 2 %. These numbers are honest estimates only because none of the choices above
# (λ, p, the patience, the epoch) looked at them.
#
# ## 8. Explore: $p$, $\lambda$ and the patience
#
# The widget trains the same wide network with **your** `Dropout` and `l2_penalty` (chapter 4's
# reference layers for the rest) and draws the training and validation losses; **your**
# `EarlyStopping` replays the validation curve to mark the best epoch and the epoch at which
# it would stop. Moving $p$ or $\lambda$ shows a run already trained for them, or asks you to
# press *Train* (a run takes a fraction of a second); moving the patience only moves the
# markers. Things to try: $\lambda$ from 0 up to 1 (from over- to under-fitting); $p = 0.9$;
# a patience of 1 or 2 on a noisy curve.

# %%
app = regularization_explorer(X_small, y_small, X_val_std, y_val, make_model=wide_mlp, dropout=Dropout,
                              penalty=l2_penalty, early_stopping=EarlyStopping,
                              loss=softmax_cross_entropy, step=sgd_step, epochs=60, lr=LR)
show(app)

# %% [markdown]
# ## Summary
#
# * **Roles.** Training data fit the parameters, validation data choose everything else
#   (including when to stop), the test set measures the final choice once. Leakage (statistics
#   of all the data, shared rows, choices made on the test set) makes held-out numbers
#   optimistic. `train_val_test_split` shuffles with one permutation from `rng` and cuts
#   `round(n·val_fraction)` and `round(n·test_fraction)` rows off it.
# * **Over-fitting.** A wide network trained long enough learns its training set by heart,
#   noise included: the training loss goes to zero, the validation loss turns back up.
# * **L2 / weight decay.** $\mathcal L + \frac\lambda2\sum\lVert W\rVert^2$, gradient $\lambda W$ on the
#   weight matrices only; each SGD step shrinks the weights by $1-\eta\lambda$.
# * **Dropout.** While training, zero each unit with probability $p$ and scale the survivors by
#   $1/(1-p)$ (so $\mathbb E[\text{out}] = x$); backward uses the same mask; in evaluation mode it
#   is the identity. It trains an ensemble of thinned networks that share weights, and the
#   evaluation pass approximates their average.
# * **Early stopping.** Keep a deep copy of the parameters at the best validation loss
#   (`val_loss < best_loss − min_delta`), stop after `patience` epochs without improvement,
#   restore the best weights in place. Fewer steps act like a larger $\lambda$.
# * Next: these tools combine with better optimisers (chapter 6) and careful initialisation
#   (chapter 5) in every modern training recipe.
