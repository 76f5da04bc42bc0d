"""Chapter 5: per-layer statistics of a deep network, for a chosen depth, width, activation
and initialisation scheme, computed by the student's ``activation_stats`` and
``gradient_norms``."""
from __future__ import annotations

import html
import textwrap
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np

from ._common import failure_message, new_figure, not_built_while_grading, render

__all__ = ["ACTIVATION_NAMES", "SCHEMES", "WIDTHS", "layer_statistics", "ActivationExplorer",
           "activation_explorer"]

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu")
SCHEMES = ("zeros", "small", "lecun", "xavier", "he")
WIDTHS = (8, 16, 32, 64)
MAX_DEPTH = 30
# Few samples keep a redraw fast; the statistics of a layer pool n_samples × width entries.
N_SAMPLES_STATS = 200
N_SAMPLES_GRADIENTS = 128

StatsFunction = Callable[..., np.ndarray]


def layer_statistics(activation_stats: StatsFunction, gradient_norms: StatsFunction, depth: int,
                     width: int, activation: str, scheme: str, seed: int = 0,
                     n_samples_stats: int = N_SAMPLES_STATS,
                     n_samples_gradients: int = N_SAMPLES_GRADIENTS) -> tuple[np.ndarray, np.ndarray]:
    """Per-layer activation statistics and gradient norms, from the student's functions.

    Parameters
    ----------
    activation_stats : callable
        ``activation_stats(depth, width, activation, scheme, rng, n_samples) -> (depth, 2)``.
    gradient_norms : callable
        ``gradient_norms(depth, width, activation, scheme, rng, n_samples) -> (depth,)``.
    depth, width : int
    activation, scheme : str
    seed : int
        Seeds one generator for each function, so a redraw with the same settings is identical.
    n_samples_stats, n_samples_gradients : int

    Returns
    -------
    stats : ndarray, shape (depth, 2)
        ``(mean, std)`` of each layer's activations.
    norms : ndarray, shape (depth,)
        ``‖dL/dW‖_F`` of each layer, the first first.

    Raises
    ------
    ValueError
        When a function returns an array of the wrong shape.
    """
    stats = np.asarray(activation_stats(depth, width, activation, scheme, np.random.default_rng(seed),
                                        n_samples=n_samples_stats), dtype=np.float64)
    if stats.shape != (depth, 2):
        raise ValueError(f"activation_stats returned shape {stats.shape}, expected ({depth}, 2)")
    norms = np.asarray(gradient_norms(depth, width, activation, scheme, np.random.default_rng(seed + 1),
                                      n_samples=n_samples_gradients), dtype=np.float64)
    if norms.shape != (depth,):
        raise ValueError(f"gradient_norms returned shape {norms.shape}, expected ({depth},)")
    return stats, norms


def _positive_or_nan(values: np.ndarray) -> np.ndarray:
    """``values`` with zeros and non-finite entries as nan: a log axis cannot show them."""
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


