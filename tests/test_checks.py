"""utils.checks: each check passes on right input and fails with an actionable message."""
import numpy as np
import pytest

from utils import checks
from utils.checks import (CheckFailed, check_close, check_dtype, check_equal, check_finite,
                          check_raises, check_shape, check_true, check_type, check_unchanged)

pytestmark = pytest.mark.filterwarnings("error")

HINT = "read the docstring again"


def failure(check, *args, **kwargs):
    """The message of the CheckFailed that ``check`` raises, with the hint passed in."""
    with pytest.raises(CheckFailed) as info:
        check(*args, hint=HINT, **kwargs)
    message = str(info.value)
    assert message.startswith(args[0] + ":")  # the check's name comes first
    assert f"Hint: {HINT}" in message
    return message


def test_check_failed_is_an_assertion_error():
    assert issubclass(CheckFailed, AssertionError)


def test_check_type():
    check_type("f(x)", 1.5, float)
    check_type("f(x)", 3, (int, float))
    message = failure(check_type, "f(x)", "3", (int, float))
    assert "expected a int or float" in message and "got str '3'" in message


def test_check_shape():
    check_shape("Phi", np.zeros((3, 2)), (3, 2))
    message = failure(check_shape, "Phi", np.zeros((2, 3)), (3, 2))
    assert "expected (3, 2)" in message and "returned shape (2, 3)" in message
    message = failure(check_shape, "Phi", [[0.0, 0.0]], (1, 2))
    assert "NumPy array" in message and "got list" in message


def test_check_dtype():
    check_dtype("w", np.zeros(2))
    check_dtype("labels", np.zeros(2, dtype=np.int64), "int64")
    message = failure(check_dtype, "w", np.zeros(2, dtype=np.float32))
    assert "expected float64" in message and "returned dtype float32" in message
    assert "NumPy array" in failure(check_dtype, "w", 1.0)


def test_check_close_passes_within_tolerance():
    check_close("mse", 0.1 + 0.2, 0.3)
    check_close("theta", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))
    check_close("loose", 1.05, 1.0, rtol=0.1)
    check_close("same nan", np.nan, np.nan)


def test_check_close_same_infinity_passes_silently():
    check_close("same inf", np.array([np.inf, 1.0]), np.array([np.inf, 1.0]))


def test_check_close_failure_message():
    message = failure(check_close, "ols_fit(Phi, y)", np.array([1.0, 2.5, 3.0]), np.array([1.0, 2.0, 3.0]))
    assert "expected array of shape (3,)" in message and "[1. 2. 3.]" in message
    assert "got array of shape (3,)" in message and "2.5" in message
    assert "1 of 3 entries differ" in message


def test_check_close_rejects_nan_inf_and_wrong_shapes():
    assert "nan" in failure(check_close, "loss", np.nan, 1.0)
    failure(check_close, "loss", np.array([1.0, np.inf]), np.array([1.0, 2.0]))
    failure(check_close, "loss", -np.inf, np.inf)
    assert "expected (3,)" in failure(check_close, "grad", np.zeros((3, 1)), np.zeros(3))
    failure(check_close, "grad", np.zeros(1), 0.0)  # no broadcasting either
    assert "expected numbers" in failure(check_close, "w", "abc", 1.0)


