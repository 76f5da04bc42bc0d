"""utils.widgets.optimizers: the logic directly, the wiring headlessly (set .value, read the figure)."""
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import widgets  # noqa: E402
from utils.gradcheck import numerical_gradient, relative_error  # noqa: E402
from utils.widgets import optimizers  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")


# Small optimisers of the course's protocol, written here: the library receives the student's
# classes and must not contain them.
class TinySGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class TinyHeavyBall:
    def __init__(self, lr, momentum=0.9):
        self.lr, self.momentum, self.velocity = lr, momentum, {}

    def step(self, params, grads):
        for key in params:
            v = self.momentum * self.velocity.get(key, 0.0) - self.lr * grads[key]
            self.velocity[key] = v
            params[key] += v


class TinyAdamSign:
    """Records its beta1; steps by lr against the sign of the gradient (Adam's first step)."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1 = lr, beta1

    def step(self, params, grads):
        for key in params:
            params[key] -= self.lr * np.sign(grads[key])


class StubOptimizer:
    def __init__(self, lr, momentum=0.9):
        self.lr = lr
        raise NotImplementedError()  # what nbgrader leaves in the release


TINY = {"SGD": TinySGD, "Momentum": TinyHeavyBall, "Adam": TinyAdamSign}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", list(optimizers.SURFACES))
def test_surface_gradients_match_finite_differences(name):
    surface = optimizers.SURFACES[name]
    rng = np.random.default_rng(0)
    for theta in [surface.start, *rng.uniform(-1.5, 1.5, size=(5, 2))]:  # the minimum: below
        theta = np.array(theta, dtype=float)
        numeric = numerical_gradient(lambda t: float(surface.f(t)), theta.copy())
        assert relative_error(surface.grad(theta), numeric) < 1e-6
    np.testing.assert_allclose(surface.grad(surface.minimum), 0.0, atol=1e-12)
    assert surface.f(surface.minimum) == 0.0


@pytest.mark.parametrize("name", list(optimizers.SURFACES))
def test_surface_grid_evaluates_every_point(name):
    surface = optimizers.SURFACES[name]
    xx, yy, zz = optimizers.surface_grid(surface, resolution=7)
    assert xx.shape == yy.shape == zz.shape == (7, 7)
    assert (xx[0, 0], xx[0, -1], yy[0, 0], yy[-1, 0]) == (*surface.xlim, *surface.ylim)
    pointwise = [surface.f(np.array([x, y])) for x, y in zip(xx.ravel(), yy.ravel())]
    np.testing.assert_allclose(zz.ravel(), pointwise, rtol=1e-13)


def test_make_optimizer_passes_the_momentum_where_the_class_has_one():
    assert optimizers.make_optimizer(TinySGD, 0.3, 0.5).lr == 0.3
    heavy = optimizers.make_optimizer(TinyHeavyBall, 0.1, 0.7)
    assert (heavy.lr, heavy.momentum) == (0.1, 0.7)
    adam = optimizers.make_optimizer(TinyAdamSign, 0.02, 0.8)
    assert (adam.lr, adam.beta1) == (0.02, 0.8)


def test_optimizer_path_matches_gradient_descent_closed_form():
    quadratic = optimizers.ill_conditioned_quadratic(curvature=10.0)
    path = optimizers.optimizer_path(TinySGD(0.05), quadratic.grad, quadratic.start, 30)
    assert path.shape == (31, 2)
    factors = np.array([0.95, 0.5]) ** np.arange(31)[:, None]
    np.testing.assert_allclose(path, quadratic.start * factors, rtol=1e-12)


def test_optimizer_path_stops_when_diverging_without_warning():
    quadratic = optimizers.ill_conditioned_quadratic()
    path = optimizers.optimizer_path(TinySGD(1.0), quadratic.grad, quadratic.start, 1000)
    assert len(path) < 1001
    assert np.abs(path[-1]).max() > optimizers.DIVERGED
    assert np.all(np.abs(path[:-1]).max(axis=1) <= optimizers.DIVERGED)


def test_optimizer_path_reads_the_parameter_after_each_step():
    """An optimiser that replaces params["theta"] (not in place) is still followed."""
    class Replacing(TinySGD):
        def step(self, params, grads):
            params["theta"] = params["theta"] - self.lr * grads["theta"]

    surface = optimizers.SURFACES["ill-conditioned quadratic"]
    np.testing.assert_allclose(optimizers.optimizer_path(Replacing(0.01), surface.grad, surface.start, 5),
                               optimizers.optimizer_path(TinySGD(0.01), surface.grad, surface.start, 5))


def test_explorer_draws_the_chosen_optimiser_and_redraws_on_each_control():
    app = widgets.optimizer_explorer(TINY, lr=0.02, momentum=0.9, n_steps=50)
    assert set(app.controls) == {"surface", "optimizer", "lr", "momentum", "steps"}
    assert list(app.controls["optimizer"].options) == list(TINY)
    assert (app.controls["lr"].min, app.controls["lr"].max) == (-4, 0)  # log10 bounds
    assert app.message == ""
    quadratic, banana = optimizers.SURFACES["ill-conditioned quadratic"], optimizers.SURFACES["Rosenbrock"]

    expected = optimizers.optimizer_path(TinySGD(0.02), quadratic.grad, quadratic.start, 50)
    np.testing.assert_allclose(app.path, expected)
    np.testing.assert_allclose(np.column_stack(app.path_line.get_data()), expected)
    np.testing.assert_allclose(app.gap_line.get_ydata(), np.maximum(quadratic.f(expected.T), optimizers.GAP_FLOOR))
    assert app.contours["ill-conditioned quadratic"].get_visible()
    assert not app.contours["Rosenbrock"].get_visible()

    app.controls["steps"].value = 120
    assert len(app.path_line.get_xdata()) == 121
    app.controls["optimizer"].value = "Momentum"
    np.testing.assert_allclose(app.path, optimizers.optimizer_path(TinyHeavyBall(0.02, 0.9), quadratic.grad,
                                                                   quadratic.start, 120))
    app.controls["momentum"].value = 0.5
    np.testing.assert_allclose(app.path, optimizers.optimizer_path(TinyHeavyBall(0.02, 0.5), quadratic.grad,
                                                                   quadratic.start, 120))
    app.controls["lr"].value = 0.01
    np.testing.assert_allclose(app.path, optimizers.optimizer_path(TinyHeavyBall(0.01, 0.5), quadratic.grad,
                                                                   quadratic.start, 120))
    assert "Momentum, lr = 0.01" in app.ax_path.get_title()

    app.controls["surface"].value = "Rosenbrock"
    assert app.contours["Rosenbrock"].get_visible()
    assert not app.contours["ill-conditioned quadratic"].get_visible()
    assert app.ax_path.get_xlim() == banana.xlim and app.ax_path.get_ylim() == banana.ylim
    np.testing.assert_allclose(app.path[0], banana.start)
    np.testing.assert_allclose(app.minimum_marker.get_xydata(), [banana.minimum])
    assert app.final_gap == pytest.approx(banana.f(app.path[-1]))


def test_explorer_reports_divergence():
    app = widgets.optimizer_explorer({"SGD": TinySGD}, lr=0.5, n_steps=200)
    assert "diverged" in app.ax_path.get_title() and "diverged" in app.status.value
    assert len(app.path) < 201


def test_explorer_with_a_stub_says_what_to_implement():
    app = widgets.optimizer_explorer({"Momentum": StubOptimizer, "SGD": TinySGD})
    assert "implement momentum first" in app.message.lower()
    assert "Momentum" in app.note.get_text() and "first" in app.status.value
    assert len(app.path_line.get_xdata()) == 0 and np.isnan(app.final_gap)
    app.controls["lr"].value = 0.01  # moving a slider does not raise either
    assert "first" in app.message
    app.controls["optimizer"].value = "SGD"  # a working optimiser clears the message
    assert app.message == "" and app.note.get_text() == "" and len(app.path) == 101


def test_explorer_reports_other_errors():
    class Broken(TinySGD):
        def step(self, params, grads):
            raise KeyError("theta")

    app = widgets.optimizer_explorer({"Broken": Broken})
    assert "KeyError" in app.message and "Broken" in app.message


def test_explorer_needs_an_optimiser():
    with pytest.raises(ValueError, match="at least one"):
        widgets.optimizer_explorer({})


def test_figure_is_not_managed_by_pyplot():
    app = widgets.optimizer_explorer(TINY)
    assert app.figure not in [plt.figure(n) for n in plt.get_fignums()]
    assert widgets._common.png(app.figure).startswith(b"\x89PNG")


def test_callback_updates_well_under_100_ms():
    """The slowest setting (1000 steps of a NumPy optimiser on Rosenbrock): rerunning the path
    and updating the artists. The PNG rendering that follows in a notebook (``_common.png``,
    the same Agg draw as every app's) is not included: on this shared machine its time follows
    the load of the other jobs more than anything this app does."""
    app = widgets.optimizer_explorer(TINY, optimizer="Momentum", lr=1e-4, n_steps=1000)
    app.controls["surface"].value = "Rosenbrock"
    times = []
    for momentum in (0.9, 0.8, 0.9, 0.8, 0.9):
        start = time.perf_counter()
        app.controls["momentum"].value = momentum
        times.append(time.perf_counter() - start)
        assert len(app.path) == 1001
    assert min(times) < 0.1, times
    assert app.last_update_seconds < 0.1
