"""utils.datasets: reproducible, correctly shaped and typed data; standardisation."""
import numpy as np
import pytest

from utils import datasets

pytestmark = pytest.mark.filterwarnings("error")  # the library must not warn

CLASSIFICATION = {
    "xor": (lambda n, rng: datasets.xor(n, rng, noise=0.2), 2),
    "moons": (lambda n, rng: datasets.moons(n, rng, noise=0.1), 2),
    "circles": (lambda n, rng: datasets.circles(n, rng, noise=0.05, factor=0.5), 2),
    "spirals": (lambda n, rng: datasets.spirals(n, rng, noise=0.05, n_classes=3), 3),
    "blobs": (lambda n, rng: datasets.blobs(n, rng, centers=4, std=0.5), 4),
}


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_sets_shapes_dtypes_labels(name):
    make, n_classes = CLASSIFICATION[name]
    X, y = make(101, np.random.default_rng(0))
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == set(range(n_classes))
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_sets_reproducible_for_a_seed(name):
    make, _ = CLASSIFICATION[name]
    X1, y1 = make(50, np.random.default_rng(7))
    X2, y2 = make(50, 7)  # an int seed means default_rng(seed)
    X3, _ = make(50, np.random.default_rng(8))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_global_random_state_untouched():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    datasets.moons(20, 0)
    datasets.noisy_curve(20, 0)
    assert np.random.random() == expected


def test_none_is_not_a_seed():
    with pytest.raises(TypeError, match="Generator"):
        datasets.moons(10, None)


def test_balanced_classes_and_shuffled_order():
    _, y = datasets.spirals(300, 0, n_classes=3)
    np.testing.assert_array_equal(np.bincount(y), [100, 100, 100])
    assert not np.all(np.diff(y) >= 0)  # classes interleaved, not in blocks


def test_xor_labels_follow_the_quadrant():
    X, y = datasets.xor(400, 0, noise=0.05)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_circles_radii():
    X, y = datasets.circles(200, 0, noise=0.0, factor=0.3)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_blobs_with_given_centers():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    X, y = datasets.blobs(400, 0, centers=centers, std=0.1)
    assert X.shape == (400, 3)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), centers[1], atol=0.05)


def test_noisy_curve():
    x, y = datasets.noisy_curve(500, np.random.default_rng(0), noise=0.0)
    assert x.shape == y.shape == (500,) and x.dtype == y.dtype == np.float64
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_allclose(y, np.sin(2 * np.pi * x))
    x2, y2 = datasets.noisy_curve(500, 0, noise=0.1)
    assert np.std(y2 - np.sin(2 * np.pi * x2)) == pytest.approx(0.1, rel=0.15)
    _, y3 = datasets.noisy_curve(5, 0, noise=0.0, func=lambda t: 2 * t)
    x3, _ = datasets.noisy_curve(5, 0, noise=0.0)
    np.testing.assert_allclose(y3, 2 * x3)


def test_standardize_uses_training_statistics():
    rng = np.random.default_rng(0)
    X_train = rng.normal(3.0, 2.0, size=(200, 4))
    X_train[:, 3] = 5.0  # a constant column: centred, not divided by 0
    X_test = rng.normal(3.0, 2.0, size=(50, 4))
    Z_train, Z_test = datasets.standardize(X_train, X_test)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0)[:3], 1.0)
    np.testing.assert_array_equal(Z_train[:, 3], 0.0)
    expected = (X_test - X_train.mean(axis=0)) / np.where(X_train.std(axis=0) > 0, X_train.std(axis=0), 1)
    np.testing.assert_allclose(Z_test, expected)
    assert Z_train is not X_train and X_train[0, 3] == 5.0  # copies, inputs unchanged
    single = datasets.standardize(X_train)
    np.testing.assert_array_equal(single, Z_train)


@pytest.mark.parametrize("loader, d, labels", [
    (datasets.load_breast_cancer_split, 30, {0, 1}),
    (datasets.load_digits_split, 64, set(range(10))),
])
def test_bundled_loaders(loader, d, labels):
    X_tr, y_tr, X_te, y_te = loader(0, test_fraction=0.25)
    n = len(y_tr) + len(y_te)
    assert X_tr.shape == (len(y_tr), d) and X_te.shape == (len(y_te), d)
    assert len(y_te) == pytest.approx(0.25 * n, abs=1)
    assert X_tr.dtype == X_te.dtype == np.float64
    assert y_tr.dtype == np.int64 and set(np.unique(y_tr)) == labels
    np.testing.assert_allclose(X_tr.mean(axis=0), 0.0, atol=1e-10)
    assert np.all(np.isfinite(X_te))
    again = loader(np.random.default_rng(0))
    np.testing.assert_array_equal(again[0], X_tr)
    other = loader(1)
    assert not np.array_equal(other[1], y_tr)


def test_digits_subset_of_classes():
    _, y_tr, _, y_te = datasets.load_digits_split(0, n_classes=3)
    assert set(np.unique(np.concatenate([y_tr, y_te]))) == {0, 1, 2}
