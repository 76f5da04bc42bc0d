"""Chapter 4: a TensorFlow-Playground-like app, a small network learning 2-D data live.

Two engines train the network, one epoch per tick of a play button:

- by default, scikit-learn's ``MLPClassifier`` (a real library, so the app works before
  chapter 4 is done), trained by plain SGD with ``partial_fit``;
- or the student's own network: ``make_model(layer_sizes, activation, rng)`` builds a
  ``Module``-protocol model, trained with the student's ``loss`` and ``step`` (and
  ``penalty`` for L2, from chapter 7).

The logic is in plain functions (data, feature map, one epoch per engine, probabilities,
losses); the ``Playground`` class only wires the controls to them and redraws.
"""
from __future__ import annotations

import html
import textwrap
from types import TracebackType
from typing import Any, Callable, Sequence

import ipywidgets as widgets
import numpy as np

from .. import datasets
from ._common import failure_message, new_figure, not_built_while_grading, render

__all__ = ["DATASETS", "FEATURES", "ACTIVATIONS", "make_data", "feature_map",
           "new_library_model", "library_epoch", "library_probabilities", "module_epoch",
           "module_probabilities", "probability_grid", "cross_entropy", "LibraryEngine",
           "StudentEngine", "BlitPNG", "Playground", "playground"]

# Every data set lies in about [-1.5, 1.5]^2 before scaling by SCALE; the heat map covers
# [-EXTENT, EXTENT]^2. On this scale sin x1 and sin x2 bend once or twice across the plot.
SCALE = 2.0
EXTENT = 3.5
N_POINTS = 400
GRID_RESOLUTION = 60

# name -> make(n, noise, rng) returning (X, y) with labels 0/1. XOR and the Gaussian blobs
# have a spread of their own (0.3), so that noise 0 still gives clouds, not single points.
DATASETS: dict[str, Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {
    "circle": lambda n, noise, rng: datasets.circles(n, rng, noise=noise, factor=0.5),
    "xor": lambda n, noise, rng: datasets.xor(n, rng, noise=0.3 + noise),
    "gaussian": lambda n, noise, rng: datasets.blobs(
        n, rng, centers=np.array([[-1.0, -1.0], [1.0, 1.0]]), std=0.3 + noise),
    "spiral": lambda n, noise, rng: datasets.spirals(n, rng, noise=noise, n_classes=2,
                                                     turns=1.0),
    "moons": lambda n, noise, rng: _centred_moons(n, noise, rng),
}

FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x₁": lambda x1, x2: x1,
    "x₂": lambda x1, x2: x2,
    "x₁²": lambda x1, x2: x1 ** 2,
    "x₂²": lambda x1, x2: x2 ** 2,
    "x₁x₂": lambda x1, x2: x1 * x2,
    "sin x₁": lambda x1, x2: np.sin(x1),
    "sin x₂": lambda x1, x2: np.sin(x2),
}

# The dropdown's names -> scikit-learn's names for the same activations.
ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic", "linear": "identity"}

