"""Chapter 6: the student's optimisers stepping on two 2-D surfaces, an ill-conditioned
quadratic and Rosenbrock's valley, with learning-rate, momentum and step-count controls.

The surfaces are test functions (not exercises), so the chapter's notebook uses them too.
The optimisers are the student's classes, passed in: each follows the course's protocol,
``Optimizer(lr, ...)`` with ``step(params, grads)`` updating the arrays of ``params`` in place.
"""
from __future__ import annotations

import html
import inspect
import time
from dataclasses import dataclass
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np

from ._common import failure_message, new_figure, not_built_while_grading, render

__all__ = ["Surface", "ill_conditioned_quadratic", "rosenbrock", "SURFACES", "make_optimizer",
           "optimizer_path", "surface_grid", "OptimizerExplorer", "optimizer_explorer"]

DIVERGED = 1e6       # a path leaving this radius has diverged: stop it there
GAP_FLOOR = 1e-12    # gaps below this are drawn at this height on the log axis
MARKED_STEPS = 200   # longer paths are drawn without markers: a marker per step slows each redraw


@dataclass(frozen=True)
class Surface:
    """A 2-D objective, its gradient and a window to draw it in.

    Attributes
    ----------
    name : str
    f : callable
        ``f(theta)`` for ``theta`` of shape (2,); written with ``theta[0]`` and ``theta[1]``,
        so it also evaluates a ``(2, ny, nx)`` stack of grid points at once.
    grad : callable
        ``grad(theta) -> ndarray (2,)``.
    start : ndarray, shape (2,)
        Where every optimiser starts.
    minimum : ndarray, shape (2,)
        The minimiser (``f`` is 0 there for both surfaces below).
    xlim, ylim : (float, float)
        The window drawn.
    formula : str
        The objective in LaTeX, for titles.
    """

    name: str
    f: Callable[[np.ndarray], Any]
    grad: Callable[[np.ndarray], np.ndarray]
    start: np.ndarray
    minimum: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    formula: str


def ill_conditioned_quadratic(curvature: float = 25.0) -> Surface:
    """``f = (θ1² + curvature θ2²) / 2``: Hessian ``diag(1, curvature)``, condition number
    ``curvature``; gradient descent is stable for ``lr < 2 / curvature``."""
    return Surface(
        name="ill-conditioned quadratic",
        f=lambda theta: 0.5 * (theta[0] ** 2 + curvature * theta[1] ** 2),
        grad=lambda theta: np.array([theta[0], curvature * theta[1]], dtype=np.float64),
        start=np.array([-4.5, 1.2]), minimum=np.zeros(2), xlim=(-5.0, 5.0), ylim=(-2.0, 2.0),
        formula=rf"$f = (\theta_1^2 + {curvature:g}\,\theta_2^2)/2$")


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """Rosenbrock's banana valley ``f = (a − θ1)² + b (θ2 − θ1²)²``, minimum at ``(a, a²)``."""
    def grad(theta: np.ndarray) -> np.ndarray:
        x, y = theta[0], theta[1]
        return np.array([-2.0 * (a - x) - 4.0 * b * x * (y - x ** 2), 2.0 * b * (y - x ** 2)],
                        dtype=np.float64)

    return Surface(
        name="Rosenbrock", f=lambda theta: (a - theta[0]) ** 2 + b * (theta[1] - theta[0] ** 2) ** 2,
        grad=grad, start=np.array([-1.5, 2.0]), minimum=np.array([a, a * a]),
        xlim=(-2.0, 2.0), ylim=(-1.0, 3.0), formula=rf"$f = ({a:g}-\theta_1)^2 + {b:g}(\theta_2-\theta_1^2)^2$")


SURFACES = {surface.name: surface for surface in (ill_conditioned_quadratic(), rosenbrock())}


def make_optimizer(optimizer_class: type, lr: float, momentum: float):
    """An instance of the student's class with learning rate ``lr`` and, where the class has
    one, its momentum-like hyper-parameter set to ``momentum``: ``momentum`` (Momentum,
    Nesterov) or ``beta1`` (Adam). Other classes get ``lr`` only."""
    accepted = inspect.signature(optimizer_class.__init__).parameters
    for name in ("momentum", "beta1"):
        if name in accepted:
            return optimizer_class(lr, **{name: momentum})
    return optimizer_class(lr)


