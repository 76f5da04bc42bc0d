"""Chapter 1: polynomial ridge regression, explored with degree and lambda sliders."""
from __future__ import annotations

import html
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np

from ._common import (ErrorFunction, default_error, failure_message, new_figure, not_built_while_grading,
                      render)

__all__ = ["fitted_curve", "RidgeExplorer", "ridge_explorer"]

def fitted_curve(x: np.ndarray, y: np.ndarray, grid: np.ndarray, degree: int, lam: float,
                 fit: Callable, features: Callable) -> np.ndarray:
    """Predictions on ``grid`` of the ridge model that ``fit`` learns on polynomial ``features``.

    The column of ones that ``features`` returns first is dropped: ``fit`` fits the
    intercept ``b`` itself (and does not penalise it).

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Training inputs and targets.
    grid : ndarray, shape (m,)
        Where to predict.
    degree : int
        Polynomial degree.
    lam : float
        Ridge penalty.
    fit : callable
        ``fit(Phi, y, lam) -> (w, b)`` with ``Phi`` of shape (n, degree): the student's
        ``ridge_fit``.
    features : callable
        ``features(x, degree) -> Phi`` of shape (n, degree+1), columns ``x**0 .. x**degree``:
        the student's ``polynomial_features``.

    Returns
    -------
    ndarray, shape (m,)
        ``features(grid, degree)[:, 1:] @ w + b``.
    """
    w, b = fit(features(x, degree)[:, 1:], y, lam)
    return np.asarray(features(grid, degree)[:, 1:] @ w + b, dtype=np.float64).reshape(-1)


class RidgeExplorer:
    """Degree and lambda sliders redrawing a polynomial ridge fit and its train/val MSE.

    Build it with ``ridge_explorer``. Attributes: ``controls`` (``"degree"``, ``"lam"``),
    ``figure``, ``ax``, ``line`` (the fitted curve), ``status`` (an HTML widget with the
    errors or what to implement first), ``message``, ``train_mse``, ``val_mse`` (nan when
    the fit failed), ``output`` and ``view``.
    """

    def __init__(self, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                 y_val: np.ndarray, fit: Callable, features: Callable,
                 error: ErrorFunction | None = None, degree: int = 3, lam: float = 1e-3,
                 n_grid: int = 200) -> None:
        self.x_train, self.y_train = np.asarray(x_train, float), np.asarray(y_train, float)
        self.x_val, self.y_val = np.asarray(x_val, float), np.asarray(y_val, float)
        self.fit, self.features = fit, features
        self.error = error if error is not None else default_error()
        x_all = np.concatenate([self.x_train, self.x_val])
        self.grid = np.linspace(x_all.min(), x_all.max(), n_grid)
        self.train_mse = self.val_mse = float("nan")
        self.message = ""

        self.controls = {
            "degree": widgets.IntSlider(value=degree, min=0, max=15, description="degree"),
            "lam": widgets.FloatLogSlider(value=lam, base=10, min=-8, max=2, description="λ",
                                          readout_format=".1e"),
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
        self.figure, self.ax = new_figure()
        ax = self.ax
        ax.scatter(self.x_train, self.y_train, s=18, color="C0", label="training", zorder=3)
        ax.scatter(self.x_val, self.y_val, s=18, color="C1", marker="s", label="validation",
                   zorder=3)
        (self.line,) = ax.plot(self.grid, np.full_like(self.grid, np.nan), color="C2", lw=2,
                               label="fit")
        self.note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                            wrap=True, color="C3")
        # Fixed limits: a wild high-degree curve must not rescale the data out of view.
        y_all = np.concatenate([self.y_train, self.y_val])
        low, high = y_all.min(), y_all.max()
        margin = 0.3 * (high - low) if high > low else 1.0
        ax.set_xlim(self.grid[0], self.grid[-1])
        ax.set_ylim(low - margin, high + margin)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="upper right", fontsize="small")

    def update(self, change: Any = None) -> None:
        """Refit for the controls' current values and redraw (the controls' observer)."""
        degree, lam = self.controls["degree"].value, self.controls["lam"].value
        n_grid = len(self.grid)
        points = np.concatenate([self.grid, self.x_train, self.x_val])
        try:
            # One fit, predicted on the grid and on both data sets at once.
            predicted = fitted_curve(self.x_train, self.y_train, points, degree, lam,
                                     self.fit, self.features)
        except Exception as error:  # noqa: BLE001 - the student's code: report, do not crash
            self._show_failure(failure_message(error, "ridge_fit and polynomial_features"))
        else:
            curve = predicted[:n_grid]
            train_pred = predicted[n_grid:n_grid + len(self.x_train)]
            val_pred = predicted[n_grid + len(self.x_train):]
            self._show_fit(curve, train_pred, val_pred, degree, lam)
        render(self.output, self.figure)

    def _show_failure(self, message: str) -> None:
        self.message = message
        self.train_mse = self.val_mse = float("nan")
        self.line.set_ydata(np.full_like(self.grid, np.nan))
        self.note.set_text(message)
        self.ax.set_title("")
        self.status.value = f"<b>{html.escape(message)}</b>"

    def _show_fit(self, curve: np.ndarray, train_pred: np.ndarray, val_pred: np.ndarray,
                  degree: int, lam: float) -> None:
        self.line.set_ydata(curve)
        self.note.set_text("")
        self.message = ""
        if not (np.all(np.isfinite(train_pred)) and np.all(np.isfinite(val_pred))):
            self.train_mse = self.val_mse = float("nan")
            self.message = "the fit returned non-finite values (nan or inf)"
        else:
            try:
                self.train_mse = float(self.error(self.y_train, train_pred))
                self.val_mse = float(self.error(self.y_val, val_pred))
            except Exception as error:  # noqa: BLE001 - a student's error function
                self.train_mse = self.val_mse = float("nan")
                self.message = failure_message(error, "mse")
        summary = (f"degree {degree}, λ = {lam:.1e}: training MSE {self.train_mse:.4g}, "
                   f"validation MSE {self.val_mse:.4g}")
        self.ax.set_title(summary, fontsize="medium")
        self.status.value = html.escape(summary) + (
            f"<br><b>{html.escape(self.message)}</b>" if self.message else "")


