"""utils.widgets.logistic: the logic directly, the wiring headlessly (set .value, read the figure)."""
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import widgets  # noqa: E402
from utils.widgets import logistic  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")


# A small correct logistic regression, written here: the library receives the student's
# functions and must not contain them.
def tiny_fit(X, y, lr=0.1, n_iters=1000):
    theta, losses = np.zeros(X.shape[1]), []
    for _ in range(n_iters):
        z = X @ theta
        losses.append(np.mean(np.logaddexp(0.0, z) - y * z))
        theta = theta - lr * X.T @ (0.5 * (1.0 + np.tanh(z / 2.0)) - y) / len(y)
    return theta, np.array(losses)


def tiny_accuracy(y_true, y_pred):
    return float(np.mean(y_true == y_pred))


def stub_fit(X, y, lr=0.1, n_iters=1000):
    raise NotImplementedError()  # what nbgrader leaves in the release


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=120)
    X = np.where(y[:, None] == 1, 1.0, -1.0) + rng.normal(size=(120, 2))
    return X, y


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def on_line(theta, logit, xs, ys):
    return theta[0] + theta[1] * xs + theta[2] * ys - logit


def test_train_logistic_adds_the_bias_column_first(data):
    X, y = data
    seen = {}

    def recording_fit(Xb, yb, lr, n_iters):
        seen.update(Xb=Xb, lr=lr, n_iters=n_iters)
        return tiny_fit(Xb, yb, lr, n_iters)

    theta, losses = logistic.train_logistic(X, y, recording_fit, 0.3, 7)
    np.testing.assert_array_equal(seen["Xb"][:, 0], 1.0)
    np.testing.assert_array_equal(seen["Xb"][:, 1:], X)
    assert (seen["lr"], seen["n_iters"]) == (0.3, 7)
    assert theta.shape == (3,) and losses.shape == (7,)
    np.testing.assert_allclose(theta, tiny_fit(seen["Xb"], y, 0.3, 7)[0])


@pytest.mark.parametrize("theta", [[0.5, 1.0, 2.0], [0.0, 1.0, 0.0], [1.0, 0.0, -3.0], [0.2, -1.0, 1.0]])
@pytest.mark.parametrize("logit", [0.0, np.log(9.0)])
def test_level_line_lies_on_the_line_and_ends_on_the_box(theta, logit):
    xlim, ylim = (-3.0, 3.0), (-2.0, 4.0)
    xs, ys = logistic.level_line(np.array(theta), logit, xlim, ylim)
    assert xs.shape == ys.shape == (2,)
    np.testing.assert_allclose(on_line(theta, logit, xs, ys), 0.0, atol=1e-12)
    for x, y in zip(xs, ys):  # each end inside the box, on its border
        assert xlim[0] - 1e-12 <= x <= xlim[1] + 1e-12 and ylim[0] - 1e-12 <= y <= ylim[1] + 1e-12
        on_border = np.isclose([x, x, y, y], [*xlim, *ylim]).any()
        assert on_border
    assert np.hypot(xs[1] - xs[0], ys[1] - ys[0]) > 1.0


def test_level_line_missing_or_degenerate_is_nan():
    box = ((-1.0, 1.0), (-1.0, 1.0))
    for theta in ([5.0, 1.0, 0.0], [-10.0, 1.0, 1.0], [1.0, 0.0, 0.0], [np.nan, 1.0, 1.0]):
        xs, ys = logistic.level_line(np.array(theta), 0.0, *box)
        assert np.all(np.isnan(xs)) and np.all(np.isnan(ys)), theta


def test_explorer_redraws_on_each_control(data):
    X, y = data
    app = widgets.logistic_explorer(X, y, fit=tiny_fit, accuracy=tiny_accuracy)
    assert set(app.controls) == {"lr", "n_iters"}
    assert app.controls["lr"].min == -3 and app.controls["lr"].max == 1  # log10 bounds
    assert (app.controls["n_iters"].min, app.controls["n_iters"].max) == (1, 500)
    assert app.view.children[0].children[0] is app.controls["lr"]
    assert app.message == ""

    Xb = np.column_stack([np.ones(len(X)), X])
    theta, losses = tiny_fit(Xb, y, 0.1, 50)
    np.testing.assert_allclose(app.theta, theta)
    np.testing.assert_allclose(app.loss_line.get_ydata(), losses)
    xs, ys = app.lines["p = 0.5"].get_data()
    np.testing.assert_allclose(on_line(theta, 0.0, np.asarray(xs), np.asarray(ys)), 0.0, atol=1e-9)
    assert app.train_accuracy == pytest.approx(np.mean((Xb @ theta > 0) == y))
    assert app.train_accuracy > 0.8

    boundary = np.asarray(app.lines["p = 0.9"].get_xydata()).copy()
    app.controls["n_iters"].value = 300
    assert len(app.loss_line.get_xdata()) == 300
    assert not np.allclose(app.lines["p = 0.9"].get_xydata(), boundary)
    assert app.losses[-1] < losses[-1]  # more steps, lower loss

    loss_300 = app.losses[-1]
    app.controls["lr"].value = 1.0
    np.testing.assert_allclose(app.theta, tiny_fit(Xb, y, 1.0, 300)[0])
    assert app.losses[-1] < loss_300
    assert f"{app.train_accuracy:.3f}" in app.status.value and "lr = 1" in app.ax.get_title()


