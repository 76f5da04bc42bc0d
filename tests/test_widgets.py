"""utils.widgets: the logic directly, the wiring headlessly (set .value, read the figure)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import widgets  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")


# A small correct ridge regression and polynomial features, written here: the library
# receives the student's functions and must not contain them.
def tiny_poly(x, degree):
    return np.vander(x, degree + 1, increasing=True)


def tiny_ridge(X, y, lam):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean
    w = np.linalg.solve(Xc.T @ Xc + lam * np.eye(X.shape[1]), Xc.T @ (y - y_mean))
    return w, y_mean - x_mean @ w


def tiny_mse(y_true, y_pred):
    return float(np.mean((y_true - y_pred) ** 2))


def stub_ridge(X, y, lam):
    raise NotImplementedError()  # what nbgrader leaves in the release


def stub_poly(x, degree):
    raise NotImplementedError()


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 40)
    y = np.sin(2 * np.pi * x) + 0.1 * rng.normal(size=40)
    return x[:30], y[:30], x[30:], y[30:]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_fitted_curve_recovers_a_polynomial():
    x = np.linspace(-1, 1, 20)
    grid = np.linspace(-1, 1, 7)
    curve = widgets.fitted_curve(x, 1 + 2 * x - 3 * x ** 3, grid, 3, 1e-12, tiny_ridge, tiny_poly)
    assert curve.shape == (7,) and curve.dtype == np.float64
    np.testing.assert_allclose(curve, 1 + 2 * grid - 3 * grid ** 3, atol=1e-8)


def test_fitted_curve_degree_zero_is_the_mean():
    x, y = np.arange(4.0), np.array([1.0, 2.0, 3.0, 6.0])
    np.testing.assert_allclose(widgets.fitted_curve(x, y, x, 0, 1.0, tiny_ridge, tiny_poly), 3.0)


def test_ridge_explorer_redraws_on_each_control(data):
    x_tr, y_tr, x_val, y_val = data
    app = widgets.ridge_explorer(x_tr, y_tr, x_val, y_val, fit=tiny_ridge, features=tiny_poly)
    assert set(app.controls) == {"degree", "lam"}
    assert app.controls["degree"].min == 0 and app.controls["degree"].max == 15
    assert app.controls["lam"].min == -8 and app.controls["lam"].max == 2  # log10 bounds
    assert app.view.children[0].children[0] is app.controls["degree"]
    assert app.message == ""

    curve, mse = app.line.get_ydata().copy(), (app.train_mse, app.val_mse)
    assert np.all(np.isfinite(curve))
    app.controls["degree"].value = 9
    assert not np.allclose(app.line.get_ydata(), curve)
    assert (app.train_mse, app.val_mse) != mse

    curve, train_mse = app.line.get_ydata().copy(), app.train_mse
    app.controls["lam"].value = 10.0
    assert not np.allclose(app.line.get_ydata(), curve)
    assert app.train_mse > train_mse  # a stronger penalty fits the training set worse

    expected = widgets.fitted_curve(x_tr, y_tr, app.grid, 9, 10.0, tiny_ridge, tiny_poly)
    np.testing.assert_allclose(app.line.get_ydata(), expected)
    val_pred = widgets.fitted_curve(x_tr, y_tr, x_val, 9, 10.0, tiny_ridge, tiny_poly)
    assert app.val_mse == pytest.approx(np.mean((y_val - val_pred) ** 2))
    assert "MSE" in app.ax.get_title() and f"{app.val_mse:.4g}" in app.status.value


def test_ridge_explorer_uses_the_given_error_function(data):
    calls = []

    def recording_mse(y_true, y_pred):
        calls.append(len(y_true))
        return tiny_mse(y_true, y_pred)

    app = widgets.ridge_explorer(*data, fit=tiny_ridge, features=tiny_poly, error=recording_mse)
    assert calls == [30, 10]
    app.controls["degree"].value = 1
    assert calls == [30, 10, 30, 10]


def test_ridge_explorer_with_stubs_says_what_to_implement(data):
    for fit, features in [(stub_ridge, stub_poly), (stub_ridge, tiny_poly), (tiny_ridge, stub_poly)]:
        app = widgets.ridge_explorer(*data, fit=fit, features=features)
        assert "implement ridge_fit and polynomial_features first" in app.message.lower()
        assert "implement ridge_fit and polynomial_features first" in app.status.value.lower()
        assert "ridge_fit" in app.note.get_text()
        assert np.all(np.isnan(app.line.get_ydata()))
        assert np.isnan(app.train_mse) and np.isnan(app.val_mse)
        app.controls["degree"].value = 5  # moving a slider does not raise either
        assert "first" in app.message


def test_ridge_explorer_reports_other_errors_and_recovers(data):
    broken = {"on": True}

    def flaky_ridge(X, y, lam):
        if broken["on"]:
            raise ValueError("shapes do not align")
        return tiny_ridge(X, y, lam)

    app = widgets.ridge_explorer(*data, fit=flaky_ridge, features=tiny_poly)
    assert "ValueError" in app.message and "shapes do not align" in app.message
    broken["on"] = False
    app.controls["lam"].value = 1.0
    assert app.message == "" and np.isfinite(app.val_mse)
    assert app.note.get_text() == ""


def test_ridge_explorer_figure_is_not_managed_by_pyplot(data):
    app = widgets.ridge_explorer(*data, fit=tiny_ridge, features=tiny_poly)
    assert app.figure not in [plt.figure(n) for n in plt.get_fignums()]
    assert widgets._common.png(app.figure).startswith(b"\x89PNG")


def test_autograding_flag_and_show(monkeypatch, data):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    app = widgets.ridge_explorer(*data, fit=tiny_ridge, features=tiny_poly)

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert widgets.autograding() is True
    widgets.show(app)
    assert shown == []

    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert widgets.autograding() is False
    widgets.show(app)
    assert shown == [app.view]


def app_factories() -> dict:
    """Every app's factory in utils.widgets: the functions returning one of its app classes."""
    classes = {name for name, obj in vars(widgets).items() if isinstance(obj, type)}
    return {name: obj for name, obj in vars(widgets).items()
            if callable(obj) and not isinstance(obj, type)
            and getattr(obj, "__annotations__", {}).get("return") in classes}


