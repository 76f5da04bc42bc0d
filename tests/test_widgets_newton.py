"""utils.widgets.newton: the logic directly, the wiring headlessly (set .value, read the figure)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import widgets  # noqa: E402
from utils.widgets import newton as newton_app  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")


# Small correct versions of the student's functions, written here: the library receives the
# student's functions and must not contain them.
def tiny_nll(X, y, theta):
    z = X @ theta
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def tiny_grad_hess(X, y, theta):
    p = np.exp(-np.logaddexp(0.0, -(X @ theta)))
    return X.T @ (p - y) / len(y), (X * (p * (1 - p))[:, None]).T @ X / len(y)


def tiny_newton(grad, hess, theta0, n_iters=50, tol=1e-10):
    theta, path = np.array(theta0, dtype=float), [np.array(theta0, dtype=float)]
    for _ in range(n_iters):
        step = np.linalg.solve(hess(theta), grad(theta))
        theta = theta - step
        path.append(theta)
        if np.linalg.norm(step) < tol:
            break
    return theta, np.array(path)


def stub(*args, **kwargs):
    raise NotImplementedError()  # what nbgrader leaves in the release


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(2.0, 0.8, 30), rng.normal(3.5, 0.8, 30)])
    return np.column_stack([np.ones(60), x]), np.repeat([0.0, 1.0], 30)


@pytest.fixture
def problem(data):
    return newton_app.LogisticProblem(*data, tiny_nll, tiny_grad_hess, tiny_newton)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_descent_paths_are_gradient_descent_and_newton(problem, data):
    X, y = data
    gd, newton = newton_app.descent_paths(problem, np.zeros(2), lr=0.5, n_steps=4)
    assert gd.shape == (5, 2) and newton.shape == (5, 2)
    expected_gd = [np.zeros(2)]
    for _ in range(4):  # θ ← θ − lr·g, written out
        expected_gd.append(expected_gd[-1] - 0.5 * tiny_grad_hess(X, y, expected_gd[-1])[0])
    np.testing.assert_allclose(gd, expected_gd, rtol=1e-12)
    theta = np.zeros(2)
    for k in range(4):
        g, H = tiny_grad_hess(X, y, theta)
        theta = theta - np.linalg.solve(H, g)
        np.testing.assert_allclose(newton[k + 1], theta, rtol=1e-12)


def test_objective_values_and_surface(problem, data):
    X, y = data
    path = np.array([[0.0, 0.0], [1.0, -0.5]])
    np.testing.assert_allclose(newton_app.objective_values(problem, path),
                               [np.log(2.0), tiny_nll(X, y, path[1])], rtol=1e-12)
    xs, ys = np.linspace(-1, 1, 4), np.linspace(-2, 2, 3)
    surface = newton_app.objective_surface(problem, xs, ys)
    assert surface.shape == (3, 4)
    assert surface[2, 1] == pytest.approx(tiny_nll(X, y, np.array([xs[1], ys[2]])))


def test_explorer_draws_both_paths_and_redraws_on_each_control(data):
    X, y = data
    app = widgets.newton_explorer(X, y, nll=tiny_nll, grad_hess=tiny_grad_hess, minimize=tiny_newton,
                                  lr=1.0, n_steps=5)
    assert set(app.controls) == {"lr", "steps", "step"}
    assert app.controls["lr"].min == -2 and app.controls["lr"].max == 2  # log10 bounds
    assert app.message == "" and app.note.get_text() == ""
    # The optimum: the gradient vanishes there; after 5 steps Newton is much closer than GD.
    np.testing.assert_allclose(tiny_grad_hess(X, y, app.optimum)[0], 0.0, atol=1e-12)
    assert app.f_star == pytest.approx(tiny_nll(X, y, app.optimum))
    assert app.newton_objective - app.f_star < 1e-5
    assert app.gd_objective - app.f_star > 1e-2
    assert len(app.ax_paths.collections) > 0  # the contours
    assert len(app.gd_line.get_xdata()) == 6 and len(app.newton_gap_line.get_xdata()) == 6

    gd_before = np.column_stack(app.gd_line.get_data()).copy()
    newton_before = np.column_stack(app.newton_line.get_data()).copy()
    app.controls["lr"].value = 10.0
    assert not np.allclose(np.column_stack(app.gd_line.get_data()), gd_before)
    np.testing.assert_allclose(np.column_stack(app.newton_line.get_data()), newton_before)
    expected_gd, _ = newton_app.descent_paths(app.problem, np.zeros(2), 10.0, 5)
    np.testing.assert_allclose(np.column_stack(app.gd_line.get_data()), expected_gd)
    gap = app.gd_gap_line.get_ydata()
    np.testing.assert_allclose(gap[-1], max(tiny_nll(X, y, expected_gd[-1]) - app.f_star, 1e-16))

    app.controls["steps"].value = 20
    assert len(app.gd_line.get_xdata()) == 21 and len(app.gd_gap_line.get_ydata()) == 21
    app.controls["step"].click()
    assert app.controls["steps"].value == 21 and len(app.gd_line.get_xdata()) == 22
    assert f"{app.gd_objective:.6g}" in app.status.value and "21 steps" in app.status.value


def test_step_button_stops_at_the_maximum(data):
    app = widgets.newton_explorer(*data, nll=tiny_nll, grad_hess=tiny_grad_hess, minimize=tiny_newton,
                                  n_steps=50)
    app.controls["step"].click()
    assert app.controls["steps"].value == 50


def test_explorer_with_stubs_says_what_to_implement_and_recovers(data):
    implemented = {"on": False}

    def nll_once_written(X, y, theta):
        if not implemented["on"]:
            raise NotImplementedError()
        return tiny_nll(X, y, theta)

    apps = []
    for nll, grad_hess, minimize in [(stub, stub, stub), (nll_once_written, tiny_grad_hess, tiny_newton),
                                     (tiny_nll, stub, tiny_newton), (tiny_nll, tiny_grad_hess, stub)]:
        app = widgets.newton_explorer(*data, nll=nll, grad_hess=grad_hess, minimize=minimize)
        apps.append(app)
        expected = "implement logistic_nll, logistic_grad_hess and newton_minimize first"
        assert expected in app.message.lower() and expected in app.status.value.lower()
        assert "logistic_nll" in app.note.get_text()
        assert len(app.gd_line.get_xdata()) == 0 and np.isnan(app.gd_objective)
        app.controls["lr"].value = 0.5  # moving a control does not raise either
        assert "first" in app.message

    implemented["on"] = True  # the student has written the function: the next move draws
    app = apps[1]
    app.controls["steps"].value = 3
    assert app.message == "" and np.isfinite(app.gd_objective)
    assert len(app.ax_paths.collections) > 0


def test_explorer_reports_other_errors(data):
    def broken_grad_hess(X, y, theta):
        raise ValueError("shapes (60,2) and (3,) not aligned")

    app = widgets.newton_explorer(*data, nll=tiny_nll, grad_hess=broken_grad_hess, minimize=tiny_newton)
    assert "ValueError" in app.message and "not aligned" in app.message


def test_explorer_wants_two_parameters(data):
    X, y = data
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        widgets.newton_explorer(np.column_stack([X, X[:, 1]]), y, nll=tiny_nll,
                                grad_hess=tiny_grad_hess, minimize=tiny_newton)


def test_explorer_figure_is_not_managed_by_pyplot(data):
    app = widgets.newton_explorer(*data, nll=tiny_nll, grad_hess=tiny_grad_hess, minimize=tiny_newton)
    assert app.figure not in [plt.figure(n) for n in plt.get_fignums()]
    assert widgets._common.png(app.figure).startswith(b"\x89PNG")


def test_explorer_survives_an_objective_that_overflows(data):
    def overflowing_nll(X, y, theta):  # a naive implementation, inf at large logits
        z = X @ theta
        return float("inf") if np.abs(z).max() > 15 else tiny_nll(X, y, theta)

    app = widgets.newton_explorer(*data, nll=overflowing_nll, grad_hess=tiny_grad_hess,
                                  minimize=tiny_newton, lr=30.0, n_steps=10)
    assert app.message == "" and len(app.gd_line.get_xdata()) == 11
    assert np.isfinite(app.ax_gap.get_ylim()).all()
