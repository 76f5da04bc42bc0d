"""utils.widgets.regularization: the logic directly, the wiring headlessly (set .value, click)."""
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests.tiny_nn import (TinyLinear, TinyReLU, TinySequential, tiny_cross_entropy, tiny_l2,  # noqa: E402
                           tiny_sgd)
from utils import datasets, widgets  # noqa: E402
from utils.nn import Module  # noqa: E402
from utils.widgets import regularization  # noqa: E402
from utils.widgets.regularization import LAMBDAS, Run, stopping_point, train_run  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")  # the library must not warn

EPOCHS = 25


# A small correct dropout layer and early-stopping rule, written here (the library receives the
# student's and must not contain them).
class TinyDropout(Module):
    def __init__(self, p, rng):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p, self.rng, self.modes_seen = p, rng, []

    def forward(self, x):
        self.modes_seen.append(self.training)
        if not self.training:
            return x
        self.scale = (self.rng.random(x.shape) >= self.p) / (1 - self.p)
        return x * self.scale

    def backward(self, grad_out):
        return grad_out * self.scale if self.training else grad_out


class TinyEarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.best_params = np.inf, -1, None
        self.calls, self.without = 0, 0

    def step(self, val_loss, params):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.without = val_loss, self.calls, 0
            self.best_params = {k: v.copy() for k, v in params.items()}
        else:
            self.without += 1
        self.calls += 1
        return self.without >= self.patience


class RecordingBuilder:
    """make_model(dropout_layer, rng): a 2-16-3 ReLU network; records every network it builds."""

    def __init__(self, hidden=16, n_in=2, n_out=3):
        self.hidden, self.n_in, self.n_out = hidden, n_in, n_out
        self.built = []

    def __call__(self, dropout_layer, rng):
        model = TinySequential(TinyLinear(self.n_in, self.hidden, rng), TinyReLU(), dropout_layer,
                               TinyLinear(self.hidden, self.n_out, rng))
        self.built.append((dropout_layer, {k: v.copy() for k, v in model.parameters().items()}))
        return model


def stub(*args, **kwargs):
    raise NotImplementedError()  # what nbgrader leaves in the release


class StubDropout(Module):
    def __init__(self, p, rng):
        super().__init__()
        raise NotImplementedError()


class StubEarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        raise NotImplementedError()


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X, y = datasets.blobs(150, rng, centers=3)
    return X[:90], y[:90], X[90:], y[90:]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def run_with(data, builder=None, p=0.0, lam=0.0, penalty=tiny_l2, seed=0, epochs=EPOCHS, lr=0.2):
    return train_run(*data, make_model=builder or RecordingBuilder(), dropout=TinyDropout,
                     loss=tiny_cross_entropy, step=tiny_sgd, p=p, lam=lam, penalty=penalty,
                     epochs=epochs, lr=lr, batch_size=16, seed=seed)


def explorer(data, **kwargs):
    arguments = dict(make_model=RecordingBuilder(), dropout=TinyDropout, penalty=tiny_l2,
                     early_stopping=TinyEarlyStopping, loss=tiny_cross_entropy, step=tiny_sgd,
                     epochs=EPOCHS, lr=0.2, batch_size=16)
    return widgets.regularization_explorer(*data, **(arguments | kwargs))


# ---------------------------------------------------------------- logic

def test_train_run_records_one_value_per_epoch_and_learns(data):
    run = run_with(data)
    assert isinstance(run, Run)
    for curve in run:
        assert curve.shape == (EPOCHS,) and np.all(np.isfinite(curve))
    assert run.train_loss[-1] < run.train_loss[0]
    assert run.val_accuracy[-1] > 0.8          # three well-separated blobs
    # The validation curves are those of the data passed as validation.
    swapped = run_with((data[2], data[3], data[0], data[1]))
    assert not np.allclose(swapped.val_loss, run.val_loss)