def test_no_app_is_built_while_nbgrader_grades(monkeypatch, data):
    """While grading, a factory returns NotBuilt without running the student's functions (show
    would throw the app away); otherwise it builds the app, which runs them."""
    calls = []

    def fit(X, y, lam):
        calls.append("fit")
        return tiny_ridge(X, y, lam)

    factories = app_factories()
    assert len(factories) == 7, sorted(factories)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    for name, factory in factories.items():
        assert isinstance(factory(), widgets.NotBuilt), name
    assert isinstance(widgets.ridge_explorer(*data, fit=fit, features=tiny_poly), widgets.NotBuilt)
    assert calls == []
    widgets.show(widgets.NotBuilt())  # nothing to display, no error

    monkeypatch.delenv("NBGRADER_EXECUTION")
    app = widgets.ridge_explorer(*data, fit=fit, features=tiny_poly)
    assert isinstance(app, widgets.RidgeExplorer) and calls


def test_each_update_renders_the_figure_into_the_output(monkeypatch, data):
    import IPython
    import IPython.display
    import ipywidgets

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())  # pretend to be in a kernel
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    monkeypatch.setattr(ipywidgets.Output, "clear_output", lambda self, *a, **k: shown.append("clear"))
    app = widgets.ridge_explorer(*data, fit=tiny_ridge, features=tiny_poly)
    app.controls["degree"].value = 2
    assert shown[0::2] == ["clear", "clear"]
    first, second = shown[1::2]
    assert isinstance(first, IPython.display.Image) and first.data.startswith(b"\x89PNG")
    assert first.data != second.data