def optimizer_path(optimizer, grad: Callable[[np.ndarray], np.ndarray], start: np.ndarray,
                   n_steps: int) -> np.ndarray:
    """The iterates of ``n_steps`` calls of ``optimizer.step`` on the single parameter
    ``{"theta": ...}``, starting at ``start``.

    Parameters
    ----------
    optimizer : object with ``step(params, grads)``
        Updates ``params["theta"]`` (in place, by the protocol).
    grad : callable
        ``grad(theta) -> ndarray (2,)``.
    start : ndarray, shape (2,)
    n_steps : int

    Returns
    -------
    ndarray, shape (k + 1, 2)
        ``start`` first, then every iterate; ``k < n_steps`` when the path left the radius
        ``DIVERGED`` or stopped being finite (it ends at that point).
    """
    params = {"theta": np.array(start, dtype=np.float64)}
    path = [params["theta"].copy()]
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging path is shown, not warned about
        for _ in range(n_steps):
            optimizer.step(params, {"theta": grad(params["theta"])})
            theta = np.asarray(params["theta"], dtype=np.float64).reshape(2)
            path.append(theta.copy())
            if not np.all(np.isfinite(theta)) or np.abs(theta).max() > DIVERGED:
                break
    return np.array(path)


def surface_grid(surface: Surface, resolution: int = 120) -> tuple[np.ndarray, ...]:
    """``xx, yy, zz``: the surface on a ``resolution × resolution`` grid of its window."""
    xx, yy = np.meshgrid(np.linspace(*surface.xlim, resolution), np.linspace(*surface.ylim, resolution))
    return xx, yy, np.asarray(surface.f(np.stack([xx, yy])), dtype=np.float64)


class OptimizerExplorer:
    """Controls choosing a surface, one of the student's optimisers, its learning rate, its
    momentum and the number of steps; the path is redrawn on the surface's contours, and the
    gap ``f(θ_k) − f*`` against the step on a log scale.

    Build it with ``optimizer_explorer``. Attributes: ``controls`` (``"surface"``,
    ``"optimizer"``, ``"lr"``, ``"momentum"``, ``"steps"``), ``figure``, ``ax_path``,
    ``ax_gap``, ``contours`` (surface name -> its contour set, drawn once and shown or
    hidden), ``path_line``, ``start_marker``, ``minimum_marker``, ``gap_line``, ``path``
    (the last iterates, shape (k+1, 2)), ``final_gap``, ``message``, ``status``, ``output``,
    ``view`` and ``last_update_seconds`` (the time of the last recomputation, rendering apart).
    """

    def __init__(self, optimizers: dict[str, type], surfaces: dict[str, Surface] | None = None,
                 optimizer: str | None = None, lr: float = 0.03, momentum: float = 0.9,
                 n_steps: int = 100, max_steps: int = 1000) -> None:
        if not optimizers:
            raise ValueError("optimizer_explorer needs at least one optimiser class: {name: class}")
        self.optimizers = dict(optimizers)
        self.surfaces = dict(surfaces) if surfaces is not None else dict(SURFACES)
        self.path = np.zeros((0, 2))
        self.final_gap = float("nan")
        self.message = ""
        self.last_update_seconds = float("nan")

        names = list(self.optimizers)
        self.controls = {
            "surface": widgets.Dropdown(options=list(self.surfaces), description="surface"),
            "optimizer": widgets.Dropdown(options=names, value=optimizer or names[0],
                                          description="optimiser"),
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=-4, max=0, step=0.05,
                                         description="lr", readout_format=".2g"),
            "momentum": widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                            description="momentum"),
            "steps": widgets.IntSlider(value=n_steps, min=1, max=max_steps, description="steps"),
        }
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self._build_figure(max_steps)
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.view = widgets.VBox([widgets.HBox([self.controls["surface"], self.controls["optimizer"]]),
                                  widgets.HBox([self.controls["lr"], self.controls["momentum"],
                                                self.controls["steps"]]),
                                  self.status, self.output])
        self.update()

    def _build_figure(self, max_steps: int) -> None:
        self.figure, self.ax_path = new_figure(figsize=(10.0, 4.0))
        grid = self.figure.add_gridspec(1, 2, width_ratios=(1.3, 1.0), wspace=0.25, left=0.07,
                                        right=0.98, bottom=0.13, top=0.9)
        self.ax_path.set_subplotspec(grid[0])
        self.ax_gap = self.figure.add_subplot(grid[1])
        self.contours = {}
        for name, surface in self.surfaces.items():  # every contour computed once, then toggled
            xx, yy, zz = surface_grid(surface)
            levels = np.geomspace(1e-2, zz.max(), 20)
            self.contours[name] = self.ax_path.contour(xx, yy, zz, levels=levels, cmap="viridis",
                                                       linewidths=0.7)
        (self.path_line,) = self.ax_path.plot([], [], "o-", ms=2.5, lw=1.0, color="C3", label="path")
        (self.start_marker,) = self.ax_path.plot([], [], "s", color="C3", ms=6, label="start")
        (self.minimum_marker,) = self.ax_path.plot([], [], "k*", ms=12, label="minimum")
        self.ax_path.set_xlabel(r"$\theta_1$")
        self.ax_path.set_ylabel(r"$\theta_2$")
        self.ax_path.legend(loc="lower right", fontsize="small")
        self.note = self.ax_path.text(0.5, 0.5, "", transform=self.ax_path.transAxes, ha="center",
                                      va="center", wrap=True, color="C3")
        (self.gap_line,) = self.ax_gap.plot([], [], color="C3")
        self.ax_gap.set_yscale("log")
        self.ax_gap.set_xlim(0, max_steps)
        self.ax_gap.set_xlabel("step")
        self.ax_gap.set_ylabel(r"$f(\theta_k) - f^*$")

    def update(self, change: Any = None) -> None:
        """Rerun the chosen optimiser for the controls' values and redraw (the observer)."""
        started = time.perf_counter()
        values = {name: control.value for name, control in self.controls.items()}
        surface = self.surfaces[values["surface"]]
        self._show_surface(surface, values["steps"])
        try:
            optimizer = make_optimizer(self.optimizers[values["optimizer"]], values["lr"], values["momentum"])
            path = optimizer_path(optimizer, surface.grad, surface.start, values["steps"])
        except Exception as error:  # noqa: BLE001 - the student's code: report, do not crash
            self._show_failure(failure_message(error, values["optimizer"]))
        else:
            self._show_path(surface, path, values)
        self.last_update_seconds = time.perf_counter() - started
        render(self.output, self.figure)

    def _show_surface(self, surface: Surface, n_steps: int) -> None:
        for name, contour in self.contours.items():
            contour.set_visible(name == surface.name)
        self.ax_path.set_xlim(*surface.xlim)
        self.ax_path.set_ylim(*surface.ylim)
        self.minimum_marker.set_data([surface.minimum[0]], [surface.minimum[1]])
        self.start_marker.set_data([surface.start[0]], [surface.start[1]])
        self.ax_gap.set_xlim(0, max(n_steps, 1))

    def _show_failure(self, message: str) -> None:
        self.message = message
        self.path, self.final_gap = np.zeros((0, 2)), float("nan")
        self.path_line.set_data([], [])
        self.gap_line.set_data([], [])
        self.note.set_text(message)
        self.ax_path.set_title("")
        self.status.value = f"<b>{html.escape(message)}</b>"

    def _show_path(self, surface: Surface, path: np.ndarray, values: dict) -> None:
        self.message = ""
        self.note.set_text("")
        self.path = path
        self.path_line.set_data(path[:, 0], path[:, 1])
        self.path_line.set_marker("o" if len(path) <= MARKED_STEPS + 1 else "")
        with np.errstate(over="ignore", invalid="ignore"):
            gaps = np.asarray(surface.f(path.T), dtype=np.float64) - float(surface.f(surface.minimum))
        shown = np.where(np.isfinite(gaps), np.maximum(gaps, GAP_FLOOR), np.nan)
        self.gap_line.set_data(np.arange(len(gaps)), shown)
        finite = shown[np.isfinite(shown)]
        self.ax_gap.set_ylim(GAP_FLOOR / 3, 3.0 * max(float(finite.max(initial=1.0)), 1.0))
        self.final_gap = float(gaps[-1])
        diverged = len(path) - 1 < values["steps"]
        outcome = (f"diverged after {len(path) - 1} steps" if diverged
                   else f"f − f* = {self.final_gap:.3g} after {len(path) - 1} steps")
        title = f"{values['optimizer']}, lr = {values['lr']:.2g}: {outcome}"
        self.ax_path.set_title(title, fontsize="medium")
        self.status.value = html.escape(f"{surface.name}: {title}")