LEARNING_RATES = (1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L2_STRENGTHS = (0.0, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_HIDDEN_LAYERS, MAX_UNITS = 4, 8
CLASS_COLOURS = ("#e66101", "#2166ac")  # class 0 orange, class 1 blue


def _centred_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``datasets.moons`` moved so that the two moons are centred on the origin."""
    X, y = datasets.moons(n, rng, noise=noise)
    return X - np.array([0.5, 0.25]), y


def make_data(dataset: str, noise: float, train_ratio: float, seed: int,
              n_points: int = N_POINTS) -> tuple[np.ndarray, ...]:
    """Draw a 2-D two-class data set and split it into training and test points.

    Parameters
    ----------
    dataset : {"circle", "xor", "gaussian", "spiral", "moons"}
    noise : float
        Standard deviation of the noise, in the generator's units (radius about 1).
    train_ratio : float
        Fraction of the points used for training (at least one point in each part).
    seed : int
        Seed of both the points and the split: the same seed gives the same data, and
        the training set for a larger ratio contains the one for a smaller ratio.
    n_points : int
        Number of points in total.

    Returns
    -------
    X_train, y_train, X_test, y_test
        ``X`` of shape ``(n, 2)`` scaled by ``SCALE``, ``y`` int64 labels in {0, 1}.
    """
    rng = np.random.default_rng(seed)
    X, y = DATASETS[dataset](n_points, noise, rng)
    X = SCALE * X
    order = rng.permutation(n_points)
    n_train = int(np.clip(round(train_ratio * n_points), 1, n_points - 1))
    train, test = order[:n_train], order[n_train:]
    return X[train], y[train], X[test], y[test]


def feature_map(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The input features of the network, one column per name of ``FEATURES``, in order.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Points ``(x1, x2)``.
    names : sequence of str
        Keys of ``FEATURES``, for example ``("x₁²", "x₂²")``.

    Returns
    -------
    ndarray, shape (n, len(names))
    """
    x1, x2 = X[:, 0], X[:, 1]
    columns = [FEATURES[name](x1, x2) for name in names]
    return np.column_stack(columns) if columns else np.empty((len(X), 0))


def new_library_model(hidden_units: Sequence[int], activation: str, seed: int):
    """An untrained scikit-learn ``MLPClassifier`` trained by plain SGD (no momentum).

    Plain SGD makes the learning rate mean the same as in the student's ``sgd_step``.
    ``activation`` is one of the keys of ``ACTIVATIONS``.
    """
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=tuple(hidden_units),
                         activation=ACTIVATIONS[activation], solver="sgd", momentum=0.0,
                         learning_rate="constant", random_state=seed)


def library_epoch(model, X: np.ndarray, y: np.ndarray, lr: float, batch_size: int,
                  l2: float) -> None:
    """Train a ``new_library_model`` for one epoch (one ``partial_fit`` call) in place.

    scikit-learn adds ``alpha/(2 * batch) * sum ||W||^2`` to each mini-batch's mean loss,
    so ``alpha = l2 * batch_size`` gives the penalty ``(l2/2) sum ||W||^2`` of chapter 7.
    """
    model.set_params(learning_rate_init=lr, batch_size=batch_size, alpha=l2 * batch_size)
    # partial_fit builds its optimizer once, with the learning rate of that moment. Without
    # momentum the optimizer keeps no state, so dropping it makes the next call build a new
    # one with the current learning rate: a new rate applies from this epoch on.
    vars(model).pop("_optimizer", None)
    with np.errstate(all="ignore"):  # a diverging run is reported, not warned about
        model.partial_fit(X, y, classes=[0, 1])


def library_probabilities(model, X: np.ndarray) -> np.ndarray:
    """Probability of class 1 for each row of ``X``, shape ``(n,)``."""
    with np.errstate(all="ignore"):
        return model.predict_proba(X)[:, 1]


def _parameters_and_gradients(model) -> tuple[dict, dict]:
    """A ``Sequential``'s ``parameters()``/``gradients()``, or a single layer's dicts."""
    if hasattr(model, "parameters"):
        return model.parameters(), model.gradients()
    return model.params, model.grads


def _checked_logits(logits: Any, n: int) -> np.ndarray:
    """The network's output as an array, refused unless it holds two logits per point."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.shape != (n, 2):
        raise ValueError(f"the network returned an output of shape {logits.shape}, "
                         f"expected ({n}, 2): two logits per point")
    return logits


def module_epoch(model, X: np.ndarray, y: np.ndarray, loss: Callable, step: Callable,
                 lr: float, batch_size: int, rng: np.random.Generator,
                 penalty: Callable | None = None, l2: float = 0.0) -> None:
    """Train a ``Module``-protocol network for one epoch of mini-batch SGD, in place.

    The points are shuffled by ``rng``; for each mini-batch: ``forward``, ``loss``,
    ``backward``, the gradient of ``penalty(params, l2)`` added when ``l2 > 0``, then
    ``step(params, grads, lr)``.

    Parameters
    ----------
    model : Module
        Maps ``(batch, d)`` inputs to ``(batch, 2)`` logits.
    X, y : ndarray, shapes (n, d) and (n,)
    loss : callable
        ``loss(logits, y) -> (value, dlogits)``, the student's ``softmax_cross_entropy``.
    step : callable
        ``step(params, grads, lr)`` updating ``params`` in place: ``sgd_step``.
    lr : float
    batch_size : int
    rng : Generator
    penalty : callable, optional
        ``penalty(params, lam) -> (value, grads)``: ``l2_penalty``.
    l2 : float
        The penalty's strength ``lam`` (ignored without ``penalty``).
    """
    model.train()
    order = rng.permutation(len(y))
    for start in range(0, len(y), batch_size):
        batch = order[start:start + batch_size]
        logits = _checked_logits(model.forward(X[batch]), len(batch))
        _, dlogits = loss(logits, y[batch])
        model.backward(dlogits)
        params, grads = _parameters_and_gradients(model)
        if penalty is not None and l2 > 0:
            _, penalty_grads = penalty(params, l2)
            grads = {name: grads[name] + penalty_grads[name] for name in grads}
        step(params, grads, lr)


def module_probabilities(model, X: np.ndarray) -> np.ndarray:
    """Probability of class 1 for each row of ``X`` (softmax of the logits, eval mode)."""
    from scipy.special import softmax

    model.eval()
    try:
        logits = _checked_logits(model.forward(X), len(X))
    finally:
        model.train()
    return softmax(logits, axis=1)[:, 1]


def probability_grid(probabilities: Callable[[np.ndarray], np.ndarray], names: Sequence[str],
                     extent: float = EXTENT, resolution: int = GRID_RESOLUTION) -> np.ndarray:
    """Predicted probability of class 1 on a square grid, for a heat map.

    Parameters
    ----------
    probabilities : callable
        Maps features of shape ``(m, len(names))`` to probabilities of shape ``(m,)``.
    names : sequence of str
        The input features (keys of ``FEATURES``).
    extent : float
        The grid covers ``[-extent, extent]^2``.
    resolution : int
        Points per side.

    Returns
    -------
    ndarray, shape (resolution, resolution)
        Row ``i`` is ``x2 = axis[i]`` and column ``j`` is ``x1 = axis[j]`` (``imshow`` with
        ``origin="lower"``).
    """
    axis = np.linspace(-extent, extent, resolution)
    x1, x2 = np.meshgrid(axis, axis)
    points = np.column_stack([x1.ravel(), x2.ravel()])
    return probabilities(feature_map(points, names)).reshape(resolution, resolution)


def cross_entropy(y: np.ndarray, p1: np.ndarray) -> float:
    """Mean cross-entropy of labels ``y`` given probabilities ``p1`` of class 1
    (scikit-learn's ``log_loss``, without any penalty)."""
    from sklearn.metrics import log_loss

    return float(log_loss(y, np.column_stack([1.0 - p1, p1]), labels=[0, 1]))


class LibraryEngine:
    """The default engine: scikit-learn's ``MLPClassifier``, plain SGD, L2 available."""

    supports_l2 = True
    reported_errors: tuple[type[Exception], ...] = ()  # a library failure is a bug: raise
    activations = tuple(ACTIVATIONS)  # scikit-learn builds every one

    def __init__(self) -> None:
        self.model = None

    def build(self, layer_sizes: list[int], activation: str, rng: np.random.Generator) -> None:
        """A new untrained network with the hidden layers of ``layer_sizes``."""
        self.model = new_library_model(layer_sizes[1:-1], activation,
                                       int(rng.integers(2**31 - 1)))

    def train_epoch(self, X: np.ndarray, y: np.ndarray, lr: float, batch_size: int,
                    l2: float, rng: np.random.Generator) -> None:
        """One epoch (the model shuffles with its own random state)."""
        library_epoch(self.model, X, y, lr, batch_size, l2)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Probability of class 1; 1/2 everywhere before the first epoch."""
        if not hasattr(self.model, "coefs_"):  # scikit-learn initialises in partial_fit
            return np.full(len(features), 0.5)
        return library_probabilities(self.model, features)


class StudentEngine:
    """The student's network from ``make_model``, trained with their ``loss`` and ``step``."""

    reported_errors = (Exception,)  # the student's code: report any failure, never crash

    def __init__(self, make_model: Callable, loss: Callable, step: Callable,
                 penalty: Callable | None = None, activations: Sequence[str] = tuple(ACTIVATIONS),
                 make_model_given: bool = False) -> None:
        self.make_model, self.loss, self.step, self.penalty = make_model, loss, step, penalty
        self.supports_l2 = penalty is not None
        unknown = sorted(set(activations) - set(ACTIVATIONS))
        if unknown or not activations:
            raise ValueError(f"activations must be some of {list(ACTIVATIONS)}, got {list(activations)}")
        self.activations = tuple(activations)
        self.make_model_given = make_model_given
        self.model = None

    def build(self, layer_sizes: list[int], activation: str, rng: np.random.Generator) -> None:
        """A new network from the student's factory."""
        self.model = self.make_model(list(layer_sizes), activation, rng)

    def train_epoch(self, X: np.ndarray, y: np.ndarray, lr: float, batch_size: int,
                    l2: float, rng: np.random.Generator) -> None:
        """One epoch of ``module_epoch`` with the student's functions."""
        with np.errstate(all="ignore"):  # a diverging run is reported, not warned about
            module_epoch(self.model, X, y, self.loss, self.step, lr, batch_size, rng,
                         self.penalty, l2)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Probability of class 1 (softmax of the student's network's logits)."""
        with np.errstate(all="ignore"):
            return module_probabilities(self.model, features)

    def names(self, stage: str) -> str:
        """The student's functions that run at ``stage`` ("build" or "train")."""
        if stage == "build":
            return _name(self.make_model)
        functions = [self.loss, self.step] + ([self.penalty] if self.penalty else [])
        return ", ".join(["your network's forward/backward"] + [_name(f) for f in functions])


def _name(function: Callable) -> str:
    """The name a student gave a function (a callable object may have none)."""
    return getattr(function, "__name__", repr(function))


def _raised_in(traceback: TracebackType | None) -> str:
    """Where the error came from: the qualified name of the innermost function."""
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return "" if traceback is None else traceback.tb_frame.f_code.co_qualname


def _point_legend(label: str, edge: str):
    """A legend entry for the training or test points (grey: the label is the colour)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="", marker="o", markersize=4, markerfacecolor="0.6",
                  markeredgecolor=edge, label=label)


def _option_label(value: float) -> tuple[str, float]:
    """A dropdown option: the number as shown, and its value."""
    return (f"{value:g}", value)


class BlitPNG:
    """PNG frames of a figure in which only a few artists change, drawn by blitting.

    Everything else (axes, ticks, labels, legend: most of the time a draw takes) is drawn
    once into a background, and again only when ``static_key()`` changes (new axis limits).
    A frame restores the background and draws ``artists`` on top in the order given, so
    list them as a full draw layers them (spines after what they frame). About three times
    faster than ``savefig``; the figure itself is left as it was, so ``savefig`` still works.
    """

    def __init__(self, figure, artists: Sequence, static_key: Callable[[], Any]) -> None:
        self.figure, self.artists, self.static_key = figure, list(artists), static_key
        self.background, self.key = None, None

    def __call__(self, figure) -> bytes:
        """The current state of ``figure`` (the one given at construction) as PNG bytes."""
        import io

        from PIL import Image

        canvas = figure.canvas
        if self.background is None or self.static_key() != self.key:
            self._draw_background()
        canvas.restore_region(self.background)
        for artist in self.artists:
            figure.draw_artist(artist)
        frame = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                 "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        frame.save(buffer, format="png")
        return buffer.getvalue()

    def _draw_background(self) -> None:
        changing = [artist for artist in self.artists if not artist.get_animated()]
        for artist in changing:
            artist.set_animated(True)  # left out of a full draw
        try:
            self.figure.canvas.draw()
        finally:
            for artist in changing:
                artist.set_animated(False)
        self.background = self.figure.canvas.copy_from_bbox(self.figure.bbox)
        self.key = self.static_key()


def _axis_end(epoch: int) -> int:
    """The end of the loss plot's epoch axis: 10, then doubled as training goes on, so
    the axis (and the blitted background) changes only now and then."""
    end = 10
    while end < epoch:
        end *= 2
    return end


class Playground:
    """Controls, a decision-boundary heat map and loss curves for a network learning live.

    Build it with ``playground``. Attributes: ``controls`` (name -> widget, see
    ``playground``), ``engine``, ``epoch``, ``train_losses``, ``test_losses``, ``figure``,
    ``heat_ax``, ``loss_ax``, ``heatmap`` (the ``imshow`` image), ``train_line`` and
    ``test_line`` (the loss curves), ``status`` (HTML: epoch and losses, or what went wrong),
    ``message``, ``l2_note``, ``output``, ``view`` and ``encode_png`` (the figure as PNG
    bytes, by blitting: what each redraw shows); ``feature_names`` and
    ``hidden_units`` read the network's inputs and hidden layers off the controls.
    """

    def __init__(self, engine: LibraryEngine | StudentEngine, seed: int = 0) -> None:
        self.engine, self.seed = engine, seed
        self.rng = np.random.default_rng(seed)  # weights and mini-batches, across resets
        self.epoch, self.train_losses, self.test_losses = 0, [], []
        self.message = ""
        self.controls = self._make_controls()
        self.status = widgets.HTML()
        self.l2_note = widgets.HTML()
        if not engine.supports_l2:
            self.controls["l2"].disabled = True
            self.l2_note.value = ("<i>L2 is off: pass penalty=l2_penalty (chapter 7) to "
                                  "playground to use it with your network.</i>")
        self.output = widgets.Output()
        self._build_figure()
        self._observe()
        self.view = self._layout()
        self._new_data()

    # ---- controls -------------------------------------------------------------------
    def _make_controls(self) -> dict[str, widgets.Widget]:
        # Three columns of 300 px fit a notebook; descriptions get room for "learning rate".
        look = dict(style={"description_width": "90px"}, layout=widgets.Layout(width="300px"))
        units = [widgets.IntSlider(value=4, min=1, max=MAX_UNITS, description=f"layer {i + 1}",
                                   **look) for i in range(MAX_HIDDEN_LAYERS)]
        button = dict(layout=widgets.Layout(width="70px"))
        return {
            "dataset": widgets.Dropdown(options=list(DATASETS), value="circle",
                                        description="data", **look),
            "noise": widgets.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.05,
                                         description="noise", **look),
            "train_ratio": widgets.FloatSlider(value=0.5, min=0.1, max=0.9, step=0.1,
                                               readout_format=".0%", description="train ratio",
                                               **look),
            "features": widgets.SelectMultiple(options=list(FEATURES), value=("x₁", "x₂"),
                                               rows=len(FEATURES), description="features",
                                               **look),
            "hidden_layers": widgets.IntSlider(value=2, min=0, max=MAX_HIDDEN_LAYERS,
                                               description="hidden layers", **look),
            "units": widgets.VBox(units),
            "activation": widgets.Dropdown(options=list(self.engine.activations),
                                           value=self.engine.activations[0],
                                           description="activation", **look),
            "learning_rate": widgets.Dropdown(options=[_option_label(v) for v in LEARNING_RATES],
                                              value=0.03, description="learning rate", **look),
            "batch_size": widgets.IntSlider(value=10, min=1, max=30, description="batch size",
                                            **look),
            "l2": widgets.Dropdown(options=[_option_label(v) for v in L2_STRENGTHS], value=0.0,
                                   description="L2", **look),
            "play": widgets.Play(value=0, min=0, max=10**9, step=1, interval=200,
                                 show_repeat=False, description="play"),
            "step": widgets.Button(description="step", tooltip="train one epoch", **button),
            "reset": widgets.Button(description="reset", tooltip="new random weights", **button),
        }

    def _observe(self) -> None:
        controls = self.controls
        for name in ("dataset", "noise", "train_ratio"):
            controls[name].observe(self._new_data, names="value")
        for name in ("features", "hidden_layers", "activation"):
            controls[name].observe(self.reset, names="value")
        for slider in controls["units"].children:
            slider.observe(self.reset, names="value")
        # learning_rate, batch_size and l2 are read at every epoch: nothing to observe.
        controls["play"].observe(self._on_tick, names="value")
        controls["step"].on_click(lambda _button: self.step_epoch())
        controls["reset"].on_click(lambda _button: self.reset())

    def _layout(self) -> widgets.Widget:
        c = self.controls
        data = widgets.VBox([c["dataset"], c["noise"], c["train_ratio"], c["features"]])
        network = widgets.VBox([c["hidden_layers"], c["units"], c["activation"]])
        training = widgets.VBox([c["learning_rate"], c["batch_size"], c["l2"], self.l2_note,
                                 widgets.HBox([c["play"], c["step"], c["reset"]])])
        columns = widgets.HBox([data, network, training],
                               layout=widgets.Layout(flex_flow="row wrap"))
        return widgets.VBox([columns, self.status, self.output])

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The selected input features, in the order of ``FEATURES``."""
        selected = set(self.controls["features"].value)
        return tuple(name for name in FEATURES if name in selected)

    @property
    def hidden_units(self) -> list[int]:
        """Units of each hidden layer in use (the first ``hidden_layers`` sliders)."""
        n_layers = self.controls["hidden_layers"].value
        return [slider.value for slider in self.controls["units"].children[:n_layers]]

    # ---- figure ---------------------------------------------------------------------
    def _build_figure(self) -> None:
        from matplotlib.colors import LinearSegmentedColormap
        from matplotlib.ticker import MaxNLocator

        self.figure, self.heat_ax = new_figure(figsize=(8.0, 3.5))
        grid = self.figure.add_gridspec(1, 2, width_ratios=(1.0, 1.2), wspace=0.3, left=0.08,
                                        right=0.83, bottom=0.14, top=0.95)
        self.heat_ax.set_subplotspec(grid[0])
        self.loss_ax = self.figure.add_subplot(grid[1])

        colours = LinearSegmentedColormap.from_list(
            "playground", [CLASS_COLOURS[0], "#f7f7f7", CLASS_COLOURS[1]])
        ax = self.heat_ax
        self.heatmap = ax.imshow(np.full((GRID_RESOLUTION, GRID_RESOLUTION), 0.5),
                                 origin="lower", extent=(-EXTENT, EXTENT, -EXTENT, EXTENT),
                                 cmap=colours, vmin=0.0, vmax=1.0, alpha=0.8,
                                 interpolation="bilinear")
        # Empty until the data are drawn; the colour of a point is its label (0 or 1).
        nothing = np.empty(0)
        point_style = dict(c=nothing, s=14, cmap=colours, vmin=0.0, vmax=1.0, linewidths=0.7)
        self.train_points = ax.scatter(nothing, nothing, edgecolors="white", **point_style)
        self.test_points = ax.scatter(nothing, nothing, edgecolors="black", **point_style)
        self.note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                            color="C3", fontsize="small",
                            bbox=dict(facecolor="white", alpha=0.9, edgecolor="none"))
        ax.set_xlim(-EXTENT, EXTENT)
        ax.set_ylim(-EXTENT, EXTENT)
        # Few ticks: drawing tick labels is most of the time a redraw takes.
        ticks = (-3, 0, 3)
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")

        (self.train_line,) = self.loss_ax.plot([], [], color="C0", label="train loss")
        (self.test_line,) = self.loss_ax.plot([], [], color="C1", label="test loss")
        self.loss_ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        self.loss_ax.yaxis.set_major_locator(MaxNLocator(5))
        self.loss_ax.set_xlabel("epoch")
        self.loss_ax.set_ylabel("cross-entropy")
        # One legend for both panels, outside them: it hides no point and no curve.
        self.loss_ax.legend(handles=[self.train_line, self.test_line,
                                     _point_legend("train points", "white"),
                                     _point_legend("test points", "black")],
                            loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="x-small")
        # Layered as a full draw would: image, points, frame, message; curves, frame.
        self.encode_png = BlitPNG(self.figure, [
            self.heatmap, self.train_points, self.test_points, *self.heat_ax.spines.values(),
            self.note, self.train_line, self.test_line, *self.loss_ax.spines.values()],
            static_key=lambda: (self.loss_ax.get_xlim(), self.loss_ax.get_ylim()))

    def _draw_points(self) -> None:
        for points, X, y in ((self.train_points, self.X_train, self.y_train),
                             (self.test_points, self.X_test, self.y_test)):
            points.set_offsets(X)
            points.set_array(y.astype(np.float64))

    def _draw_losses(self) -> None:
        epochs = np.arange(1, self.epoch + 1)
        self.train_line.set_data(epochs, self.train_losses)
        self.test_line.set_data(epochs, self.test_losses)
        finite = [loss for loss in self.train_losses + self.test_losses if np.isfinite(loss)]
        self.loss_ax.set_xlim(0, _axis_end(self.epoch))
        self.loss_ax.set_ylim(0, 1.1 * max(finite, default=0.75))

    # ---- state changes --------------------------------------------------------------
    def _new_data(self, change: Any = None) -> None:
        """Draw the data set of the data controls, then start a new network on it."""
        c = self.controls
        self.X_train, self.y_train, self.X_test, self.y_test = make_data(
            c["dataset"].value, c["noise"].value, c["train_ratio"].value, self.seed)
        self._draw_points()
        self.reset()

    def reset(self, change: Any = None) -> None:
        """Forget the training so far and build a new network with new random weights."""
        self.epoch, self.train_losses, self.test_losses = 0, [], []
        for i, slider in enumerate(self.controls["units"].children):
            slider.disabled = i >= self.controls["hidden_layers"].value
        self._draw_losses()
        self.features_train = feature_map(self.X_train, self.feature_names)
        self.features_test = feature_map(self.X_test, self.feature_names)
        self.ready = self._build_model()
        if self.ready:
            self._evaluate(record=False)
        render(self.output, self.figure, encode=self.encode_png)

    def _build_model(self) -> bool:
        """Build the engine's network; False (with a message) when it cannot be built."""
        if not self.feature_names:
            self._show_failure("Select at least one input feature.")
            return False
        layer_sizes = [len(self.feature_names), *self.hidden_units, 2]
        try:
            self.engine.build(layer_sizes, self.controls["activation"].value, self.rng)
        except self.engine.reported_errors as error:
            self._report(error, "build")
            return False
        return True

    def step_epoch(self) -> None:
        """Train one epoch with the current learning rate, batch size and L2, and redraw."""
        if not self.ready:
            self._stop_playing()
            return
        c = self.controls
        l2 = c["l2"].value if self.engine.supports_l2 else 0.0
        try:
            self.engine.train_epoch(self.features_train, self.y_train, c["learning_rate"].value,
                                    c["batch_size"].value, l2, self.rng)
        except self.engine.reported_errors as error:
            self._report(error, "train")
        else:
            self.epoch += 1
            self._evaluate(record=True)
        render(self.output, self.figure, encode=self.encode_png)

    def _on_tick(self, change: dict) -> None:
        """Each step forward of the play button trains one epoch (moving back does not)."""
        if change["new"] > change["old"]:
            self.step_epoch()

    def _evaluate(self, record: bool) -> None:
        """Predict on the grid and both data sets; show the map, the losses and the status.

        With ``record``, the losses of this epoch are added to the curves (nan when the
        network failed), so the curves always hold one value per epoch.
        """
        predictions = self._predict()
        losses = (float("nan"), float("nan")) if predictions is None else (
            cross_entropy(self.y_train, predictions[1]), cross_entropy(self.y_test, predictions[2]))
        if record:
            self.train_losses.append(losses[0])
            self.test_losses.append(losses[1])
            self._draw_losses()
        if predictions is None:
            return
        self.message = ""
        self.heatmap.set_data(predictions[0])
        self.note.set_text("")
        # In the HTML status, not in the figure: text is what makes a redraw slow.
        self.status.value = (f"<b>epoch {self.epoch}</b> &nbsp; train loss {losses[0]:.3f}"
                             f" &nbsp; test loss {losses[1]:.3f}")

    def _predict(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Probabilities on the grid, the training and the test points; None (with a
        message) when the network fails or its outputs are not finite."""
        try:
            predictions = (probability_grid(self.engine.probabilities, self.feature_names),
                           self.engine.probabilities(self.features_train),
                           self.engine.probabilities(self.features_test))
        except self.engine.reported_errors as error:
            self._report(error, "train")
            return None
        if not all(np.all(np.isfinite(p)) for p in predictions):
            self._show_failure("Training diverged (the outputs are not finite numbers): "
                               "lower the learning rate, then reset.")
            return None
        return predictions

    def _stop_playing(self) -> None:
        self.controls["play"].playing = False

    def _report(self, error: Exception, stage: str) -> None:
        names, where = self.engine.names(stage), _raised_in(error.__traceback__)
        detail = f" (raised in {where})" if where and where not in names else ""
        if stage == "build" and getattr(self.engine, "make_model_given", False):
            # the factory is the notebook's code: name it so, and the student's piece it ran
            what = (f"Implement what the notebook's {names} builds first" if isinstance(error, NotImplementedError)
                    else f"The notebook's {names} raised {type(error).__name__}: {error}")
            self._show_failure(what + detail)
            return
        self._show_failure(failure_message(error, names) + detail)

    def _show_failure(self, message: str) -> None:
        self.message = message
        self.ready = False
        self._stop_playing()
        self.heatmap.set_data(np.full((GRID_RESOLUTION, GRID_RESOLUTION), np.nan))
        self.note.set_text(textwrap.fill(message, 40))
        self.status.value = f"<b>{html.escape(message)}</b>"


@not_built_while_grading
def playground(make_model: Callable | None = None, loss: Callable | None = None,
               step: Callable | None = None, penalty: Callable | None = None,
               seed: int = 0, activations: Sequence[str] | None = None,
               make_model_given: bool = False) -> Playground:
    """A network learning a 2-D data set live, like the TensorFlow Playground.

    Choose the data (circle, XOR, two Gaussian blobs, spiral, moons), their noise and the
    share of training points; the input features (x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂);
    0 to 4 hidden layers of 1 to 8 units and their activation; the learning rate, batch size
    and L2 strength. *play* trains one epoch per tick (the kernel stays free between ticks),
    *step* trains one epoch, *reset* starts again from new random weights. The heat map is
    the predicted probability of the blue class, under the training points (edged white)
    and the test points (edged black); the right panel shows the training and test
    cross-entropy after each epoch.

    Changing the data or the network starts a new network; a new learning rate, batch size
    or L2 strength applies from the next epoch.

    Parameters
    ----------
    make_model : callable, optional
        ``make_model(layer_sizes, activation, rng) -> Module`` with ``layer_sizes =
        [n_features, *hidden_units, 2]`` and ``activation`` the dropdown's name ("relu",
        "tanh", "sigmoid", "linear"; raise ``ValueError`` for one you do not support). The
        model follows the ``Module`` protocol with ``parameters()``/``gradients()`` like
        chapter 4's ``Sequential``. Without it, scikit-learn's ``MLPClassifier`` trains
        (plain SGD, ``partial_fit``).
    loss : callable
        ``loss(logits, y) -> (value, dlogits)``: ``softmax_cross_entropy``. Required with
        ``make_model``.
    step : callable
        ``step(params, grads, lr)`` in place: ``sgd_step``. Required with ``make_model``.
    penalty : callable, optional
        ``penalty(params, lam) -> (value, grads)``: chapter 7's ``l2_penalty``. Without it
        the L2 control is disabled for your network.
    seed : int
        Seed of the data, the weights and the mini-batches.
    activations : sequence of str, optional
        The activations the menu offers (some keys of ``ACTIVATIONS``, the first one
        selected): only those ``make_model`` can build. Default: all of them.
    make_model_given : bool
        True when ``make_model`` is the notebook's own code rather than the student's: its
        failures are then reported as the notebook's ``make_model``'s, naming the function
        it ran that failed (the student's layer).

    Returns
    -------
    Playground
        Display it with ``show(app)``. While nbgrader grades the notebook: a ``NotBuilt``
        (``show`` would display nothing then).

    Examples
    --------
    >>> show(playground())  # doctest: +SKIP
    >>> show(playground(make_model, loss=softmax_cross_entropy, step=sgd_step))  # doctest: +SKIP
    """
    if make_model is None:
        return Playground(LibraryEngine(), seed=seed)
    if loss is None or step is None:
        raise TypeError("playground(make_model, ...) also needs loss= (softmax_cross_entropy) "
                        "and step= (sgd_step) to train your network")
    engine = StudentEngine(make_model, loss, step, penalty, make_model_given=make_model_given,
                           **({} if activations is None else {"activations": activations}))
    return Playground(engine, seed=seed)