def test_check_close_survives_replaced_numpy_functions(monkeypatch):
    """A student cell doing `np.allclose = lambda *a, **k: True` must not make checks pass."""
    always_true = lambda *a, **k: True  # noqa: E731
    for name in ["allclose", "isclose", "array_equal", "all", "any"]:
        monkeypatch.setattr(np, name, always_true)
    monkeypatch.setattr(np, "abs", lambda x, *a, **k: 0 * x)
    with pytest.raises(CheckFailed):
        check_close("w", np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    with pytest.raises(CheckFailed):
        check_close("loss", np.nan, 1.0)
    check_close("w", np.array([1.0, 2.0]), np.array([1.0, 2.0]))


def test_replaced_isfinite_still_cannot_make_a_check_pass(monkeypatch):
    # NumPy's own array printing breaks without np.isfinite, so the message cannot be
    # built; what matters is that the wrong value still fails.
    monkeypatch.setattr(np, "isfinite", lambda x, *a, **k: True)
    for check, args in [(check_close, ("loss", np.nan, 1.0)), (check_finite, ("p", np.array([np.inf])))]:
        with pytest.raises((CheckFailed, TypeError)):
            check(*args)


def test_check_equal():
    check_equal("labels", np.array([0, 1, 2]), np.array([0, 1, 2]))
    check_equal("count", 3, 3)
    check_equal("count", 3, 3.0)
    message = failure(check_equal, "labels", np.array([0, 2, 2]), np.array([0, 1, 2]))
    assert "expected array of shape (3,)" in message and "got array" in message
    assert "returned shape (2,)" in failure(check_equal, "labels", np.array([0, 1]), np.array([0, 1, 2]))
    assert "expected int 3, got str '3'" in failure(check_equal, "count", "3", 3)
    assert "expected int 3, got int 4" in failure(check_equal, "count", 4, 3)


def test_check_true():
    check_true("stops", True, "True")
    check_true("stops", np.bool_(True), "True")
    message = failure(check_true, "EarlyStopping.step", False, "stopping after 5 calls without improvement")
    assert "expected stopping after 5 calls without improvement" in message
    failure(check_true, "truthy is not True", 1, "exactly True")


def test_check_finite():
    check_finite("sigmoid(z)", np.array([0.0, 1.0]))
    message = failure(check_finite, "sigmoid(z)", np.array([0.5, np.nan]))
    assert "expected finite values" in message and "nan" in message


def test_check_raises():
    def bad():
        raise ValueError("p must be < 1")

    def wrong():
        raise TypeError("oops")

    check_raises("Dropout(1.0)", bad, ValueError)
    assert "nothing was raised" in failure(check_raises, "Dropout(1.0)", lambda: None, ValueError)
    message = failure(check_raises, "Dropout(1.0)", wrong, ValueError)
    assert "expected ValueError" in message and "TypeError was raised: oops" in message


def test_check_unchanged():
    X = np.arange(4.0)
    check_unchanged("X after f(X)", X.copy(), X)
    with pytest.raises(CheckFailed, match="must not modify its inputs"):
        check_unchanged("X after f(X)", X.copy(), X + 1)


def test_describe_is_short_for_big_arrays():
    text = checks.describe(np.arange(1000.0))
    assert "shape (1000,)" in text and "float64" in text and len(text) < 200
    assert checks.describe(list(range(50))) == "list of length 50"


def test_a_failing_check_shows_the_test_line_and_message_only_in_a_real_kernel():
    """In a notebook (IPython kernel, as in the lab, under Validate and when grading, whose
    tracebacks feedback shows), a failed check's traceback holds the test cell's line and the
    message, and no frame of utils/checks.py; an ordinary error keeps its whole traceback."""
    import re

    import nbformat
    from course.execution import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in [
        "import numpy as np\nfrom utils.checks import check_close, check_unchanged",
        "got = np.ones(3)\ncheck_close('design_matrix(X)', got, np.zeros(3), hint='a column of ones first')",
        "check_unchanged('X after f(X)', np.zeros(2), np.ones(2))",
        "def inner():\n    raise ValueError('plain error')\ninner()",
    ]]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    tracebacks = []
    for cell in nb.cells[1:]:
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        tracebacks.append(re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback)))  # no colours
    close, unchanged, plain = tracebacks
    assert "check_close('design_matrix(X)', got, np.zeros(3)" in close
    assert "CheckFailed: design_matrix(X): expected array of shape (3,)" in close
    assert "Hint: a column of ones first" in close
    assert "check_unchanged('X after f(X)'" in unchanged and "must not modify its inputs" in unchanged
    for text in (close, unchanged):
        assert "utils/checks.py" not in text and "_fail" not in text and "skipping hidden" not in text, text
    assert "inner()" in plain and "raise ValueError('plain error')" in plain  # other errors untouched


def test_pytest_hides_the_helpers_frames_too():
    """Outside IPython the helpers mark their frames for pytest, and the rendering falls back
    to the standard library's."""
    try:
        check_close("f(x)", 1.0, 2.0)
    except CheckFailed as failure_:
        frames = [line for line in failure_._render_traceback_() if "File " in line]
    assert frames and all("utils/checks.py" not in line for line in frames), frames