def test_train_run_is_reproducible_and_starts_every_setting_from_the_same_network(data):
    builder = RecordingBuilder()
    first = run_with(data, builder, p=0.3, lam=0.01)
    again = run_with(data, builder, p=0.3, lam=0.01)
    other = run_with(data, builder, p=0.6, lam=0.1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first.val_loss, other.val_loss)
    initial = [weights for _, weights in builder.built]
    for key in initial[0]:
        np.testing.assert_array_equal(initial[0][key], initial[2][key])
    assert [layer.p for layer, _ in builder.built] == [0.3, 0.3, 0.6]
    different_seed = run_with(data, RecordingBuilder(), p=0.3, lam=0.01, seed=1)
    assert not np.allclose(different_seed.train_loss, first.train_loss)


def test_train_run_trains_in_training_mode_and_evaluates_in_eval_mode(data):
    builder = RecordingBuilder()
    run_with(data, builder, p=0.5, epochs=3)
    modes = builder.built[0][0].modes_seen
    batches = int(np.ceil(90 / 16))
    # Per epoch: the mini-batches in training mode, then training and validation sets in eval mode.
    assert modes == ([True] * batches + [False, False]) * 3


def test_train_run_calls_the_penalty_only_when_lam_is_positive(data):
    calls = []

    def recording_l2(params, lam):
        calls.append((sorted(params), lam))
        return tiny_l2(params, lam)

    run_with(data, penalty=recording_l2, lam=0.0, epochs=2)
    assert calls == []
    run_with(data, penalty=recording_l2, lam=0.1, epochs=2)
    assert len(calls) == 2 * int(np.ceil(90 / 16))
    assert calls[0] == (["0.W", "0.b", "3.W", "3.b"], 0.1)


def test_a_strong_penalty_keeps_the_training_loss_up(data):
    free, penalised = run_with(data, lam=0.0), run_with(data, lam=1.0)
    assert penalised.train_loss[-1] > free.train_loss[-1] + 0.05


@pytest.mark.parametrize("patience", [1, 2, 3, 10])
def test_stopping_point_replays_the_curve(patience):
    losses = np.array([5.0, 4.0, 3.0, 3.5, 2.9, 3.1, 3.2, 3.3, 3.4, 3.5])
    best, stop = stopping_point(losses, TinyEarlyStopping, patience)
    reference = TinyEarlyStopping(patience)
    expected_stop = next((epoch for epoch, loss in enumerate(losses) if reference.step(loss, {})), None)
    assert stop == expected_stop
    assert best == reference.best_epoch
    if patience == 1:
        assert (best, stop) == (2, 3)
    if patience == 10:
        assert (best, stop) == (4, None)


def test_stopping_point_passes_the_patience_and_some_parameters():
    seen = {}

    class Recording(TinyEarlyStopping):
        def __init__(self, patience=5, min_delta=0.0):
            super().__init__(patience, min_delta)
            seen["patience"] = patience

        def step(self, val_loss, params):
            seen.setdefault("params", params)
            seen.setdefault("types", set()).add(type(val_loss))
            return super().step(val_loss, params)

    stopping_point(np.array([1.0, 2.0]), Recording, 7)
    assert seen["patience"] == 7 and seen["types"] == {float}
    assert all(isinstance(v, np.ndarray) for v in seen["params"].values())


# ---------------------------------------------------------------- wiring

def test_explorer_shows_the_initial_run_and_its_markers(data):
    app = explorer(data, p=0.2, lam=0.01, patience=3)
    assert set(app.controls) == {"p", "lam", "patience", "train"}
    assert list(app.controls["lam"].options) == [(regularization._lambda_label(v), v) for v in LAMBDAS]
    assert app.message == "" and list(app.runs) == [(0.2, 0.01)]
    expected = run_with(data, p=0.2, lam=0.01)
    for name, curve in [("train loss", expected.train_loss), ("validation loss", expected.val_loss),
                        ("validation accuracy", expected.val_accuracy)]:
        np.testing.assert_allclose(app.lines[name].get_ydata(), curve)
    best, stop = stopping_point(expected.val_loss, TinyEarlyStopping, 3)
    assert (app.best_epoch, app.stop_epoch) == (best, stop)
    assert app.markers["best"].get_xdata()[0] == best
    stop_x = app.markers["stop"].get_xdata()[0]
    assert stop_x == stop if stop is not None else np.isnan(stop_x)
    np.testing.assert_allclose(app.markers["best point"].get_ydata(), [expected.val_accuracy[best]])
    assert f"best epoch {best}" in app.status.value and "p = 0.2" in app.status.value


