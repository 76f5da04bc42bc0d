"""Chapter 3: logistic regression trained live, with learning-rate and step-count controls."""
from __future__ import annotations

import html
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np

from ._common import failure_message, new_figure, not_built_while_grading, render

__all__ = ["train_logistic", "level_line", "LogisticExplorer", "logistic_explorer"]

# Logits of the drawn contours: p = 0.1, p = 0.5 (the decision boundary) and p = 0.9.
CONTOUR_LOGITS = {"p = 0.1": -np.log(9.0), "p = 0.5": 0.0, "p = 0.9": np.log(9.0)}

AccuracyFunction = Callable[[np.ndarray, np.ndarray], float]
LossFunction = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple]


def _with_bias(X: np.ndarray) -> np.ndarray:
    """``X`` with a first column of ones, so that ``theta = (b, w1, w2)``."""
    return np.column_stack([np.ones(len(X)), X])


def train_logistic(X: np.ndarray, y: np.ndarray, fit: Callable, lr: float,
                   n_iters: int) -> tuple[np.ndarray, np.ndarray]:
    """Train the student's ``fit`` on 2-D points with a bias column.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Points of the plane.
    y : ndarray, shape (n,)
        Labels 0/1.
    fit : callable
        ``fit(X_with_bias, y, lr=lr, n_iters=n_iters) -> (theta, losses)``: the student's
        ``fit_logistic``; the column of ones comes first.
    lr : float
    n_iters : int

    Returns
    -------
    theta : ndarray, shape (3,)
        ``(b, w1, w2)``.
    losses : ndarray, shape (n_iters,)
        The losses ``fit`` recorded.
    """
    theta, losses = fit(_with_bias(np.asarray(X, dtype=np.float64)), y, lr=lr, n_iters=n_iters)
    return np.asarray(theta, dtype=np.float64).reshape(-1), np.asarray(losses, dtype=np.float64).reshape(-1)


