"""Chapter 7: one network trained with the student's dropout and L2 penalty, and the student's
early stopping replayed on its validation curve, under controls for ``p``, ``lam`` and the
patience.

A training run takes a fraction of a second, too long for a slider's callback: runs are
started by a *Train* button and kept per ``(p, lam)``, so moving ``p`` or ``lam`` back to a
setting already trained shows it at once. The patience only moves the markers of the best
epoch and of the stopping epoch (the student's ``EarlyStopping`` replays the recorded
validation losses), which is instant; those frames are drawn by blitting (``BlitPNG``): only
the markers, the title and what lies on top of them are redrawn.
"""
from __future__ import annotations

import html
from typing import Any, Callable, NamedTuple

import ipywidgets as widgets
import numpy as np

from ._common import failure_message, new_figure, not_built_while_grading, render
from .playground import BlitPNG

__all__ = ["LAMBDAS", "Run", "train_run", "stopping_point", "RegularizationExplorer",
           "regularization_explorer"]

LAMBDAS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)


class Run(NamedTuple):
    """The curves of one training run, one entry per epoch (all measured in eval mode)."""

    train_loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray


def _with_penalty(params: dict, grads: dict, penalty: Callable, lam: float) -> dict:
    """``grads`` plus the gradient of ``penalty(params, lam)``, key by key."""
    _, penalty_grads = penalty(params, lam)
    return {key: grads[key] + penalty_grads[key] for key in grads}


def _loss_and_accuracy(model, X: np.ndarray, y: np.ndarray, loss: Callable) -> tuple[float, float]:
    """The model's mean loss and accuracy on ``(X, y)`` in evaluation mode."""
    model.eval()
    logits = np.asarray(model.forward(X), dtype=np.float64)
    return float(loss(logits, y)[0]), float(np.mean(logits.argmax(axis=1) == y))


def train_run(X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray, y_val: np.ndarray,
              make_model: Callable, dropout: Callable, loss: Callable, step: Callable,
              p: float, lam: float, penalty: Callable | None = None, epochs: int = 60,
              lr: float = 0.1, batch_size: int = 32, seed: int = 0) -> Run:
    """Train ``make_model(dropout(p, rng), rng)`` by mini-batch SGD and record its curves.

    The initial weights and the order of the mini-batches depend on ``seed`` only, and the
    masks come from a generator of their own, so runs with different ``p`` or ``lam`` start
    from the same network and see the same batches.

    Parameters
    ----------
    X_train, y_train : ndarray, shapes (n, d) and (n,)
        Training samples and integer labels.
    X_val, y_val : ndarray, shapes (m, d) and (m,)
        Validation samples and labels.
    make_model : callable
        ``make_model(dropout_layer, rng)`` -> a ``Module``-protocol network (``parameters()``,
        ``gradients()``, ``train()``, ``eval()``) with ``dropout_layer`` inside, mapping
        ``(batch, d)`` to ``(batch, K)`` logits.
    dropout : callable
        ``dropout(p, rng)`` -> a layer: the student's ``Dropout`` class.
    loss : callable
        ``loss(logits, y) -> (value, dlogits)``: ``softmax_cross_entropy``.
    step : callable
        ``step(params, grads, lr)``, in place: ``sgd_step``.
    p : float
        Drop probability.
    lam : float
        L2 strength; ``penalty`` is called only when ``lam > 0``.
    penalty : callable, optional
        ``penalty(params, lam) -> (value, grads)``: the student's ``l2_penalty``.
    epochs, lr, batch_size, seed
        The training schedule.

    Returns
    -------
    Run
        Training loss, validation loss and validation accuracy after every epoch.
    """
    init_rng, mask_rng, order_rng = (np.random.default_rng([seed, k]) for k in range(3))
    model = make_model(dropout(p, mask_rng), init_rng)
    params = model.parameters()
    curves: list[tuple[float, float, float]] = []
    for _ in range(epochs):
        model.train()
        order = order_rng.permutation(len(y_train))
        for start in range(0, len(y_train), batch_size):
            batch = order[start:start + batch_size]
            _, dlogits = loss(model.forward(X_train[batch]), y_train[batch])
            model.backward(dlogits)
            grads = model.gradients()
            if penalty is not None and lam > 0:
                grads = _with_penalty(params, grads, penalty, lam)
            step(params, grads, lr)
        train_loss, _ = _loss_and_accuracy(model, X_train, y_train, loss)
        curves.append((train_loss, *_loss_and_accuracy(model, X_val, y_val, loss)))
    return Run(*(np.array(values) for values in zip(*curves)))


