"""The report's pieces that need no grading: failure messages of the real check helpers parsed
into kinds, the unfair-test signature, and the review reasons merged per student."""
import numpy as np
import pytest

from course.failures import Failure, failure_of_error, kinds, mask_numbers, parse_check_message, suspects
from course.review_list import split_reason, student_reasons
from utils import checks


def message(check, *args, **kwargs) -> str:
    """The message a check helper raises (it must fail)."""
    with pytest.raises(checks.CheckFailed) as raised:
        check(*args, **kwargs)
    return str(raised.value)


@pytest.mark.parametrize("check, args, problem", [
    (checks.check_close, ("mse of n=3", 2.0, 1.0), "wrong value"),
    (checks.check_close, ("path", np.ones(3), np.zeros(3)), "wrong value"),
    (checks.check_close, ("theta", np.ones(2), np.ones(3)), "wrong shape"),
    (checks.check_shape, ("Phi", np.ones((3, 2)), (3, 3)), "wrong shape"),
    (checks.check_shape, ("Phi", [1, 2], (2,)), "not a NumPy array"),
    (checks.check_dtype, ("Y", np.ones(2, dtype=int)), "wrong dtype"),
    (checks.check_type, ("loss", np.float32(1), float), "wrong type"),
    (checks.check_equal, ("labels", np.array([1, 2]), np.array([1, 3])), "wrong value"),
    (checks.check_equal, ("best_epoch", 3, 4), "wrong value"),
    (checks.check_true, ("losses", False, "the loss to fall at every step"), "expected the loss to fall at every step"),
    (checks.check_finite, ("softmax of 1e3", np.array([np.nan])), "not finite (nan or inf)"),
    (checks.check_raises, ("irls on 3 samples", lambda: None), "did not raise ValueError"),
    (checks.check_raises, ("fit", lambda: 1 / 0), "raised ZeroDivisionError instead of ValueError"),
    (checks.check_close, ("loss", "a string", 1.0), "not numbers"),
])
def test_every_check_helpers_message_is_parsed(check, args, problem):
    text = message(check, *args, hint="the hint")
    failure = parse_check_message(text)
    assert (failure.checked, failure.problem, failure.hint, failure.message) == (args[0], problem, "the hint", text)


def test_same_check_same_hint_is_one_kind_whatever_the_numbers():
    ben = failure_of_error("CheckFailed", message(checks.check_close, "mse of shape (50,)", 49.1, 0.98, hint="mean"))
    cleo = failure_of_error("CheckFailed", message(checks.check_close, "mse of shape (17,)", 7.5, 0.98, hint="mean"))
    other_hint = failure_of_error("CheckFailed", message(checks.check_close, "mse of shape (50,)", 1.0, 0.98, hint="x"))
    shape = failure_of_error("CheckFailed", message(checks.check_close, "mse of shape (50,)", np.ones(2), 0.98,
                                                    hint="mean"))
    assert ben.key == cleo.key and ben.message != cleo.message
    assert len({ben.key, other_hint.key, shape.key}) == 3  # another hint, another way of failing
    found = kinds([("ben", ben), ("dev", other_hint), ("cleo", cleo), ("eve", shape)])
    assert [(k.count, k.students) for k in found] == [(2, ["ben", "cleo"]), (1, ["dev"]), (1, ["eve"])]
    assert found[0].checked == "mse of shape (#,)"  # two variants: the numbers are masked
    assert found[1].checked == "mse of shape (50,)"


def test_errors_that_are_not_checks():
    assert failure_of_error("NotImplementedError", "").problem == "not implemented (the answer cell is still blank)"
    broadcast = failure_of_error("ValueError", "operands could not be broadcast together with shapes (50,) (3,)")
    assert broadcast.key == ("ValueError", "operands could not be broadcast together with shapes (#,) (#,)", "")
    assert failure_of_error("AssertionError", "plain assert").problem == "plain assert"
    assert failure_of_error("CellTimeoutError", "cell timed out").problem == "stopped at the per-cell time limit"