@not_built_while_grading
def ridge_explorer(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                   y_val: np.ndarray, fit: Callable, features: Callable,
                   error: ErrorFunction | None = None, degree: int = 3,
                   lam: float = 1e-3) -> RidgeExplorer:
    """Explore polynomial ridge regression with the student's ``ridge_fit`` and features.

    Sliders choose the degree (0 to 15) and lambda (1e-8 to 1e2, log scale); the figure
    shows the training and validation points, the curve fitted on the training set, and
    both mean squared errors.

    Parameters
    ----------
    x_train, y_train, x_val, y_val : ndarray, shape (n,)
        1-D data, split into training and validation sets.
    fit : callable
        ``ridge_fit(X, y, lam) -> (w, b)``.
    features : callable
        ``polynomial_features(x, degree) -> Phi`` with columns ``x**0 .. x**degree``.
    error : callable, optional
        ``error(y_true, y_pred) -> float``, for example the student's ``mse``; defaults to
        scikit-learn's ``mean_squared_error``.
    degree, lam : initial slider values.

    Returns
    -------
    RidgeExplorer
        Display it with ``show(app)``. While nbgrader grades the notebook: a ``NotBuilt``
        (``show`` would display nothing then).

    Examples
    --------
    >>> app = ridge_explorer(x_tr, y_tr, x_val, y_val, fit=ridge_fit,
    ...                      features=polynomial_features, error=mse)  # doctest: +SKIP
    >>> show(app)  # doctest: +SKIP
    """
    return RidgeExplorer(x_train, y_train, x_val, y_val, fit, features, error=error,
                         degree=degree, lam=lam)