def test_patience_moves_only_the_markers(data):
    builder = RecordingBuilder()
    app = explorer(data, make_model=builder, patience=1)
    lines_before = app.lines["validation loss"].get_ydata().copy()
    stops = {}
    for patience in (1, 2, 5, 30):
        app.controls["patience"].value = patience
        stops[patience] = app.stop_epoch
        expected = stopping_point(app.run.val_loss, TinyEarlyStopping, patience)
        assert (app.best_epoch, app.stop_epoch) == expected
        assert f"patience {patience}" in app.status.value
    assert len(builder.built) == 1                      # no retraining
    np.testing.assert_array_equal(app.lines["validation loss"].get_ydata(), lines_before)
    assert stops[30] is None and "never stops" in app.status.value
    assert stops[1] is not None and stops[1] < EPOCHS


def test_p_and_lam_show_kept_runs_or_ask_for_training(data):
    builder = RecordingBuilder()
    app = explorer(data, make_model=builder, p=0.0, lam=0.0)
    first = app.run
    app.controls["p"].value = 0.5
    assert app.run is None and "Press Train" in app.message and "p = 0.5" in app.message
    assert len(app.lines["train loss"].get_xdata()) == 0
    assert np.isnan(app.markers["best"].get_xdata()[0])
    app.controls["train"].click()
    assert len(builder.built) == 2 and set(app.runs) == {(0.0, 0.0), (0.5, 0.0)}
    assert app.message == "" and len(app.lines["train loss"].get_xdata()) == EPOCHS
    app.controls["lam"].value = 0.1
    app.controls["train"].click()
    assert builder.built[-1][0].p == 0.5 and (0.5, 0.1) in app.runs
    app.controls["p"].value = 0.0
    app.controls["lam"].value = 0.0                     # back to the first setting: kept, not retrained
    assert app.run is first and len(builder.built) == 3
    np.testing.assert_array_equal(app.lines["validation loss"].get_ydata(), first.val_loss)


def test_explorer_with_stubs_says_what_to_implement(data):
    app = explorer(data, dropout=StubDropout)
    assert "implement dropout first" in app.message.lower() and "Dropout" in app.note.get_text()
    assert app.run is None and len(app.lines["validation loss"].get_xdata()) == 0
    app.controls["patience"].value = 4                   # moving a control does not raise
    app.controls["lam"].value = 0.01
    app.controls["train"].click()
    assert "Dropout, l2_penalty" in app.message

    app = explorer(data, penalty=stub, lam=0.01)
    assert "l2_penalty" in app.message and "first" in app.message

    app = explorer(data, early_stopping=StubEarlyStopping)
    assert "implement earlystopping first" in app.message.lower()
    assert len(app.lines["validation loss"].get_xdata()) == EPOCHS   # the curves are drawn all the same
    assert np.isnan(app.markers["best"].get_xdata()[0]) and app.best_epoch is None


def test_explorer_reports_other_errors_and_recovers(data):
    broken = {"on": True}

    def flaky_step(params, grads, lr):
        if broken["on"]:
            raise ValueError("operands could not be broadcast")
        tiny_sgd(params, grads, lr)

    app = explorer(data, step=flaky_step)
    assert "ValueError" in app.message and "broadcast" in app.message
    broken["on"] = False
    app.controls["train"].click()
    assert app.message == "" and app.run is not None and app.note.get_text() == ""


def test_explorer_reports_a_best_epoch_outside_the_run(data):
    class Confused(TinyEarlyStopping):
        def step(self, val_loss, params):
            stop = super().step(val_loss, params)
            self.best_epoch = 10_000
            return stop

    app = explorer(data, early_stopping=Confused)
    assert "outside the run" in app.status.value
    assert np.isnan(app.markers["best"].get_xdata()[0])