def test_mask_numbers_masks_numbers_not_names():
    assert mask_numbers("shape (50, 3), lr=1e-3, x=-2.5") == "shape (#, #), lr=#, x=#"
    assert mask_numbers("float64 x1 ch01 log2") == "float64 x1 ch01 log2"


def test_unfair_signature_both_ways():
    passed = {
        "ada": {"t1": True, "t2": True, "t3": False},   # fails only t3
        "dev": {"t1": True, "t2": True, "t3": False},   # fails only t3
        "ben": {"t1": False, "t2": False, "t3": False},  # fails everything: no evidence
        "eve": {"t1": True, "t2": True, "t3": True},
    }
    [suspect] = suspects(passed)
    assert (suspect.test, suspect.students, suspect.peers) == ("t3", ["ada", "dev"], 3)
    # A hard test whose failures come with other failures is not flagged.
    passed["ada"]["t1"] = passed["dev"]["t2"] = False
    assert suspects(passed) == []


def test_reasons_are_split_from_their_cells():
    assert split_reason("answer cell 'mse' line 3: opens a file") == ("opens a file", "mse", 3)
    assert split_reason("cell gradient_descent raised SyntaxError: invalid syntax (17.py, line 29)") == (
        "raised SyntaxError: invalid syntax (17.py, line 29)", "gradient_descent", None)
    assert split_reason("cell #59 raised NameError: name 'f' is not defined")[1] == "#59"
    assert split_reason("cell design_matrix was stopped at the per-cell time limit") == (
        "was stopped at the per-cell time limit", "design_matrix", None)
    assert split_reason("test cell test_mse_visible wrote to stderr (nbgrader scores it zero)")[:2] == (
        "wrote to stderr (nbgrader scores it zero)", "test_mse_visible")
    assert split_reason("cell 'test_mse_visible' appears 2 times (graded once)")[:2] == (
        "appears 2 times (graded once)", "test_mse_visible")
    assert split_reason("the kernel died") == ("the kernel died", "", None)


def test_a_students_reasons_are_merged_across_lines_cells_and_chapters():
    merged = student_reasons([
        ("ch01", ["answer cell 'f' line 8: replaces a module's contents (sys.modules)",
                  "answer cell 'f' line 9: replaces a module's contents (sys.modules)",
                  "cell g raised SyntaxError: invalid syntax (174.py, line 29)"]),
        ("ch02", ["answer cell 'h' line 2: replaces a module's contents (sys.modules)",
                  "cell k raised SyntaxError: invalid syntax (991.py, line 3)"]),
    ])
    assert [r.text for r in merged] == ["replaces a module's contents (sys.modules)",
                                        "raised SyntaxError: invalid syntax (174.py, line 29)"]
    assert merged[0].chapters == ["ch01", "ch02"]
    assert merged[0].cells("ch01") == ["f (lines 8, 9)"] and merged[0].cells("ch02") == ["h (line 2)"]
    assert merged[1].cells("ch02") == ["k"]


def test_a_failure_key_ignores_the_message():
    assert Failure("a", "b", "c", "one").key == Failure("a", "b", "c", "two").key


def test_a_report_without_grading_json_says_so(tmp_path):
    from course.report import render
    from course.results import Results, Submission, Test

    tests = [Test("test_f_visible", "f", False, 1.0), Test("test_f_hidden", "f", True, 2.0)]
    results = Results({"ch01_x": tests}, {
        ("ada", "ch01_x"): Submission("ada", "ch01_x", {"test_f_visible": (1.0, 1.0), "test_f_hidden": (2.0, 2.0)}),
        ("eve", "ch01_x"): Submission("eve", "ch01_x", {"test_f_visible": (0.0, 1.0), "test_f_hidden": (0.0, 2.0)},
                                      {"test_f_visible": Failure("NotImplementedError", "not implemented")}),
    })
    page = render(results, tmp_path)
    assert "No reports/grading.json" in page and "grading (s)" in page
    results.outcomes = True
    assert "No submission needs a human look." in render(results, tmp_path)
