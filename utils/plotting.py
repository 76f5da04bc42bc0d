"""Plots the notebooks share: fits, decision boundaries, loss curves, optimiser paths, histograms.

Every function draws on the Axes it is given (``ax=...``) or on a new figure, and returns
the Axes it drew on; none calls ``plt.show()``, so a notebook decides when and how a figure
is shown. The functions only draw: what they plot (a model's predictions, a loss) is
computed by the caller's code and passed in.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from . import autograding

__all__ = [
    "figures_off_while_grading",
    "plot_fit",
    "plot_decision_boundary",
    "plot_loss_curves",
    "plot_contour_trajectories",
    "plot_histograms",
    "plot_train_val_errors",
]


def figures_off_while_grading() -> None:
    """Draw no figure while nbgrader grades the notebook; a no-op otherwise.

    Nobody looks at the figures of a notebook being graded, and rendering them is most of
    its run time: the non-interactive Agg backend makes ``plt.show()`` draw nothing, so a
    cohort is graded about twice as fast. Called once, in a notebook's first cell.
    """
    if autograding():
        import matplotlib

        matplotlib.use("Agg")


def _new_axes(ax=None, **subplots_kw):
    """``ax`` itself, or the Axes of a new figure (pyplot is imported only when needed)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(**subplots_kw)[1]