def level_line(theta: np.ndarray, logit: float, xlim: tuple[float, float],
               ylim: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The segment of the line ``b + w1 x1 + w2 x2 = logit`` inside a rectangle.

    Parameters
    ----------
    theta : ndarray, shape (3,)
        ``(b, w1, w2)``.
    logit : float
        The level (0 for the decision boundary, ``log 9`` for ``p = 0.9``).
    xlim, ylim : (float, float)
        The rectangle.

    Returns
    -------
    xs, ys : ndarray, shape (2,)
        The segment's two ends; ``nan`` when the line misses the rectangle or ``w = 0``.
    """
    b, w = float(theta[0]), np.asarray(theta[1:3], dtype=np.float64)
    missing = (np.full(2, np.nan), np.full(2, np.nan))
    norm2 = float(w @ w)
    if not np.isfinite(norm2) or norm2 == 0.0 or not np.isfinite(b):
        return missing
    point = (logit - b) * w / norm2          # the closest point of the line to the origin
    direction = np.array([-w[1], w[0]])      # along the line
    t_low, t_high = -np.inf, np.inf
    for axis, (low, high) in enumerate((xlim, ylim)):  # clip to each slab of the rectangle
        if direction[axis] == 0.0:
            if not low <= point[axis] <= high:
                return missing
            continue
        t1, t2 = sorted(((low - point[axis]) / direction[axis], (high - point[axis]) / direction[axis]))
        t_low, t_high = max(t_low, t1), min(t_high, t2)
    if t_low > t_high:
        return missing
    ends = point + np.outer([t_low, t_high], direction)
    return ends[:, 0], ends[:, 1]


def _default_accuracy() -> AccuracyFunction:
    """scikit-learn's accuracy (a library engine, not the course's answer)."""
    from sklearn.metrics import accuracy_score

    return accuracy_score


class LogisticExplorer:
    """Learning-rate and step-count controls retraining logistic regression on 2-D data.

    Build it with ``logistic_explorer``. Attributes: ``controls`` (``"lr"``, ``"n_iters"``),
    ``figure``, ``ax`` (data and boundary), ``ax_loss``, ``lines`` (label -> the
    ``p = 0.1 / 0.5 / 0.9`` lines), ``loss_line``, ``status`` (HTML: the loss and accuracy of
    the final ``theta``, or what to implement first), ``message``, ``theta``, ``losses``,
    ``final_loss`` and ``train_accuracy`` (of the final ``theta``, the one the boundary
    shows; nan when training failed or, for the loss, without a ``loss`` function),
    ``output`` and ``view``.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, fit: Callable,
                 accuracy: AccuracyFunction | None = None, lr: float = 0.1,
                 n_iters: int = 50, loss: LossFunction | None = None) -> None:
        self.X = np.asarray(X, dtype=np.float64)
        self.y = np.asarray(y)
        self.fit, self.loss = fit, loss
        self.accuracy = accuracy if accuracy is not None else _default_accuracy()
        self.theta = np.full(3, np.nan)
        self.losses = np.zeros(0)
        self.final_loss = self.train_accuracy = float("nan")
        self.message = ""

        self.controls = {
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1, description="lr",
                                         readout_format=".3g"),
            "n_iters": widgets.IntSlider(value=n_iters, min=1, max=500, step=1,
                                         description="steps"),
        }
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self._build_figure()
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.view = widgets.VBox([widgets.HBox(list(self.controls.values())), self.status,
                                  self.output])
        self.update()

    def _build_figure(self) -> None:
        self.figure, self.ax = new_figure(figsize=(10.0, 4.0))
        grid = self.figure.add_gridspec(1, 2, width_ratios=(1.1, 1.0))
        self.ax.set_subplotspec(grid[0])
        self.ax_loss = self.figure.add_subplot(grid[1])

        ax = self.ax
        for label, colour in ((0, "C0"), (1, "C1")):
            points = self.X[self.y == label]
            ax.scatter(points[:, 0], points[:, 1], s=14, color=colour, edgecolors="k",
                       linewidths=0.3, label=f"class {label}")
        styles = {"p = 0.1": ":", "p = 0.5": "-", "p = 0.9": "--"}
        self.lines = {label: ax.plot([np.nan, np.nan], [np.nan, np.nan], color="k",
                                     ls=styles[label], lw=1.5 if label == "p = 0.5" else 1.0,
                                     label=label)[0] for label in CONTOUR_LOGITS}
        margin = 0.5
        self.xlim = (self.X[:, 0].min() - margin, self.X[:, 0].max() + margin)
        self.ylim = (self.X[:, 1].min() - margin, self.X[:, 1].max() + margin)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(loc="lower right", fontsize="small")
        self.note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                            wrap=True, color="C3")

        (self.loss_line,) = self.ax_loss.plot([], [], color="C2")
        self.ax_loss.set_xlabel("step k (the loss before it)")
        self.ax_loss.set_ylabel("training loss")
        # Fixed margins, not tight_layout: a layout engine makes every PNG draw the figure twice.
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91, wspace=0.22)

    def update(self, change: Any = None) -> None:
        """Retrain for the controls' current values and redraw (the controls' observer)."""
        lr, n_iters = self.controls["lr"].value, self.controls["n_iters"].value
        try:
            theta, losses = train_logistic(self.X, self.y, self.fit, lr, n_iters)
        except Exception as error:  # noqa: BLE001 - the student's code: report, do not crash
            self._show_failure(failure_message(error, "fit_logistic"))
        else:
            self._show_training(theta, losses, lr, n_iters)
        render(self.output, self.figure)

    def _show_failure(self, message: str) -> None:
        self.message = message
        self.theta, self.losses = np.full(3, np.nan), np.zeros(0)
        self.final_loss = self.train_accuracy = float("nan")
        for line in self.lines.values():
            line.set_data([np.nan, np.nan], [np.nan, np.nan])
        self.loss_line.set_data([], [])
        self.note.set_text(message)
        self.ax.set_title("")
        self.status.value = f"<b>{html.escape(message)}</b>"

    def _show_training(self, theta: np.ndarray, losses: np.ndarray, lr: float,
                       n_iters: int) -> None:
        self.theta, self.losses = theta, losses
        self.note.set_text("")
        self.message = ""
        if theta.shape != (3,) or not np.all(np.isfinite(theta)):
            self.message = f"fit_logistic returned theta = {theta!r}: expected 3 finite numbers"
            self.final_loss = self.train_accuracy = float("nan")
        else:
            self.final_loss = self._loss_of(theta)
            predicted = (_with_bias(self.X) @ theta > 0).astype(self.y.dtype)
            try:
                self.train_accuracy = float(self.accuracy(self.y, predicted))
            except Exception as error:  # noqa: BLE001 - the student's accuracy
                self.train_accuracy = float("nan")
                self.message = failure_message(error, "accuracy")
        for label, logit in CONTOUR_LOGITS.items():
            xs, ys = (level_line(theta, logit, self.xlim, self.ylim) if theta.shape == (3,)
                      else (np.full(2, np.nan), np.full(2, np.nan)))
            self.lines[label].set_data(xs, ys)
        self._draw_losses(losses)
        steps = f"{n_iters} step" + ("" if n_iters == 1 else "s")
        summary = (f"lr = {lr:.3g}, after {steps}: " + ("" if self.loss is None else
                   f"training loss {self.final_loss:.4g}, ") + f"training accuracy {self.train_accuracy:.3f}")
        self.ax.set_title(summary, fontsize="medium")
        self.status.value = html.escape(summary) + (
            f"<br><b>{html.escape(self.message)}</b>" if self.message else "")

    def _loss_of(self, theta: np.ndarray) -> float:
        """The loss of the final ``theta`` (the student's ``loss``), the one whose boundary
        and accuracy are shown: ``fit``'s ``losses[k]`` is recorded *before* step ``k``."""
        if self.loss is None:
            return float("nan")
        try:
            return float(self.loss(_with_bias(self.X), self.y, theta)[0])
        except Exception as error:  # noqa: BLE001 - the student's code: report, do not crash
            self.message = failure_message(error, "logistic_loss_grad")
            return float("nan")

    def _draw_losses(self, losses: np.ndarray) -> None:
        self.loss_line.set_data(np.arange(losses.size), losses)
        finite = losses[np.isfinite(losses)]
        top = float(finite.max()) if finite.size else 1.0
        self.ax_loss.set_xlim(0, max(losses.size - 1, 1))
        self.ax_loss.set_ylim(0.0, 1.05 * top if top > 0 else 1.0)


