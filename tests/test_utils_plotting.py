"""utils.plotting: every function draws the expected artists and returns its Axes."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

from utils import plotting  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")  # plotting must not warn


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def contour_sets(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection) and not isinstance(c, ContourSet)]


def test_plot_fit_draws_points_and_one_line_per_model():
    x = np.linspace(0, 1, 10)
    grid = np.linspace(0, 1, 50)
    preds = {"degree 1": grid, "degree 3": grid ** 3}
    ax = plotting.plot_fit(x, x ** 2, grid, preds, title="fits")
    assert len(scatters(ax)) == 1 and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_ydata(), grid ** 3)
    assert ax.get_title() == "fits"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["data", "degree 1", "degree 3"]


def test_plot_fit_draws_on_given_axes():
    _, ax = plt.subplots()
    assert plotting.plot_fit(np.zeros(2), np.zeros(2), np.zeros(3), {"m": np.zeros(3)}, ax=ax) is ax


@pytest.mark.parametrize("predict, n_contour_sets", [
    (lambda P: (P[:, 0] > 0).astype(int), 1),                  # labels
    (lambda P: 1 / (1 + np.exp(-3 * P[:, 0])), 2),              # probabilities: filled + 0.5 line
    (lambda P: np.column_stack([P[:, 0], -P[:, 0], P[:, 1]]), 1),  # scores: argmax
    (lambda P: np.zeros(len(P), dtype=int), 1),                 # one class everywhere
    (lambda P: np.full(len(P), 0.2), 1),                        # no 0.5 level: no line, no warning
])
def test_plot_decision_boundary(predict, n_contour_sets):
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    ax = plotting.plot_decision_boundary(predict, X, y, resolution=40)
    assert len(contour_sets(ax)) == n_contour_sets
    assert len(scatters(ax)) == 1
    assert scatters(ax)[0].get_offsets().shape == (30, 2)
    assert ax.get_xlim()[0] < X[:, 0].min() and ax.get_ylim()[1] > X[:, 1].max()


def test_plot_loss_curves():
    curves = {"train": np.geomspace(1, 1e-3, 20), "val": np.geomspace(1, 1e-2, 15)}
    ax = plotting.plot_loss_curves(curves, log=True, best_epoch=7)
    assert len(ax.lines) == 3
    assert len(ax.lines[1].get_xdata()) == 15
    assert ax.get_yscale() == "log"
    assert ax.lines[2].get_xdata()[0] == 7
    assert plotting.plot_loss_curves({"a": [3, 2, 1]}).get_yscale() == "linear"


def rosenbrock(theta):
    return (1 - theta[0]) ** 2 + 100 * (theta[1] - theta[0] ** 2) ** 2


A = np.array([[3.0, 0.5], [0.5, 1.0]])


def quadratic(theta):
    return 0.5 * theta @ A @ theta  # not vectorised over a grid: evaluated point by point


@pytest.mark.parametrize("f, log_levels", [(rosenbrock, True), (rosenbrock, False), (quadratic, False)])
def test_plot_contour_trajectories(f, log_levels):
    paths = {"gd": np.array([[-1.5, 2.0], [-1.0, 1.0], [0.0, 0.5]]), "newton": np.array([[-1.5, 2.0], [1.0, 1.0]])}
    ax = plotting.plot_contour_trajectories(f, paths, (-2, 2), (-1, 3), levels=12,
                                            log_levels=log_levels, resolution=30)
    assert len(contour_sets(ax)) == 1
    assert len(ax.lines) == 4  # each path and its start marker
    np.testing.assert_allclose(ax.lines[0].get_xydata(), paths["gd"])
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 3)


def test_contour_surface_same_either_way():
    xx, yy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(0, 2, 4))
    vectorised = plotting._surface(rosenbrock, xx, yy)
    pointwise = plotting._surface(lambda t: float(rosenbrock(np.asarray(t))) + 0 * (t @ t), xx, yy)
    np.testing.assert_allclose(vectorised, pointwise)
    np.testing.assert_allclose(plotting._surface(quadratic, xx, yy),
                               0.5 * (A[0, 0] * xx ** 2 + 2 * A[0, 1] * xx * yy + A[1, 1] * yy ** 2))


def test_plot_histograms_panels_overlay_and_given_axes():
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(100, 5)), rng.normal(2, 1, size=300), np.zeros(10)]
    axes = plotting.plot_histograms(arrays, ["layer 1", "layer 2", "dead"], bins=20)
    assert len(axes) == 3 and [ax.get_title() for ax in axes] == ["layer 1", "layer 2", "dead"]
    (counts, edges, _), = [patch.get_data() for patch in axes[0].patches]  # one step patch
    assert len(edges) == 21 and counts.sum() == 500  # every entry counted
    assert [len(ax.patches[0].get_data()[1]) for ax in axes] == [21, 21, 21]
    np.testing.assert_array_equal(axes[1].patches[0].get_data()[1], edges)  # common bins

    _, ax = plt.subplots()
    overlaid = plotting.plot_histograms(arrays[:2], ["a", "b"], ax=ax, bins=10, density=True)
    assert overlaid == [ax] and len(ax.patches) == 2 and ax.get_legend() is not None
    for patch in ax.patches:  # unit area each
        counts, edges, _ = patch.get_data()
        assert np.sum(counts * np.diff(edges)) == pytest.approx(1.0)

    _, pair = plt.subplots(1, 2)
    assert plotting.plot_histograms(arrays[:2], ax=pair) == list(pair)
    with pytest.raises(ValueError, match="2 Axes for 3 arrays"):
        plotting.plot_histograms(arrays, ax=pair)


def test_plot_histograms_constant_and_nonfinite():
    axes = plotting.plot_histograms([np.zeros(50), np.array([1.0, np.nan, np.inf])])
    assert len(axes) == 2


def test_plot_train_val_errors_marks_best_validation():
    lams = np.geomspace(1e-6, 1e2, 9)
    val = (np.log10(lams) + 1) ** 2
    ax = plotting.plot_train_val_errors(lams, np.linspace(0, 1, 9), val, xlabel="λ", logx=True)
    assert len(ax.lines) == 3
    assert ax.lines[2].get_xdata()[0] == pytest.approx(lams[np.argmin(val)])
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "λ"


def test_no_pyplot_show_called(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show called"))
    plotting.plot_loss_curves({"a": [1.0, 0.5]})
    plotting.plot_histograms([np.ones(3)])


def test_figures_are_off_only_while_grading(monkeypatch):
    from utils.plotting import figures_off_while_grading

    try:
        matplotlib.use("svg")
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
        figures_off_while_grading()
        assert matplotlib.get_backend().lower() == "svg"
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
        figures_off_while_grading()
        assert matplotlib.get_backend().lower() == "agg"
    finally:
        matplotlib.use("Agg")