def plot_fit(x: np.ndarray, y: np.ndarray, grid: np.ndarray,
             predictions: Mapping[str, np.ndarray], ax=None, title: str | None = None):
    """Data points and one or more fitted curves of a 1-D regression.

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        The data, drawn as points.
    grid : ndarray, shape (m,)
        Where the curves are evaluated (sorted, for a clean line).
    predictions : dict label -> ndarray of shape (m,)
        Each model's predictions on ``grid``, drawn as a labelled line.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_axes(ax)
    ax.scatter(x, y, s=14, color="0.3", alpha=0.7, label="data", zorder=3)
    for label, values in predictions.items():
        ax.plot(grid, np.asarray(values, dtype=np.float64).ravel(), lw=2, label=str(label))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def _as_labels_or_probabilities(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """Reduce ``predict``'s output to one number per point; True if those are class labels.

    An (m, K) output with K > 1 is read as class scores (argmax), an (m, 1) output as a
    probability, and integral values as labels.
    """
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] > 1:
        return np.argmax(values, axis=1), True
    values = values.reshape(-1)
    is_labels = np.issubdtype(values.dtype, np.integer) or bool(np.all(values == np.round(values)))
    return values.astype(np.float64), is_labels


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                           y: np.ndarray, ax=None, resolution: int = 200, padding: float = 0.5):
    """Colour the plane by a classifier's prediction and draw the data on top.

    Parameters
    ----------
    predict : callable
        Maps points of shape (m, 2) to labels (m,), probabilities of class 1 (m,), or class
        scores (m, K) (their argmax is drawn). Probabilities get a 0.5 contour line.
    X : ndarray, shape (n, 2)
    y : ndarray of int, shape (n,)
    ax : matplotlib Axes, optional
    resolution : int
        Grid points along each axis.
    padding : float
        Margin around the data, in data units.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.colors import ListedColormap

    ax = _new_axes(ax)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).ravel()
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    values, is_labels = _as_labels_or_probabilities(predict(np.column_stack([xx.ravel(), yy.ravel()])))
    zz = values.reshape(xx.shape)

    n_classes = int(max(y.max(initial=0), zz.max() if is_labels else 1)) + 1
    colours = ListedColormap([f"C{k % 10}" for k in range(n_classes)])
    if is_labels:
        # One band per class: level edges half way between consecutive labels.
        ax.contourf(xx, yy, zz, levels=np.arange(n_classes + 1) - 0.5, cmap=colours, alpha=0.3)
    else:
        ax.contourf(xx, yy, zz, levels=np.linspace(0.0, 1.0, 11), cmap="RdBu_r", alpha=0.4)
        if np.nanmin(zz) < 0.5 < np.nanmax(zz):  # else matplotlib warns: no such level
            ax.contour(xx, yy, zz, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=colours, vmin=-0.5, vmax=n_classes - 0.5,
               s=16, edgecolors="k", linewidths=0.4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def plot_loss_curves(curves: Mapping[str, np.ndarray], ax=None, log: bool = False,
                     best_epoch: int | None = None, xlabel: str = "epoch", ylabel: str = "loss"):
    """One line per curve (for example training and validation loss) against the epoch.

    Parameters
    ----------
    curves : dict label -> ndarray of shape (k,)
        Values per epoch (or per iteration); curves may have different lengths.
    ax : matplotlib Axes, optional
    log : bool
        Logarithmic y axis (for losses spanning orders of magnitude).
    best_epoch : int, optional
        Marked with a dashed vertical line (for example where early stopping kept the weights).

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_axes(ax)
    for label, values in curves.items():
        values = np.asarray(values, dtype=np.float64).ravel()
        ax.plot(np.arange(len(values)), values, label=str(label))
    if best_epoch is not None:
        ax.axvline(best_epoch, color="k", ls="--", lw=1, label=f"best epoch ({best_epoch})")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize="small")
    return ax


def _surface(f: Callable[[np.ndarray], float], xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """``f`` on every grid point: at once if ``f`` broadcasts, else point by point.

    A function written with ``theta[0]`` and ``theta[1]`` broadcasts over a ``(2, ny, nx)``
    stack of points and is evaluated in one call; anything else (``theta @ A @ theta``)
    raises or returns the wrong shape there and is evaluated one point at a time.
    """
    # Far corners of a plot can overflow (Rosenbrock at large |x|): harmless for a contour.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            zz = np.asarray(f(np.stack([xx, yy])), dtype=np.float64)
            if zz.shape == xx.shape:
                return zz
        except Exception:  # noqa: BLE001 - any failure just means "not vectorised"
            pass
        points = np.column_stack([xx.ravel(), yy.ravel()])
        return np.array([float(f(p)) for p in points]).reshape(xx.shape)


def _log_levels(zz: np.ndarray, n_levels: int) -> np.ndarray:
    """Geometrically spaced levels above the minimum, dense near the valley floor."""
    finite = zz[np.isfinite(zz)]
    low, high = finite.min(), finite.max()
    gaps = finite - low
    smallest = max(gaps[gaps > 0].min(initial=high - low), 1e-12 * max(high - low, 1.0))
    return low + np.geomspace(smallest, max(high - low, smallest * 10), n_levels)


def plot_contour_trajectories(f: Callable[[np.ndarray], float],
                              paths: Mapping[str, np.ndarray],
                              xlim: tuple[float, float], ylim: tuple[float, float], ax=None,
                              levels: int = 30, log_levels: bool = False, resolution: int = 100):
    """Contour lines of a 2-D function with optimisers' paths drawn on top.

    Parameters
    ----------
    f : callable
        Maps a point ``theta`` of shape (2,) to a number. Written with ``theta[0]`` and
        ``theta[1]`` it is evaluated on the whole grid at once; otherwise point by point.
    paths : dict label -> ndarray of shape (k, 2)
        Iterates of each optimiser, first row the starting point.
    xlim, ylim : (float, float)
        The plotted window (paths leaving it are clipped, not rescaled to).
    ax : matplotlib Axes, optional
    levels : int
        Number of contour levels.
    log_levels : bool
        Geometrically spaced levels (for valleys such as Rosenbrock's).
    resolution : int
        Grid points along each axis (a function evaluated point by point costs
        ``resolution**2`` calls: about 0.2 s at the default for a small NumPy function).

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_axes(ax)
    xx, yy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    zz = _surface(f, xx, yy)
    contour_levels = _log_levels(zz, levels) if log_levels else levels
    ax.contour(xx, yy, zz, levels=contour_levels, cmap="viridis", linewidths=0.8)
    for label, path in paths.items():
        path = np.asarray(path, dtype=np.float64).reshape(-1, 2)
        (line,) = ax.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1.2, label=str(label))
        ax.plot(path[0, 0], path[0, 1], "s", color=line.get_color(), ms=6)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"$\theta_1$")
    ax.set_ylabel(r"$\theta_2$")
    if paths:
        ax.legend(loc="best", fontsize="small")
    return ax


