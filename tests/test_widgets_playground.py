"""utils.widgets.playground: the logic directly, the wiring headlessly (set .value, click)."""
import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import widgets  # noqa: E402
from tests.tiny_nn import TinyLinear, TinyReLU, TinySequential, tiny_cross_entropy, tiny_l2, tiny_sgd  # noqa: E402
from utils.widgets.playground import (  # noqa: E402
    ACTIVATIONS, DATASETS, FEATURES, GRID_RESOLUTION, N_POINTS, cross_entropy, feature_map, library_epoch,
    library_probabilities, make_data, module_epoch, module_probabilities, new_library_model,
    probability_grid)

pytestmark = pytest.mark.filterwarnings("error")  # the library must not warn

API_CONTROLS = {"dataset", "noise", "train_ratio", "features", "hidden_layers", "units",
                "activation", "learning_rate", "batch_size", "l2", "play", "step", "reset"}
SQUARES = ("x₁²", "x₂²")  # the features that make the circle linearly separable


def tiny_make_model(layer_sizes, activation, rng, linear=TinyLinear):
    if activation != "relu":
        raise ValueError(f"tiny_make_model only builds relu networks, not {activation}")
    layers = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        layers += [linear(n_in, n_out, rng), TinyReLU()]
    return TinySequential(*layers[:-1])  # no activation after the output layer


def stub_make_model(layer_sizes, activation, rng):
    raise NotImplementedError()  # what nbgrader leaves in the release


class StubLinear(TinyLinear):
    def forward(self, x):
        raise NotImplementedError()


def student_app(make_model=tiny_make_model, **kwargs):
    return widgets.playground(make_model, loss=tiny_cross_entropy, step=tiny_sgd, **kwargs)


def circle_squares():
    X_train, y_train, X_test, y_test = make_data("circle", 0.1, 0.5, seed=0)
    return feature_map(X_train, SQUARES), y_train, feature_map(X_test, SQUARES), y_test