def test_figure_is_not_managed_by_pyplot(data):
    app = explorer(data)
    assert app.figure not in [plt.figure(n) for n in plt.get_fignums()]
    assert widgets._common.png(app.figure).startswith(b"\x89PNG")


def test_callbacks_are_well_under_100_ms_and_training_is_measured(data, capsys):
    """The notebook's setting: 200 digits-sized samples, 256 hidden units, 60 epochs. Moving the
    patience or going back to a kept (p, lam) updates the artists; the PNG frame that follows in
    a notebook (blitted for a patience move, a full ``_common.png`` draw for a new run) is
    measured separately, as in the other apps' tests: on this shared machine its time follows
    the load of the other jobs."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # as the notebook does: its matrices are too small for two threads
        times = measure_explorer_callbacks()
    train_seconds, patience_times, switch_times, blit_times, png_times = times
    with capsys.disabled():
        print(f"\nregularization_explorer: train {1e3 * train_seconds:.0f} ms, patience callback "
              f"{1e3 * min(patience_times):.1f} ms + blitted PNG {1e3 * min(blit_times):.0f} ms, "
              f"kept-run switch {1e3 * min(switch_times):.1f} ms + full PNG {1e3 * min(png_times):.0f} ms "
              "(best of several)")
    assert min(patience_times) < 0.1 and min(switch_times) < 0.1, (patience_times, switch_times)
    assert train_seconds < 10.0


def measure_explorer_callbacks():
    """Seconds: one training run, then several patience moves, kept-run switches and PNG draws."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(560, 64)), rng.integers(0, 10, size=560)
    notebook_data = (X[:200], y[:200], X[200:], y[200:])
    start = time.perf_counter()
    app = widgets.regularization_explorer(*notebook_data, make_model=RecordingBuilder(256, 64, 10),
                                          dropout=TinyDropout, penalty=tiny_l2,
                                          early_stopping=TinyEarlyStopping, loss=tiny_cross_entropy,
                                          step=tiny_sgd, epochs=60, lr=0.1, p=0.5, lam=0.01)
    train_seconds = time.perf_counter() - start
    app.controls["p"].value = 0.0
    app.controls["train"].click()
    patience_times, switch_times, blit_times, png_times = [], [], [], []
    for patience in (3, 12, 4, 25, 6):
        start = time.perf_counter()
        app.controls["patience"].value = patience
        patience_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        app.encode_png(app.figure)
        blit_times.append(time.perf_counter() - start)
    for p in (0.5, 0.0, 0.5, 0.0):
        start = time.perf_counter()
        app.controls["p"].value = p
        switch_times.append(time.perf_counter() - start)
    for _ in range(3):
        start = time.perf_counter()
        widgets._common.png(app.figure)
        png_times.append(time.perf_counter() - start)
    return train_seconds, patience_times, switch_times, blit_times, png_times


def test_blitted_frames_are_the_full_drawing(data):
    import io

    from PIL import Image

    def pixels(png):
        return np.asarray(Image.open(io.BytesIO(png)))

    app = explorer(data, patience=2)
    changes = {"start": lambda: None,
               "patience 5": lambda: setattr(app.controls["patience"], "value", 5),
               "never stops": lambda: setattr(app.controls["patience"], "value", 30),
               "untrained setting": lambda: setattr(app.controls["p"], "value", 0.5),
               "trained": lambda: app.controls["train"].click(),
               "patience 1": lambda: setattr(app.controls["patience"], "value", 1),
               "kept run": lambda: setattr(app.controls["p"], "value", 0.5 if app.setting[0] == 0 else 0.0)}
    for name, change in changes.items():
        change()
        np.testing.assert_array_equal(pixels(app.encode_png(app.figure)),
                                      pixels(widgets._common.png(app.figure)), err_msg=name)
    assert not any(artist.get_animated() for artist in app.encode_png.artists)
