"""Chapter 2: gradient descent and Newton's method, stepped side by side on a 2-D logistic
regression, with the student's ``logistic_nll``, ``logistic_grad_hess`` and ``newton_minimize``.

Gradient descent needs no code of its own here: a step ``theta - lr * g`` is a Newton step
``theta - H⁻¹ g`` with the Hessian replaced by the constant ``I / lr``, so the student's
``newton_minimize`` runs both methods (with ``tol=0``, for exactly the requested steps).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np

from ._common import failure_message, new_figure, not_built_while_grading, render

__all__ = ["LogisticProblem", "descent_paths", "objective_values", "objective_surface",
           "NewtonExplorer", "newton_explorer"]

STUDENT_FUNCTIONS = "logistic_nll, logistic_grad_hess and newton_minimize"
GAP_FLOOR = 1e-16  # gaps below rounding level are drawn at this height on the log axis


@dataclass(frozen=True)
class LogisticProblem:
    """A logistic regression with two parameters and the student's functions for it.

    Attributes
    ----------
    X : ndarray, shape (n, 2)
        Inputs (a bias column included if wanted).
    y : ndarray, shape (n,)
        0/1 labels.
    nll : callable
        ``nll(X, y, theta) -> float``: the student's ``logistic_nll``.
    grad_hess : callable
        ``grad_hess(X, y, theta) -> (g, H)``: the student's ``logistic_grad_hess``.
    minimize : callable
        ``minimize(grad, hess, theta0, n_iters, tol) -> (theta, path)``: the student's
        ``newton_minimize``.
    """

    X: np.ndarray
    y: np.ndarray
    nll: Callable
    grad_hess: Callable
    minimize: Callable

    def objective(self, theta: np.ndarray) -> float:
        return float(self.nll(self.X, self.y, theta))

    def grad(self, theta: np.ndarray) -> np.ndarray:
        return self.grad_hess(self.X, self.y, theta)[0]

    def hess(self, theta: np.ndarray) -> np.ndarray:
        return self.grad_hess(self.X, self.y, theta)[1]


def descent_paths(problem: LogisticProblem, theta0: np.ndarray, lr: float,
                  n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_steps`` of gradient descent (learning rate ``lr``) and of Newton's method.

    Both run through ``problem.minimize``: gradient descent as Newton with the constant
    Hessian ``I / lr``. ``tol=0`` asks for every step (a method that has converged exactly
    may stop early, so the paths can be shorter).

    Returns
    -------
    gd_path, newton_path : ndarray, shape (<= n_steps + 1, 2)
        The iterates, ``theta0`` first.
    """
    theta0 = np.asarray(theta0, dtype=np.float64)
    scaled_identity = np.eye(theta0.size) / lr
    _, gd_path = problem.minimize(problem.grad, lambda theta: scaled_identity, theta0,
                                  n_iters=n_steps, tol=0.0)
    _, newton_path = problem.minimize(problem.grad, problem.hess, theta0, n_iters=n_steps,
                                      tol=0.0)
    return (np.asarray(gd_path, dtype=np.float64).reshape(-1, theta0.size),
            np.asarray(newton_path, dtype=np.float64).reshape(-1, theta0.size))


def objective_values(problem: LogisticProblem, path: np.ndarray) -> np.ndarray:
    """The objective at every iterate of ``path`` (shape ``(k, 2)``), shape ``(k,)``."""
    return np.array([problem.objective(theta) for theta in path], dtype=np.float64)