# ---- the logic --------------------------------------------------------------------------
def test_feature_map_columns_in_the_order_asked():
    X = np.array([[1.0, 2.0], [0.5, -3.0], [0.0, 0.0]])
    x1, x2 = X[:, 0], X[:, 1]
    expected = {"x₁": x1, "x₂": x2, "x₁²": x1 ** 2, "x₂²": x2 ** 2, "x₁x₂": x1 * x2,
                "sin x₁": np.sin(x1), "sin x₂": np.sin(x2)}
    assert list(FEATURES) == list(expected)
    np.testing.assert_allclose(feature_map(X, list(expected)),
                               np.column_stack(list(expected.values())))
    np.testing.assert_allclose(feature_map(X, ["sin x₂", "x₁"]),
                               np.column_stack([np.sin(x2), x1]))
    assert feature_map(X, []).shape == (3, 0)


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_make_data_shapes_labels_and_split(dataset):
    X_train, y_train, X_test, y_test = make_data(dataset, 0.2, 0.3, seed=1)
    assert X_train.shape == (120, 2) and X_test.shape == (N_POINTS - 120, 2)
    assert y_train.shape == (120,) and y_test.shape == (N_POINTS - 120,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    for y in (y_train, y_test):
        assert set(np.unique(y)) == {0, 1}
    assert abs(np.mean(np.concatenate([y_train, y_test])) - 0.5) < 0.1  # two balanced classes
    assert np.all(np.abs(np.vstack([X_train, X_test])) < 6.0)
    again = make_data(dataset, 0.2, 0.3, seed=1)
    for a, b in zip(again, (X_train, y_train, X_test, y_test)):
        np.testing.assert_array_equal(a, b)
    # A larger ratio keeps the same points and adds some to the training set.
    X_more = make_data(dataset, 0.2, 0.6, seed=1)[0]
    np.testing.assert_array_equal(X_more[:120], X_train)
    assert not np.array_equal(make_data(dataset, 0.2, 0.3, seed=2)[0], X_train)


def test_make_data_noise_and_split_extremes():
    X_clean, y_clean, *_ = make_data("circle", 0.0, 0.5, seed=0)
    radius = np.linalg.norm(X_clean, axis=1)
    np.testing.assert_allclose(radius[y_clean == 0], 2.0)  # outer circle, scaled by 2
    np.testing.assert_allclose(radius[y_clean == 1], 1.0)
    X_noisy, *_ = make_data("circle", 0.3, 0.5, seed=0)
    assert not np.allclose(np.linalg.norm(X_noisy, axis=1)[y_clean == 0], 2.0)
    assert len(make_data("xor", 0.0, 0.0, seed=0)[0]) == 1  # at least one training point
    assert len(make_data("xor", 0.0, 1.0, seed=0)[2]) == 1  # and one test point


def test_probability_grid_orientation_for_imshow():
    def sigmoid_of_first_feature(features):
        return 1.0 / (1.0 + np.exp(-features[:, 0]))

    along_x1 = probability_grid(sigmoid_of_first_feature, ["x₁"], extent=3.0, resolution=7)
    assert along_x1.shape == (7, 7)
    assert np.all(np.diff(along_x1, axis=1) > 0) and np.allclose(np.diff(along_x1, axis=0), 0)
    along_x2 = probability_grid(sigmoid_of_first_feature, ["x₂"], extent=3.0, resolution=7)
    assert np.all(np.diff(along_x2, axis=0) > 0)  # row i is x2 = axis[i] (origin="lower")
    assert along_x2[0, 0] == pytest.approx(1.0 / (1.0 + np.exp(3.0)))


def test_cross_entropy_of_probabilities():
    y = np.array([0, 1, 1])
    p1 = np.array([0.2, 0.9, 0.5])
    expected = -np.mean(np.log([0.8, 0.9, 0.5]))
    assert cross_entropy(y, p1) == pytest.approx(expected)


def test_library_engine_learns_the_circle_from_squares():
    X_train, y_train, X_test, y_test = circle_squares()
    model = new_library_model([4], "relu", seed=0)
    losses = []
    for _ in range(20):
        library_epoch(model, X_train, y_train, lr=0.03, batch_size=10, l2=0.0)
        losses.append(cross_entropy(y_train, library_probabilities(model, X_train)))
    assert losses[-1] < 0.5 * losses[0]
    assert np.mean(np.diff(losses) < 0) > 0.8  # falls nearly every epoch
    accuracy = np.mean((library_probabilities(model, X_test) > 0.5) == y_test)
    assert accuracy > 0.9


def test_library_engine_applies_a_new_learning_rate_and_l2():
    X_train, y_train, *_ = circle_squares()
    model = new_library_model([4], "tanh", seed=0)
    library_epoch(model, X_train, y_train, lr=0.1, batch_size=10, l2=0.0)

    def change_of_weights(lr, l2=0.0):
        before = [w.copy() for w in model.coefs_]
        library_epoch(model, X_train, y_train, lr=lr, batch_size=10, l2=l2)
        return max(np.max(np.abs(w - b)) for w, b in zip(model.coefs_, before))

    assert change_of_weights(0.1) > 1e-2
    assert change_of_weights(1e-5) < 1e-4  # the optimizer did not keep the old rate
    norm = sum(np.sum(w ** 2) for w in model.coefs_)
    for _ in range(5):
        change_of_weights(0.1, l2=1.0)
    assert sum(np.sum(w ** 2) for w in model.coefs_) < 0.5 * norm  # L2 shrinks the weights


def test_student_engine_learns_the_circle_from_squares():
    X_train, y_train, X_test, y_test = circle_squares()
    rng = np.random.default_rng(0)
    model = tiny_make_model([2, 4, 2], "relu", rng)
    losses = []
    for _ in range(20):
        module_epoch(model, X_train, y_train, tiny_cross_entropy, tiny_sgd, 0.03, 10, rng)
        losses.append(cross_entropy(y_train, module_probabilities(model, X_train)))
    assert losses[-1] < 0.5 * losses[0]
    assert np.mean((module_probabilities(model, X_test) > 0.5) == y_test) > 0.9


def test_module_epoch_mini_batches_and_penalty():
    X = np.random.default_rng(0).normal(size=(25, 3))
    y = np.arange(25) % 2
    model = tiny_make_model([3, 2], "relu", np.random.default_rng(0))
    batches, penalties = [], []

    def counting_loss(logits, y_batch):
        batches.append(len(y_batch))
        return tiny_cross_entropy(logits, y_batch)

    def recording_l2(params, lam):
        penalties.append(lam)
        return tiny_l2(params, lam)

    module_epoch(model, X, y, counting_loss, tiny_sgd, 0.1, 10, np.random.default_rng(1),
                 penalty=recording_l2, l2=0.3)
    assert batches == [10, 10, 5] and penalties == [0.3, 0.3, 0.3]
    module_epoch(model, X, y, counting_loss, tiny_sgd, 0.1, 25, np.random.default_rng(1),
                 penalty=recording_l2, l2=0.0)
    assert penalties == [0.3, 0.3, 0.3]  # no penalty gradient at strength 0


def test_logits_of_the_wrong_shape_are_refused():
    model = tiny_make_model([2, 1], "relu", np.random.default_rng(0))  # one output, not two
    with pytest.raises(ValueError, match=r"expected \(4, 2\)"):
        module_probabilities(model, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"expected \(3, 2\)"):
        module_epoch(model, np.zeros((3, 2)), np.array([0, 1, 0]), tiny_cross_entropy, tiny_sgd,
                     0.1, 5, np.random.default_rng(0))


# ---- the wiring -------------------------------------------------------------------------
def test_default_playground_trains_on_ticks_and_steps():
    app = widgets.playground()
    assert set(app.controls) == API_CONTROLS
    assert isinstance(app.controls["play"], ipywidgets.Play)
    hidden, units = app.controls["hidden_layers"], app.controls["units"].children
    assert (hidden.min, hidden.max, len(units)) == (0, 4, 4)
    assert all((slider.min, slider.max) == (1, 8) for slider in units)
    assert set(app.controls["dataset"].options) == {"circle", "xor", "gaussian", "spiral", "moons"}
    assert app.controls["features"].options == tuple(FEATURES)
    assert app.epoch == 0 and app.train_losses == [] and app.message == ""
    assert not app.controls["l2"].disabled
    app.controls["features"].value = SQUARES
    app.controls["hidden_layers"].value = 1

    initial_map = app.heatmap.get_array().copy()
    app.controls["play"].value += 1  # one tick of the play button
    assert app.epoch == 1
    app.controls["step"].click()
    assert app.epoch == 2 and len(app.train_losses) == len(app.test_losses) == 2
    assert not np.allclose(app.heatmap.get_array(), initial_map)
    for _ in range(18):
        app.controls["play"].value += 1
    assert app.epoch == 20 and len(app.train_losses) == 20
    assert app.train_losses[-1] < 0.5 * app.train_losses[0]
    assert app.test_losses[-1] < 0.5 * app.test_losses[0]
    np.testing.assert_allclose(app.train_line.get_ydata(), app.train_losses)
    np.testing.assert_array_equal(app.test_line.get_xdata(), np.arange(1, 21))
    assert "epoch 20" in app.status.value and f"{app.test_losses[-1]:.3f}" in app.status.value
    # What is drawn is the model's own predictions, and its loss on each data set.
    np.testing.assert_allclose(app.heatmap.get_array(),
                               probability_grid(app.engine.probabilities, SQUARES))
    assert app.train_losses[-1] == pytest.approx(cross_entropy(
        app.y_train, library_probabilities(app.engine.model, feature_map(app.X_train, SQUARES))))
    assert app.test_losses[-1] == pytest.approx(cross_entropy(
        app.y_test, library_probabilities(app.engine.model, feature_map(app.X_test, SQUARES))))

    app.controls["play"].value = 0  # moving the play value back does not train
    assert app.epoch == 20
    app.controls["reset"].click()
    assert app.epoch == 0 and app.train_losses == [] and app.test_losses == []
    assert len(app.train_line.get_xdata()) == 0 and len(app.test_line.get_ydata()) == 0


def test_data_and_architecture_controls_reset_training_controls_do_not():
    app = widgets.playground()
    app.controls["step"].click()
    points = app.train_points.get_offsets().copy()
    app.controls["dataset"].value = "spiral"
    assert app.epoch == 0
    assert not np.allclose(app.train_points.get_offsets(), points)
    np.testing.assert_array_equal(app.train_points.get_array(), app.y_train)

    for name, value in [("noise", 0.3), ("train_ratio", 0.8), ("features", ("x₁", "sin x₂")),
                        ("hidden_layers", 3), ("activation", "tanh")]:
        app.controls["step"].click()
        app.controls[name].value = value
        assert app.epoch == 0, name
    assert len(app.train_points.get_offsets()) == 320  # 80 % of the 400 points
    app.controls["step"].click()
    app.controls["units"].children[2].value = 7
    assert app.epoch == 0 and app.hidden_units == [4, 4, 7]
    assert app.engine.model.hidden_layer_sizes == (4, 4, 7)
    assert [s.disabled for s in app.controls["units"].children] == [False, False, False, True]

    for name, value in [("learning_rate", 0.3), ("batch_size", 5), ("l2", 0.01)]:
        app.controls["step"].click()
        app.controls[name].value = value
    assert app.epoch == 3  # applied from the next epoch, without starting again
    app.controls["step"].click()
    assert app.engine.model.learning_rate_init == 0.3 and app.engine.model.batch_size == 5
    assert app.engine.model.alpha == pytest.approx(0.01 * 5)


def test_zero_hidden_layers():
    app = widgets.playground()
    app.controls["hidden_layers"].value = 0
    app.controls["step"].click()
    assert app.epoch == 1 and app.engine.model.hidden_layer_sizes == ()
    assert all(s.disabled for s in app.controls["units"].children)


def test_student_playground_learns_with_its_own_network():
    calls = []

    def recording_make_model(layer_sizes, activation, rng):
        calls.append((layer_sizes, activation))
        return tiny_make_model(layer_sizes, activation, rng)

    app = student_app(recording_make_model)
    assert calls == [([2, 4, 4, 2], "relu")] and app.message == ""
    app.controls["features"].value = SQUARES + ("x₁x₂",)
    app.controls["hidden_layers"].value = 1
    app.controls["units"].children[0].value = 3
    assert calls[-1] == ([3, 3, 2], "relu")
    app.controls["hidden_layers"].value = 0
    assert calls[-1] == ([3, 2], "relu")
    app.controls["hidden_layers"].value = 1
    for _ in range(20):
        app.controls["play"].value += 1
    assert app.epoch == 20 and app.message == ""
    assert app.train_losses[-1] < 0.5 * app.train_losses[0]


def test_student_stub_says_what_to_implement():
    app = student_app(stub_make_model)
    assert "implement stub_make_model first" in app.message.lower()
    assert "stub_make_model" in app.status.value and "stub_make_model" in app.note.get_text()
    assert np.all(np.isnan(np.ma.getdata(app.heatmap.get_array())))  # a blank map
    app.controls["step"].click()  # neither a step nor a tick raises
    app.controls["play"].value += 1
    assert app.epoch == 0 and app.train_losses == []


def test_student_layer_stub_names_the_layer():
    def make_with_stub_layers(layer_sizes, activation, rng):
        return tiny_make_model(layer_sizes, activation, rng, linear=StubLinear)

    app = student_app(make_with_stub_layers)
    assert app.message.startswith("Implement your network's forward/backward")
    assert "StubLinear.forward" in app.message


def test_student_value_error_is_shown_and_recovers():
    app = student_app()
    app.controls["activation"].value = "sigmoid"
    assert "ValueError" in app.message and "not sigmoid" in app.message
    app.controls["step"].click()
    assert app.epoch == 0
    app.controls["activation"].value = "relu"
    assert app.message == "" and app.note.get_text() == ""
    app.controls["step"].click()
    assert app.epoch == 1


def test_l2_control_follows_the_penalty():
    app = student_app()
    assert app.controls["l2"].disabled and "penalty" in app.l2_note.value
    app.controls["step"].click()
    assert app.epoch == 1  # training works without L2

    penalties = []

    def recording_l2(params, lam):
        penalties.append(lam)
        return tiny_l2(params, lam)

    app = student_app(penalty=recording_l2)
    assert not app.controls["l2"].disabled and app.l2_note.value == ""
    app.controls["l2"].value = 0.1
    app.controls["step"].click()
    assert penalties and set(penalties) == {0.1}


def test_divergence_is_reported_and_stops_playing():
    def exploding_loss(logits, y):
        value, dlogits = tiny_cross_entropy(logits, y)
        return value, dlogits * np.inf

    app = widgets.playground(tiny_make_model, loss=exploding_loss, step=tiny_sgd)
    app.controls["play"].playing = True
    app.controls["play"].value += 1
    assert "diverged" in app.message and "learning rate" in app.status.value
    assert app.controls["play"].playing is False
    assert app.epoch == 1 and len(app.train_losses) == 1 and np.isnan(app.train_losses[0])
    app.controls["play"].value += 1  # nothing more to train until a reset
    assert app.epoch == 1


def test_no_feature_selected():
    app = widgets.playground()
    app.controls["features"].value = ()
    assert "at least one input feature" in app.message
    app.controls["step"].click()
    assert app.epoch == 0
    app.controls["features"].value = ("x₂",)
    assert app.message == ""


def test_student_engine_needs_loss_and_step():
    with pytest.raises(TypeError, match="loss="):
        widgets.playground(tiny_make_model)


def test_each_epoch_renders_the_figure_into_the_output(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())  # pretend to be in a kernel
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    monkeypatch.setattr(ipywidgets.Output, "clear_output",
                        lambda self, *a, **k: shown.append("clear"))
    app = widgets.playground()
    app.controls["step"].click()
    assert shown[0::2] == ["clear", "clear"]
    first, second = shown[1::2]
    assert isinstance(first, IPython.display.Image) and first.data.startswith(b"\x89PNG")
    assert first.data != second.data
    assert app.heatmap.get_array().shape == (GRID_RESOLUTION, GRID_RESOLUTION)


def test_blitted_frames_are_the_full_drawing():
    import io

    from PIL import Image

    def pixels(data):
        return np.asarray(Image.open(io.BytesIO(data)))

    def train(epochs):
        for _ in range(epochs):
            app.step_epoch()

    app = widgets.playground()
    changes = {"start": lambda: None, "epoch 3": lambda: train(3),
               "epoch 11": lambda: train(8),  # the loss plot's axis grows: a new background
               "new data": lambda: setattr(app.controls["dataset"], "value", "xor"),
               "a message": lambda: setattr(app.controls["features"], "value", ())}
    for name, change in changes.items():
        change()
        np.testing.assert_array_equal(pixels(app.encode_png(app.figure)),
                                      pixels(widgets._common.png(app.figure)), err_msg=name)
        if name == "epoch 11":
            assert app.loss_ax.get_xlim() == (0, 20)
    assert app.loss_ax.get_xlim() == (0, 10) and "at least one" in app.note.get_text()
    assert not any(artist.get_animated() for artist in app.encode_png.artists)


def test_the_menu_offers_only_the_activations_make_model_builds():
    app = student_app(activations=["relu"])
    assert list(app.controls["activation"].options) == ["relu"] and app.message == ""
    assert list(widgets.playground().controls["activation"].options) == list(ACTIVATIONS)
    with pytest.raises(ValueError, match="activations must be some of"):
        student_app(activations=["swish"])


def test_a_given_make_model_is_reported_as_the_notebooks_not_the_students():
    class StubInit(TinyLinear):
        def __init__(self, *args):
            raise NotImplementedError()  # the student's layer, still a stub

    def make_with_stub_init(layer_sizes, activation, rng):
        return tiny_make_model(layer_sizes, activation, rng, linear=StubInit)

    def broken_make_model(layer_sizes, activation, rng):
        raise ValueError("no such layer")

    stub = student_app(make_with_stub_init, make_model_given=True)
    assert stub.message.startswith("Implement what the notebook's make_with_stub_init builds first")
    assert "StubInit.__init__" in stub.message
    broken = student_app(broken_make_model, make_model_given=True)
    assert broken.message.startswith("The notebook's broken_make_model raised ValueError: no such layer")
    assert "Your code" not in stub.message + broken.message
    assert student_app(broken_make_model).message.startswith("Your code (broken_make_model) raised")