class ActivationExplorer:
    """Depth, width, activation and scheme controls redrawing per-layer statistics.

    Build it with ``activation_explorer``. Attributes: ``controls`` (``"depth"``, ``"width"``,
    ``"activation"``, ``"scheme"``), ``figure``, ``ax_stats`` (mean and standard deviation of
    each layer's activations), ``ax_grad`` (gradient norms, log scale), ``mean_line``,
    ``std_line``, ``grad_line``, ``stats`` and ``norms`` (the last results; nan when the
    student's code failed), ``message``, ``status``, ``output`` and ``view``.
    """

    def __init__(self, activation_stats: StatsFunction, gradient_norms: StatsFunction,
                 depth: int = 10, width: int = 64, activation: str = "tanh",
                 scheme: str = "small", seed: int = 0) -> None:
        self.activation_stats = activation_stats
        self.gradient_norms = gradient_norms
        self.seed = seed
        self.message = ""
        self.stats = np.full((depth, 2), np.nan)
        self.norms = np.full(depth, np.nan)
        self.controls = {
            "depth": widgets.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="depth"),
            "width": widgets.Dropdown(options=list(WIDTHS), value=width, description="width"),
            "activation": widgets.Dropdown(options=list(ACTIVATION_NAMES), value=activation,
                                           description="activation"),
            "scheme": widgets.Dropdown(options=list(SCHEMES), value=scheme, description="scheme"),
        }
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self._build_figure()
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.view = widgets.VBox([widgets.HBox(list(self.controls.values())[:2]),
                                  widgets.HBox(list(self.controls.values())[2:]),
                                  self.status, self.output])
        self.update()

    def _build_figure(self) -> None:
        self.figure, self.ax_stats = new_figure(figsize=(10.0, 3.8))
        grid = self.figure.add_gridspec(1, 2)
        self.ax_stats.set_subplotspec(grid[0])
        self.ax_grad = self.figure.add_subplot(grid[1])
        (self.std_line,) = self.ax_stats.plot([], [], "o-", ms=3, color="C0", label="std")
        (self.mean_line,) = self.ax_stats.plot([], [], "s--", ms=3, color="C1", label="mean")
        self.ax_stats.axhline(0.0, color="grey", lw=0.5)
        self.ax_stats.set_xlabel("layer")
        self.ax_stats.set_ylabel("activations")
        self.ax_stats.legend(loc="center right", fontsize="small")
        (self.grad_line,) = self.ax_grad.plot([], [], "o-", ms=3, color="C2")
        self.ax_grad.set_yscale("log")
        self.ax_grad.set_xlabel("layer")
        self.ax_grad.set_ylabel("‖dL/dW‖ (log scale)")
        self.note = self.ax_stats.text(0.5, 0.8, "", transform=self.ax_stats.transAxes, ha="center",
                                       va="center", color="C3")
        # Fixed margins, not tight_layout: a layout engine makes every PNG draw the figure twice.
        self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.25)

    def settings(self) -> dict[str, Any]:
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, change: Any = None) -> None:
        """Recompute for the controls' current values and redraw (the controls' observer)."""
        settings = self.settings()
        try:
            stats, norms = layer_statistics(self.activation_stats, self.gradient_norms, seed=self.seed,
                                            **settings)
        except Exception as error:  # noqa: BLE001 - the student's code: report, do not crash
            self._show_failure(failure_message(error, "activation_stats and gradient_norms"),
                               settings["depth"])
        else:
            self._show_statistics(stats, norms, settings)
        render(self.output, self.figure)

    def _show_failure(self, message: str, depth: int) -> None:
        self.message = message
        self.stats, self.norms = np.full((depth, 2), np.nan), np.full(depth, np.nan)
        for line in (self.mean_line, self.std_line, self.grad_line):
            line.set_data([], [])
        self.note.set_text(textwrap.fill(message, 45))  # kept inside the left panel
        self.ax_stats.set_title("")
        self.ax_grad.set_title("")
        self.status.value = f"<b>{html.escape(message)}</b>"

    def _show_statistics(self, stats: np.ndarray, norms: np.ndarray, settings: dict[str, Any]) -> None:
        self.message = ""
        self.note.set_text("")
        self.stats, self.norms = stats, norms
        layers = np.arange(1, len(norms) + 1)
        self.mean_line.set_data(layers, stats[:, 0])
        self.std_line.set_data(layers, stats[:, 1])
        self.grad_line.set_data(layers, _positive_or_nan(norms))
        self._rescale(layers, stats, norms)
        name = f"{settings['activation']} + {settings['scheme']}"
        self.ax_stats.set_title(f"{name}: activations per layer", fontsize="medium")
        self.ax_grad.set_title("gradient norm per layer", fontsize="medium")
        summary = (f"{name}, {settings['depth']} layers of {settings['width']} units: std of the "
                   f"activations {stats[0, 1]:.3g} (layer 1) → {stats[-1, 1]:.3g} (last); ")
        if np.all(norms > 0) and np.all(np.isfinite(norms)):
            summary += f"‖dL/dW‖ first / last layer = {norms[0] / norms[-1]:.3g}"
        else:
            summary += f"{int(np.sum(~(norms > 0)))} layer(s) get no gradient at all (not drawn on the log scale)"
        self.status.value = html.escape(summary)

    def _rescale(self, layers: np.ndarray, stats: np.ndarray, norms: np.ndarray) -> None:
        right = max(len(layers), 2) + 0.5
        for ax in (self.ax_stats, self.ax_grad):
            ax.set_xlim(0.5, right)
        finite = stats[np.isfinite(stats)]
        low, high = (min(finite.min(), 0.0), max(finite.max(), 1e-3)) if finite.size else (0.0, 1.0)
        pad = 0.08 * (high - low)
        self.ax_stats.set_ylim(low - pad, high + pad)
        shown = _positive_or_nan(norms)
        if np.any(np.isfinite(shown)):
            self.ax_grad.set_ylim(np.nanmin(shown) / 3.0, np.nanmax(shown) * 3.0)


@not_built_while_grading
def activation_explorer(activation_stats: StatsFunction, gradient_norms: StatsFunction,
                        depth: int = 10, width: int = 64, activation: str = "tanh",
                        scheme: str = "small") -> ActivationExplorer:
    """Explore per-layer statistics of a deep network with the student's own functions.

    Controls choose the depth (1 to 30), the width (8 to 64), the activation and the
    initialisation scheme; each change recomputes (200 samples for the activations, 128 for
    the gradients) and redraws the mean and standard deviation of each layer's activations
    and the Frobenius norm of each layer's weight gradient on a log scale.

    Parameters
    ----------
    activation_stats : callable
        The student's ``activation_stats(depth, width, activation, scheme, rng, n_samples)``.
    gradient_norms : callable
        The student's ``gradient_norms(depth, width, activation, scheme, rng, n_samples)``.
    depth, width, activation, scheme : initial values of the controls.

    Returns
    -------
    ActivationExplorer
        Display it with ``show(app)``. While nbgrader grades the notebook: a ``NotBuilt``
        (``show`` would display nothing then).

    Examples
    --------
    >>> app = activation_explorer(activation_stats=activation_stats,
    ...                           gradient_norms=gradient_norms)  # doctest: +SKIP
    >>> show(app)  # doctest: +SKIP
    """
    return ActivationExplorer(activation_stats, gradient_norms, depth=depth, width=width,
                              activation=activation, scheme=scheme)