def objective_surface(problem: LogisticProblem, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The objective on the grid ``xs × ys``, shape ``(len(ys), len(xs))`` for ``contour``.

    The student's function takes one ``theta`` at a time, so it is called once per point.
    """
    return np.array([[problem.objective(np.array([a, b])) for a in xs] for b in ys])


def _window(theta0: np.ndarray, optimum: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Axis limits holding the start, the optimum and a margin around both."""
    low, high = np.minimum(theta0, optimum), np.maximum(theta0, optimum)
    margin = np.maximum(0.4 * (high - low), 1.0)
    return tuple((float(lo - m), float(hi + m)) for lo, hi, m in zip(low, high, margin))


class NewtonExplorer:
    """Gradient descent and Newton's method stepped side by side on a logistic objective.

    Build it with ``newton_explorer``. Left: contours of the objective with both paths;
    right: the objective gap ``f(theta_k) − f*`` against the iteration, on a log scale.

    Attributes: ``controls`` (``"lr"``, ``"steps"`` and the button ``"step"``, which adds one
    step), ``figure``, ``ax_paths``, ``ax_gap``, the artists ``gd_line``, ``newton_line``,
    ``gd_gap_line``, ``newton_gap_line``, ``status`` (an HTML widget with the objectives or
    what to implement first), ``message``, ``gd_objective``, ``newton_objective`` (nan
    until the student's functions run), ``optimum``, ``f_star`` (its objective), ``output``
    and ``view``.
    """

    def __init__(self, problem: LogisticProblem, lr: float = 1.0, n_steps: int = 5,
                 max_steps: int = 50, resolution: int = 50) -> None:
        self.problem = problem
        self.theta0 = np.zeros(2)
        self.resolution = resolution
        self.optimum = self.f_star = None  # set once the student's functions run
        self.gd_objective = self.newton_objective = float("nan")
        self.message = ""

        self.controls = {
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=-2, max=2, step=0.05,
                                         description="GD lr", readout_format=".3g"),
            "steps": widgets.IntSlider(value=n_steps, min=0, max=max_steps, description="steps"),
            "step": widgets.Button(description="+1 step"),
        }
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self._build_figure(max_steps)
        self.controls["lr"].observe(self.update, names="value")
        self.controls["steps"].observe(self.update, names="value")
        self.controls["step"].on_click(self._one_more_step)
        self.view = widgets.VBox([widgets.HBox(list(self.controls.values())), self.status,
                                  self.output])
        self.update()

    def _build_figure(self, max_steps: int) -> None:
        self.figure, self.ax_paths = new_figure(figsize=(9.0, 3.4))
        grid = self.figure.add_gridspec(1, 2, wspace=0.3, left=0.08, right=0.98, bottom=0.15, top=0.9)
        self.ax_paths.set_subplotspec(grid[0])
        self.ax_gap = self.figure.add_subplot(grid[1])
        (self.gd_line,) = self.ax_paths.plot([], [], "o-", ms=3, color="C0", label="gradient descent")
        (self.newton_line,) = self.ax_paths.plot([], [], "s-", ms=4, color="C3", label="Newton")
        self.ax_paths.set_xlabel(r"$\theta_1$")
        self.ax_paths.set_ylabel(r"$\theta_2$")
        self.ax_paths.legend(loc="upper left", fontsize="small")
        self.note = self.ax_paths.text(0.5, 0.5, "", transform=self.ax_paths.transAxes,
                                       ha="center", va="center", wrap=True, color="C3")
        (self.gd_gap_line,) = self.ax_gap.plot([], [], "o-", ms=3, color="C0", label="gradient descent")
        (self.newton_gap_line,) = self.ax_gap.plot([], [], "s-", ms=4, color="C3", label="Newton")
        self.ax_gap.set_yscale("log")
        self.ax_gap.set_xlim(-0.5, max_steps + 0.5)
        self.ax_gap.set_ylim(GAP_FLOOR / 3, 10.0)
        self.ax_gap.set_xlabel("iteration")
        self.ax_gap.set_ylabel("objective gap $f(\\theta_k) - f^*$")
        self.ax_gap.legend(loc="center right", fontsize="small")

    def _one_more_step(self, _button: Any = None) -> None:
        steps = self.controls["steps"]
        steps.value = min(steps.value + 1, steps.max)

    def _prepare(self) -> None:
        """Find the optimum and draw the contours, once (retried until the student's
        functions run without error)."""
        if self.optimum is not None:
            return
        p = self.problem
        optimum, _ = p.minimize(p.grad, p.hess, self.theta0, n_iters=50, tol=1e-12)
        optimum = np.asarray(optimum, dtype=np.float64)
        f_star = p.objective(optimum)
        xlim, ylim = _window(self.theta0, optimum)
        xs = np.linspace(*xlim, self.resolution)
        ys = np.linspace(*ylim, self.resolution)
        surface = objective_surface(p, xs, ys)
        highest = np.max(surface[np.isfinite(surface)], initial=f_star)  # an unstable nll may give inf
        levels = f_star + np.geomspace(1e-3, max(highest - f_star, 1e-2), 15)
        self.ax_paths.contour(xs, ys, surface, levels=levels, cmap="viridis", linewidths=0.8)
        self.ax_paths.plot(*optimum, "k*", ms=12)
        self.ax_paths.set_xlim(*xlim)
        self.ax_paths.set_ylim(*ylim)
        self.optimum, self.f_star = optimum, f_star

    def update(self, change: Any = None) -> None:
        """Recompute both paths for the controls' values and redraw (the controls' observer)."""
        lr, n_steps = self.controls["lr"].value, self.controls["steps"].value
        try:
            self._prepare()
            gd_path, newton_path = descent_paths(self.problem, self.theta0, lr, n_steps)
            gd_values = objective_values(self.problem, gd_path)
            newton_values = objective_values(self.problem, newton_path)
        except Exception as error:  # noqa: BLE001 - the student's code: report, do not crash
            self._show_failure(failure_message(error, STUDENT_FUNCTIONS))
        else:
            self._show_paths(gd_path, newton_path, gd_values, newton_values, lr)
        render(self.output, self.figure)

    def _show_failure(self, message: str) -> None:
        self.message = message
        self.gd_objective = self.newton_objective = float("nan")
        for line in (self.gd_line, self.newton_line, self.gd_gap_line, self.newton_gap_line):
            line.set_data([], [])
        self.note.set_text(message)
        self.status.value = f"<b>{html.escape(message)}</b>"

    def _show_paths(self, gd_path: np.ndarray, newton_path: np.ndarray, gd_values: np.ndarray,
                    newton_values: np.ndarray, lr: float) -> None:
        self.message = ""
        self.note.set_text("")
        self.gd_line.set_data(gd_path[:, 0], gd_path[:, 1])
        self.newton_line.set_data(newton_path[:, 0], newton_path[:, 1])
        highest = 10.0
        for line, values in ((self.gd_gap_line, gd_values), (self.newton_gap_line, newton_values)):
            gap = np.maximum(values - self.f_star, GAP_FLOOR)
            line.set_data(np.arange(len(values)), gap)
            highest = max(highest, 3.0 * float(np.max(gap[np.isfinite(gap)], initial=0.0)))
        self.ax_gap.set_ylim(GAP_FLOOR / 3, highest)  # a diverging descent stays in view
        self.gd_objective, self.newton_objective = float(gd_values[-1]), float(newton_values[-1])
        summary = (f"after {len(gd_values) - 1} steps: gradient descent (lr = {lr:.3g}) "
                   f"f = {self.gd_objective:.6g}; Newton f = {self.newton_objective:.6g}; "
                   f"optimum f* = {self.f_star:.6g}")
        self.ax_paths.set_title(f"lr = {lr:.3g}, {len(gd_values) - 1} steps", fontsize="medium")
        self.status.value = html.escape(summary)