def stopping_point(val_losses: np.ndarray, early_stopping: Callable,
                   patience: int) -> tuple[int, int | None]:
    """Replay a validation curve through ``early_stopping(patience=patience)``.

    Parameters
    ----------
    val_losses : ndarray, shape (epochs,)
        The validation loss after each epoch.
    early_stopping : callable
        The student's ``EarlyStopping`` class: ``step(val_loss, params) -> bool`` and
        ``best_epoch``.
    patience : int

    Returns
    -------
    best_epoch : int
        The stopper's ``best_epoch`` when it stopped (or after the last epoch).
    stop_epoch : int or None
        The epoch whose ``step`` returned True, or None when it never did.
    """
    stopper = early_stopping(patience=patience)
    for epoch, val_loss in enumerate(np.asarray(val_losses, dtype=np.float64)):
        # The curve is all there is to replay: the "parameters" are the epoch's number.
        if stopper.step(float(val_loss), {"epoch": np.array([float(epoch)])}):
            return int(stopper.best_epoch), epoch
    return int(stopper.best_epoch), None


def _lambda_label(lam: float) -> str:
    return "0" if lam == 0 else f"{lam:g}"


class RegularizationExplorer:
    """Controls for dropout's ``p``, L2's ``lam`` and early stopping's patience.

    Build it with ``regularization_explorer``. Attributes: ``controls`` (``"p"``, ``"lam"``,
    ``"patience"``, ``"train"``), ``figure``, ``ax_loss`` and ``ax_accuracy``, ``lines``
    (``"train loss"``, ``"validation loss"``, ``"validation accuracy"``), ``markers``
    (``"best"``, ``"stop"``: vertical lines on the loss axes; ``"best point"``: the restored
    accuracy), ``runs`` (``(p, lam)`` -> ``Run``), ``run`` (the one shown, or None),
    ``best_epoch``, ``stop_epoch``, ``status``, ``message``, ``output`` and ``view``.
    """

    def __init__(self, X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray,
                 y_val: np.ndarray, make_model: Callable, dropout: Callable, penalty: Callable,
                 early_stopping: Callable, loss: Callable, step: Callable, epochs: int = 60,
                 lr: float = 0.1, batch_size: int = 32, p: float = 0.5, lam: float = 0.0,
                 patience: int = 10, seed: int = 0) -> None:
        self.data = (np.asarray(X_train, dtype=np.float64), np.asarray(y_train),
                     np.asarray(X_val, dtype=np.float64), np.asarray(y_val))
        self.functions = {"make_model": make_model, "dropout": dropout, "penalty": penalty,
                          "loss": loss, "step": step}
        self.early_stopping = early_stopping
        self.schedule = {"epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed}
        self.runs: dict[tuple[float, float], Run] = {}
        self.run: Run | None = None
        self.best_epoch: int | None = None
        self.stop_epoch: int | None = None
        self.message = ""

        self.controls = {
            "p": widgets.FloatSlider(value=p, min=0.0, max=0.9, step=0.05, description="p (drop)",
                                     continuous_update=False),
            "lam": widgets.SelectionSlider(options=[(_lambda_label(v), v) for v in LAMBDAS], value=lam,
                                           description="λ (L2)", continuous_update=False),
            "patience": widgets.IntSlider(value=patience, min=1, max=30, description="patience"),
            "train": widgets.Button(description="Train", button_style="primary",
                                    tooltip="train the network for these p and λ"),
        }
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self._build_figure()
        self.controls["p"].observe(self.show_setting, names="value")
        self.controls["lam"].observe(self.show_setting, names="value")
        self.controls["patience"].observe(self.update_markers, names="value")
        self.controls["train"].on_click(self.train)
        self.view = widgets.VBox([widgets.HBox(list(self.controls.values())), self.status, self.output])
        self.train()

    @property
    def setting(self) -> tuple[float, float]:
        """The current ``(p, lam)``."""
        return float(self.controls["p"].value), float(self.controls["lam"].value)

    def _build_figure(self) -> None:
        self.figure, self.ax_loss = new_figure(figsize=(10.0, 3.8))
        grid = self.figure.add_gridspec(1, 2)
        self.ax_loss.set_subplotspec(grid[0])
        self.ax_accuracy = self.figure.add_subplot(grid[1])
        self.lines = {
            "train loss": self.ax_loss.plot([], [], color="C0", label="training loss")[0],
            "validation loss": self.ax_loss.plot([], [], color="C1", label="validation loss")[0],
            "validation accuracy": self.ax_accuracy.plot([], [], color="C1", label="validation accuracy")[0],
        }
        self.markers = {
            "best": self.ax_loss.axvline(np.nan, color="k", ls="--", lw=1, label="best epoch"),
            "stop": self.ax_loss.axvline(np.nan, color="C3", lw=1.2, label="early stopping stops"),
            "best point": self.ax_accuracy.plot([np.nan], [np.nan], "k*", ms=10,
                                                label="best weights, restored")[0],
        }
        self.ax_loss.set_xlabel("epoch")
        self.ax_loss.set_ylabel("cross-entropy")
        self.ax_accuracy.set_xlabel("epoch")
        self.ax_accuracy.set_ylabel("validation accuracy")
        self.ax_loss.legend(loc="upper right", fontsize="small")
        self.ax_accuracy.legend(loc="lower right", fontsize="small")
        self.note = self.ax_loss.text(0.5, 0.5, "", transform=self.ax_loss.transAxes, ha="center",
                                      va="center", wrap=True, color="C3")
        # Fixed margins, not tight_layout: a layout engine makes every PNG draw the figure twice.
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.22)
        # What a patience move changes, listed as a full draw layers it: each Axes' markers, then
        # its spines, texts and legend, which a full draw puts on top of them.
        on_top = lambda ax: [*ax.spines.values(), *ax.texts, ax.title, ax.get_legend()]  # noqa: E731
        self.encode_png = BlitPNG(
            self.figure,
            [self.markers["best"], self.markers["stop"], *on_top(self.ax_loss),
             self.markers["best point"], *on_top(self.ax_accuracy)],
            static_key=lambda: (id(self.run), self.note.get_text()))

    # ---------------------------------------------------------------- callbacks

    def train(self, button: Any = None) -> None:
        """Train for the current ``(p, lam)`` (the Train button), keep the run and show it."""
        p, lam = self.setting
        names = "Dropout" + (", l2_penalty" if lam > 0 else "")
        try:
            with np.errstate(all="ignore"):  # a diverging run is shown as such, not warned about
                run = train_run(*self.data, p=p, lam=lam, **self.functions, **self.schedule)
        except Exception as error:  # noqa: BLE001 - the student's code: report, do not crash
            self._show_failure(failure_message(error, names))
        else:
            self.runs[(p, lam)] = run
            self._show_run(run)
        render(self.output, self.figure, self.encode_png)

    def show_setting(self, change: Any = None) -> None:
        """Show the run kept for the current ``(p, lam)``, or ask for training (``p``/``lam`` moved)."""
        run = self.runs.get(self.setting)
        if run is None:
            p, lam = self.setting
            self._show_failure(f"Press Train to train with p = {p:g}, λ = {_lambda_label(lam)}.")
        else:
            self._show_run(run)
        render(self.output, self.figure, self.encode_png)

    def update_markers(self, change: Any = None) -> None:
        """Replay early stopping with the current patience and move the markers (patience moved)."""
        if self.run is not None:
            self._place_markers()
        render(self.output, self.figure, self.encode_png)

    # ---------------------------------------------------------------- drawing

    def _show_run(self, run: Run) -> None:
        self.run, self.message = run, ""
        self.note.set_text("")
        epochs = np.arange(len(run.val_loss))
        self.lines["train loss"].set_data(epochs, run.train_loss)
        self.lines["validation loss"].set_data(epochs, run.val_loss)
        self.lines["validation accuracy"].set_data(epochs, run.val_accuracy)
        losses = np.concatenate([run.train_loss, run.val_loss])
        finite = losses[np.isfinite(losses)]
        top = float(finite.max()) if finite.size else 1.0
        self.ax_loss.set_xlim(0, max(len(epochs) - 1, 1))
        self.ax_loss.set_ylim(0.0, 1.05 * top if top > 0 else 1.0)
        self.ax_accuracy.set_xlim(0, max(len(epochs) - 1, 1))
        self.ax_accuracy.set_ylim(0.0, 1.0)
        self._place_markers()

    def _place_markers(self) -> None:
        run, patience = self.run, self.controls["patience"].value
        try:
            best, stop = stopping_point(run.val_loss, self.early_stopping, patience)
        except Exception as error:  # noqa: BLE001 - the student's EarlyStopping
            self.best_epoch = self.stop_epoch = None
            self.message = failure_message(error, "EarlyStopping")
            self._move_markers(None, None)
            self._write_status(self.message)
            return
        self.best_epoch, self.stop_epoch = best, stop
        self.message = ""
        valid = 0 <= best < len(run.val_loss)
        self._move_markers(best if valid else None, stop)
        self._write_status(self._summary(run, best if valid else None, stop, patience))

    def _move_markers(self, best: int | None, stop: int | None) -> None:
        best_x = np.nan if best is None else best
        self.markers["best"].set_xdata([best_x, best_x])
        stop_x = np.nan if stop is None else stop
        self.markers["stop"].set_xdata([stop_x, stop_x])
        accuracy = np.nan if best is None else self.run.val_accuracy[best]
        self.markers["best point"].set_data([best_x], [accuracy])

    def _summary(self, run: Run, best: int | None, stop: int | None, patience: int) -> str:
        p, lam = self.setting
        head = f"p = {p:g}, λ = {_lambda_label(lam)}"
        epochs = len(run.val_loss)
        if best is None:
            return f"{head}: EarlyStopping gave best_epoch = {self.best_epoch}, outside the run"
        best_text = (f"{head}: best epoch {best} (validation loss {run.val_loss[best]:.3f}, "
                     f"accuracy {run.val_accuracy[best]:.1%})")
        if stop is None:
            return f"{best_text}; patience {patience}: never stops within {epochs} epochs"
        return f"{best_text}; patience {patience}: stops at epoch {stop}, after {stop + 1} of {epochs} epochs"

    def _write_status(self, text: str) -> None:
        self.ax_loss.set_title(text if len(text) < 90 else text[:87] + "…", fontsize="small")
        self.status.value = html.escape(text)

    def _show_failure(self, message: str) -> None:
        self.run, self.message = None, message
        self.best_epoch = self.stop_epoch = None
        for line in self.lines.values():
            line.set_data([], [])
        self._move_markers(None, None)
        self.note.set_text(message)
        self.ax_loss.set_title("")
        self.status.value = f"<b>{html.escape(message)}</b>"