@not_built_while_grading
def optimizer_explorer(optimizers: dict[str, type], surfaces: dict[str, Surface] | None = None,
                       optimizer: str | None = None, lr: float = 0.03, momentum: float = 0.9,
                       n_steps: int = 100) -> OptimizerExplorer:
    """Watch the student's optimisers on an ill-conditioned quadratic and on Rosenbrock.

    Dropdowns choose the surface and the optimiser; sliders the learning rate (1e-4 to 1, log
    scale), the momentum (0 to 0.99: ``momentum`` of Momentum and Nesterov, ``beta1`` of Adam,
    unused by the others) and the number of steps (1 to 1000). Each move reruns the optimiser
    from the surface's starting point and redraws its path and its gap to the minimum.

    Parameters
    ----------
    optimizers : dict name -> class
        The student's classes, e.g. ``{"SGD": SGD, "Momentum": Momentum, "Adam": Adam}``; each
        built as ``cls(lr)`` or ``cls(lr, momentum=...)`` / ``cls(lr, beta1=...)``.
    surfaces : dict name -> Surface, optional
        Defaults to ``SURFACES`` (the quadratic and Rosenbrock).
    optimizer, lr, momentum, n_steps : initial control values.

    Returns
    -------
    OptimizerExplorer
        Display it with ``show(app)``. While nbgrader grades the notebook: a ``NotBuilt``
        (``show`` would display nothing then).
    """
    return OptimizerExplorer(optimizers, surfaces=surfaces, optimizer=optimizer, lr=lr,
                             momentum=momentum, n_steps=n_steps)