@not_built_while_grading
def logistic_explorer(X: np.ndarray, y: np.ndarray, fit: Callable,
                      accuracy: AccuracyFunction | None = None, lr: float = 0.1,
                      n_iters: int = 50, loss: LossFunction | None = None) -> LogisticExplorer:
    """Explore logistic regression on 2-D data, trained by the student's ``fit_logistic``.

    Sliders choose the learning rate (1e-3 to 10, log scale) and the number of gradient steps
    (1 to 500); each move retrains from zero and redraws the decision boundary ``p = 0.5``,
    the contours ``p = 0.1`` and ``p = 0.9``, and the loss curve (``losses[k]``, recorded
    before step ``k``). The title gives the accuracy, and with ``loss`` the loss, of the final
    ``theta``: the one the boundary shows.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Points of the plane (a bias column is added before calling ``fit``).
    y : ndarray, shape (n,)
        Labels 0/1.
    fit : callable
        ``fit_logistic(X, y, lr, n_iters) -> (theta, losses)``.
    accuracy : callable, optional
        ``accuracy(y_true, y_pred) -> float``, for example the student's; defaults to
        scikit-learn's ``accuracy_score``.
    lr, n_iters : initial slider values.
    loss : callable, optional
        ``logistic_loss_grad(X, y, theta) -> (loss, grad)``, the student's, for the loss of
        the final ``theta`` (``X`` with its bias column). Without it no final loss is shown.

    Returns
    -------
    LogisticExplorer
        Display it with ``show(app)``. While nbgrader grades the notebook: a ``NotBuilt``
        (``show`` would display nothing then).

    Examples
    --------
    >>> app = logistic_explorer(X, y, fit=fit_logistic, accuracy=accuracy,
    ...                         loss=logistic_loss_grad)  # doctest: +SKIP
    >>> show(app)  # doctest: +SKIP
    """
    return LogisticExplorer(X, y, fit, accuracy=accuracy, lr=lr, n_iters=n_iters, loss=loss)