@not_built_while_grading
def regularization_explorer(X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray,
                            y_val: np.ndarray, make_model: Callable, dropout: Callable,
                            penalty: Callable, early_stopping: Callable, loss: Callable,
                            step: Callable, epochs: int = 60, lr: float = 0.1,
                            batch_size: int = 32, p: float = 0.5, lam: float = 0.0,
                            patience: int = 10, seed: int = 0) -> RegularizationExplorer:
    """Explore dropout, L2 and early stopping on one network, with the student's own code.

    A *Train* button trains ``make_model(dropout(p, rng), rng)`` for ``epochs`` epochs of
    mini-batch SGD (with ``penalty``'s gradient added when ``lam > 0``) and draws the training
    and validation losses and the validation accuracy. ``early_stopping`` replays the
    validation curve for the chosen patience: a dashed line marks its best epoch, a red line
    the epoch at which it stops, a star the validation accuracy of the restored weights.
    Runs are kept per ``(p, lam)``; the patience slider only moves the markers.

    Parameters
    ----------
    X_train, y_train, X_val, y_val : ndarray
        Training and validation data (integer labels).
    make_model : callable
        ``make_model(dropout_layer, rng)`` -> a ``Sequential`` holding ``dropout_layer``.
    dropout : callable
        ``Dropout(p, rng)``.
    penalty : callable
        ``l2_penalty(params, lam) -> (value, grads)``.
    early_stopping : callable
        ``EarlyStopping(patience=...)`` with ``step(val_loss, params)`` and ``best_epoch``.
    loss, step : callable
        ``softmax_cross_entropy`` and ``sgd_step`` (chapter 4).
    epochs, lr, batch_size, seed : the training schedule.
    p, lam, patience : initial control values (``lam`` one of ``LAMBDAS``).

    Returns
    -------
    RegularizationExplorer
        Display it with ``show(app)``. While nbgrader grades the notebook: a ``NotBuilt``
        (``show`` would display nothing then).

    Examples
    --------
    >>> app = regularization_explorer(X_tr, y_tr, X_val, y_val, make_model=wide_mlp,  # doctest: +SKIP
    ...                               dropout=Dropout, penalty=l2_penalty, early_stopping=EarlyStopping,
    ...                               loss=softmax_cross_entropy, step=sgd_step)
    >>> show(app)  # doctest: +SKIP
    """
    return RegularizationExplorer(X_train, y_train, X_val, y_val, make_model, dropout, penalty,
                                  early_stopping, loss, step, epochs=epochs, lr=lr,
                                  batch_size=batch_size, p=p, lam=lam, patience=patience, seed=seed)