@not_built_while_grading
def newton_explorer(X: np.ndarray, y: np.ndarray, nll: Callable, grad_hess: Callable,
                    minimize: Callable, lr: float = 1.0, n_steps: int = 5) -> NewtonExplorer:
    """Step gradient descent and Newton's method side by side on a 2-parameter logistic
    regression, with the student's own functions.

    Both start from ``theta = 0``. A slider sets gradient descent's learning rate (1e-2 to
    1e2, log scale), another the number of steps (0 to 50), and a button adds one step.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Inputs of a logistic regression with two parameters (e.g. a bias column and one
        feature).
    y : ndarray, shape (n,)
        0/1 labels.
    nll : callable
        The student's ``logistic_nll(X, y, theta) -> float``.
    grad_hess : callable
        The student's ``logistic_grad_hess(X, y, theta) -> (g, H)``.
    minimize : callable
        The student's ``newton_minimize(grad, hess, theta0, n_iters, tol) -> (theta, path)``.
    lr, n_steps : initial control values.

    Returns
    -------
    NewtonExplorer
        Display it with ``show(app)``. While nbgrader grades the notebook: a ``NotBuilt``
        (``show`` would display nothing then).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"newton_explorer draws two parameters: X must have shape (n, 2), got {X.shape}")
    problem = LogisticProblem(X, np.asarray(y, dtype=np.float64), nll, grad_hess, minimize)
    return NewtonExplorer(problem, lr=lr, n_steps=n_steps)