def test_contours_tighten_as_training_goes_on(data):
    X, y = data
    app = widgets.logistic_explorer(X, y, fit=tiny_fit, lr=1.0, n_iters=5)

    def gap():  # distance between the p = 0.1 and p = 0.9 lines: 2 log 9 / ‖w‖
        return 2 * np.log(9.0) / np.linalg.norm(app.theta[1:])

    early = gap()
    app.controls["n_iters"].value = 400
    assert gap() < early


def test_explorer_uses_the_given_accuracy_and_defaults_to_scikit_learn(data):
    X, y = data
    calls = []

    def recording_accuracy(y_true, y_pred):
        calls.append(len(y_true))
        return tiny_accuracy(y_true, y_pred)

    app = widgets.logistic_explorer(X, y, fit=tiny_fit, accuracy=recording_accuracy)
    app.controls["n_iters"].value = 10
    assert calls == [120, 120]
    default = widgets.logistic_explorer(X, y, fit=tiny_fit, n_iters=10)
    assert default.message == "" and default.train_accuracy == app.train_accuracy


def test_explorer_with_a_stub_says_what_to_implement(data):
    app = widgets.logistic_explorer(*data, fit=stub_fit, accuracy=tiny_accuracy)
    assert "implement fit_logistic first" in app.message.lower()
    assert "implement fit_logistic first" in app.status.value.lower()
    assert "fit_logistic" in app.note.get_text()
    assert all(np.all(np.isnan(line.get_xydata())) for line in app.lines.values())
    assert len(app.loss_line.get_xdata()) == 0 and np.isnan(app.train_accuracy)
    app.controls["lr"].value = 0.5  # moving a slider does not raise either
    assert "first" in app.message


def test_explorer_reports_other_errors_and_recovers(data):
    broken = {"on": True}

    def flaky_fit(X, y, lr=0.1, n_iters=1000):
        if broken["on"]:
            raise ValueError("shapes do not align")
        return tiny_fit(X, y, lr, n_iters)

    app = widgets.logistic_explorer(*data, fit=flaky_fit)
    assert "ValueError" in app.message and "shapes do not align" in app.message
    broken["on"] = False
    app.controls["n_iters"].value = 20
    assert app.message == "" and np.isfinite(app.train_accuracy)
    assert app.note.get_text() == ""


def test_explorer_reports_a_wrong_theta(data):
    app = widgets.logistic_explorer(*data, fit=lambda X, y, lr, n_iters: (np.zeros(2), np.ones(n_iters)))
    assert "expected 3 finite numbers" in app.message
    assert np.all(np.isnan(app.lines["p = 0.5"].get_xydata()))


def test_figure_is_not_managed_by_pyplot(data):
    app = widgets.logistic_explorer(*data, fit=tiny_fit)
    assert app.figure not in [plt.figure(n) for n in plt.get_fignums()]
    assert widgets._common.png(app.figure).startswith(b"\x89PNG")


def test_callback_updates_well_under_100_ms(data):
    """The slowest setting (500 steps of a NumPy fit like the student's): retraining and
    updating the artists. The PNG rendering that follows in a notebook (``_common.png``, the
    same Agg draw as every app's) is not included: on this shared machine its time follows
    the load of the other jobs more than anything this app does."""
    app = widgets.logistic_explorer(*data, fit=tiny_fit)
    times = []
    for n_iters in (500, 499, 500, 499, 500):
        start = time.perf_counter()
        app.controls["n_iters"].value = n_iters
        times.append(time.perf_counter() - start)
    assert min(times) < 0.1, times


def test_loss_accuracy_and_boundary_describe_the_same_final_theta(data):
    """losses[k] is recorded before step k: the loss shown is the final theta's own, the one
    whose boundary and accuracy are drawn, and one step reads "1 step"."""
    X, y = data

    def tiny_loss(Xb, labels, theta):
        z = Xb @ theta
        return float(np.mean(np.logaddexp(0.0, z) - labels * z)), None

    app = widgets.logistic_explorer(X, y, fit=tiny_fit, lr=1.0, n_iters=1, loss=tiny_loss)
    Xb = np.column_stack([np.ones(len(X)), X])
    own_loss = tiny_loss(Xb, y, app.theta)[0]  # the loss of the theta the boundary shows
    assert app.final_loss == pytest.approx(own_loss, rel=1e-9)
    assert app.final_loss < app.losses[-1]  # one step lower than the loss recorded before it
    assert "after 1 step:" in app.status.value and "1 steps" not in app.status.value
    assert f"training loss {own_loss:.4g}" in app.ax.get_title()
    app.controls["n_iters"].value = 2
    assert "after 2 steps:" in app.ax.get_title()
    without = widgets.logistic_explorer(X, y, fit=tiny_fit, n_iters=3)  # no loss function given
    assert np.isnan(without.final_loss) and "loss" not in without.ax.get_title()