def plot_histograms(arrays: Sequence[np.ndarray], labels: Sequence[str] | None = None,
                    ax=None, bins: int = 50, density: bool = False) -> list:
    """Histograms of several arrays (for example each layer's activations) on common bins.

    Parameters
    ----------
    arrays : list of ndarray
        Each flattened; non-finite entries are left out.
    labels : list of str, optional
        One per array (titles, or legend entries when overlaid).
    ax : None, one Axes, or a sequence of Axes
        None: a new row of panels, one per array. One Axes: all histograms overlaid on it.
        A sequence: one array per Axes.
    bins : int
        Number of bins, shared by all arrays so that the panels compare.
    density : bool
        Normalise each histogram to unit area.

    Returns
    -------
    list of matplotlib Axes
        The Axes drawn on (a one-element list when overlaid).
    """
    values = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    values = [v[np.isfinite(v)] for v in values]
    labels = [f"{k}" for k in range(len(values))] if labels is None else [str(s) for s in labels]
    edges = np.histogram_bin_edges(np.concatenate(values) if values else np.zeros(1), bins=bins)

    if ax is None:
        import matplotlib.pyplot as plt

        n = max(len(values), 1)
        _, axes = plt.subplots(1, n, figsize=(2.6 * n, 2.6), sharey=True, squeeze=False)
        axes = list(axes[0])
    elif hasattr(ax, "hist"):
        axes = [ax] * len(values)  # overlaid on one Axes
    else:
        axes = list(np.ravel(ax))
        if len(axes) != len(values):
            raise ValueError(f"got {len(axes)} Axes for {len(values)} arrays")

    overlaid = len(set(map(id, axes))) == 1 and len(values) > 1
    for axis, v, label in zip(axes, values, labels):
        counts, _ = np.histogram(v, bins=edges, density=density)
        # One filled step outline per histogram (as ``hist(histtype="stepfilled")``): a patch per
        # bar would cost about 50 ms per panel to make, a second per figure of a dozen panels.
        axis.stairs(counts, edges, fill=True, alpha=0.5 if overlaid else 0.9, label=label)
        if not overlaid:
            axis.set_title(label, fontsize="small")
    if overlaid:
        axes[0].legend(loc="best", fontsize="small")
    return list(dict.fromkeys(axes))  # each Axes once, in order


def plot_train_val_errors(param_values: Sequence[float], train_errors: Sequence[float],
                          val_errors: Sequence[float], ax=None, xlabel: str = "parameter",
                          logx: bool = False, logy: bool = False, ylabel: str = "error"):
    """Training and validation error against a complexity parameter (degree, lambda, ...).

    The under-/over-fitting picture: the training error keeps falling as the model gets
    more flexible while the validation error turns back up. The parameter value with the
    lowest validation error is marked.

    Parameters
    ----------
    param_values : sequence of float, length k
    train_errors, val_errors : sequence of float, length k
    ax : matplotlib Axes, optional
    xlabel : str
    logx, logy : bool
        Logarithmic axes (use ``logx`` for a sweep over lambda).

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_axes(ax)
    params = np.asarray(param_values, dtype=np.float64)
    train = np.asarray(train_errors, dtype=np.float64)
    val = np.asarray(val_errors, dtype=np.float64)
    ax.plot(params, train, "o-", label="training")
    ax.plot(params, val, "s-", label="validation")
    if np.isfinite(val).any():
        best = int(np.nanargmin(np.where(np.isfinite(val), val, np.nan)))
        ax.axvline(params[best], color="k", ls="--", lw=1,
                   label=f"best validation ({xlabel} = {params[best]:g})")
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize="small")
    return ax
