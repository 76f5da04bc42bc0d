"""Cheating does not pay: every attempt of tests/fixtures/cheating.py, graded by real
`nbgrader autograde`, scores no more than the honest code in it, and the static review flags it
(all but those that build every name from strings, `UNFLAGGED`).
Also unit tests of the guard (utils.integrity) and of the review (course.review)."""
import dis
import json
import os
import types
from pathlib import Path
from textwrap import dedent

import nbformat
import numpy as np
import pytest

from course.cohort import submissions
from course.grading import grade_notebooks
from course.notebooks import find_chapters
from course.review import scan_code, suspicious
from tests.catalogue import load
from tests.conftest import ROOT, per_chapter
from tests.fixtures.cheating import (ANSWER, ATTEMPTS, CHAPTER, HIDDEN_TEST_LINE, HOSTILE, UNFLAGGED,
                                     WRITTEN_BY_THE_GRADER, honest_notebook)
from tests.warm_workers import warm_workers
from utils import integrity

OWN_TESTS = [f"test_{ANSWER}_visible", f"test_{ANSWER}_hidden"]
ALL_ATTEMPTS = ATTEMPTS + UNFLAGGED + HOSTILE


@pytest.fixture(scope="module")
def source():
    return nbformat.read(ROOT / "source" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def graded(source, tmp_path_factory):
    """The honest student, the solution and every attempt, graded as one cohort."""
    chapter = find_chapters(ROOT, [CHAPTER])[0]
    Path(WRITTEN_BY_THE_GRADER).unlink(missing_ok=True)
    submissions = {"honest": honest_notebook(source), "solution": chapter.source}
    submissions |= {f"attempt{i:02d}": attempt.notebook(source) for i, attempt in enumerate(ALL_ATTEMPTS)}
    results, _ = grade_notebooks(ROOT, chapter, submissions, tmp_path_factory.mktemp("cheating"),
                                 executor=warm_workers())
    return results


def test_the_honest_code_loses_points_and_the_solution_keeps_them(graded):
    honest, solution = graded["honest"], graded["solution"]
    assert honest.error == "" and solution.error == ""
    assert honest.points(OWN_TESTS)[0] == 0 < honest.points(OWN_TESTS)[1]
    assert solution.score == solution.max_score > honest.score


@pytest.mark.parametrize("index", range(len(ALL_ATTEMPTS)), ids=[a.name for a in ALL_ATTEMPTS])
def test_no_attempt_raises_the_score(graded, index):
    attempt, honest = graded[f"attempt{index:02d}"], graded["honest"]
    assert attempt.error == "" and attempt.max_score == honest.max_score
    assert attempt.score <= honest.score, {g: s for g, s in attempt.scores.items() if s != honest.scores[g]}
    assert attempt.points(OWN_TESTS)[0] == 0


def test_no_attempt_shows_the_hidden_tests_or_has_the_grader_write_a_file(graded):
    """What the kernel sends back never makes the grader read or write a file: no graded
    notebook's output holds a line of the hidden tests, and no attempt's file was written; nor
    does it grow a graded notebook past a few megabytes (output and error messages are cut)."""
    for name, result in graded.items():
        outputs = [o for c in nbformat.reads(result.graded.notebook.decode(), as_version=4).cells
                   for o in c.get("outputs", [])]
        assert HIDDEN_TEST_LINE not in json.dumps(outputs), name
        assert len(result.graded.notebook) < 4 * 2**20, name
    assert not Path(WRITTEN_BY_THE_GRADER).exists()


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.name for a in ATTEMPTS])
def test_every_attempt_is_flagged_for_review(source, attempt):
    assert suspicious(attempt.notebook(source), source) != []


def test_honest_work_is_not_flagged(source):
    """The solution, the honest student and every honest catalogued answer pass unflagged."""
    assert suspicious(source, source) == []
    assert suspicious(honest_notebook(source), source) == []
    wrong, right = load(CHAPTER)
    # The catalogue's own tampering mistakes ("... replaced by ...") must be flagged, nothing else.
    flagged = {v.name for v in wrong + right if scan_code(v.code)}
    assert flagged == {v.name for v in wrong if "replaced" in v.name} != set()


def test_review_reports_edited_and_deleted_test_cells(source):
    nb = nbformat.from_dict(source)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_mse_hidden"]
    visible = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_mse_visible")
    visible.source = "pass"
    found = suspicious(nb, source)
    assert any("'test_mse_hidden' was deleted" in f for f in found)
    assert any("'test_mse_visible' was edited" in f for f in found)


@pytest.mark.parametrize("code, reason", [
    ("np.allclose = lambda *a: True", "changes the module 'np'"),
    ("import sys\nsys.modules['utils.checks'] = None", "sys.modules"),
    ("get_ipython().showtraceback = print", "IPython kernel"),
    ("raise SystemExit", "stop the notebook"),
    ("!cat ../source/x.ipynb", "starts another program"),
    ("x = open('gradebook.db').read()", "opens a file"),
    ("bool = lambda x: True", "built-in 'bool'"),
    ("for len in [3]:\n    pass", "built-in 'len'"),
])
def test_scan_names_the_trick(code, reason):
    assert any(reason in why for _, why in scan_code(code))


def test_methods_named_like_builtins_are_not_flagged():
    assert scan_code("model.eval()\npattern = re.compile('a+')") == []
    # Built-in names bound inside a function or comprehension stay there: no test cell sees them.
    assert scan_code("def f(xs):\n    sum = 0\n    return [max for max in xs]") == []
    assert scan_code("eval('1 + 1')") and scan_code("builtins.exec('x = 1')")


def test_guard_restores_patched_modules():
    import utils.checks
    snapshot = integrity.take_snapshot(["numpy", "numpy.linalg", "utils.checks"])
    real_allclose, real_lstsq, real_check = np.allclose, np.linalg.lstsq, utils.checks.check_close
    namespace = {"np": "not numpy"}
    try:
        np.allclose = np.linalg.lstsq = None
        vars(utils.checks)["check_close"] = None
        integrity.restore_snapshot(snapshot, namespace)
        assert np.allclose is real_allclose and np.linalg.lstsq is real_lstsq
        assert utils.checks.check_close is real_check and namespace["np"] is np
    finally:
        np.allclose, np.linalg.lstsq = real_allclose, real_lstsq
        vars(utils.checks)["check_close"] = real_check


def _guarded_module():
    """A throw-away module of the guarded package `utils`, with a closure, defaults and a class."""
    import sys
    import types

    module = types.ModuleType("utils._integrity_probe")
    exec(dedent("""
        def make(limit):
            def within(x, *, strict=False):
                return x <= limit
            return within
        within = make(1.0)
        def scaled(x, factor=2.0):
            return x * factor
        class Base:
            pass
        class Other:
            pass
        class Checker(Base):
            def check(self, x):
                raise AssertionError(x)
        """), vars(module))
    sys.modules[module.__name__] = module
    return module


def test_guard_restores_what_functions_do_and_what_classes_hold():
    """Code, defaults, keyword defaults, closure cells, attributes, methods, added methods and
    bases: each changed, then put back by the snapshot."""
    import sys

    probe = _guarded_module()
    try:
        snapshot = integrity.take_snapshot([probe.__name__])
        probe.scaled.__code__ = (lambda x, factor=2.0: 0.0).__code__
        probe.scaled.__defaults__ = (0.0,)
        probe.within.__kwdefaults__ = {"strict": True}
        probe.within.__closure__[0].cell_contents = float("inf")
        probe.within.__dict__["note"] = "added"
        probe.Checker.check = lambda self, x: None
        probe.Checker.__getattribute__ = lambda self, name: None
        probe.Checker.__bases__ = (probe.Other,)
        assert probe.scaled(3.0) == 0.0 and probe.within(5.0)
        integrity.restore_snapshot(snapshot)
        assert probe.scaled(3.0) == 6.0 and not probe.within(5.0) and probe.within.__kwdefaults__ == {"strict": False}
        assert vars(probe.within) == {} and probe.Checker.__bases__ == (probe.Base,)
        assert "__getattribute__" not in vars(probe.Checker)
        with pytest.raises(AssertionError):
            probe.Checker().check(1)
    finally:
        del sys.modules[probe.__name__]


def test_guard_restores_builtins_and_standard_helpers():
    import builtins
    import functools
    import operator

    snapshot = integrity.take_snapshot(["builtins", "functools", "operator"])
    real = builtins.isinstance, builtins.__import__, functools.reduce, operator.index
    try:
        builtins.isinstance = lambda *args: True
        builtins.__import__ = None
        functools.reduce, operator.index = None, None
        integrity.restore_snapshot(snapshot)
        assert (builtins.isinstance, builtins.__import__, functools.reduce, operator.index) == real
    finally:
        builtins.isinstance, builtins.__import__, functools.reduce, operator.index = real


@pytest.mark.xfail(strict=True, reason="known: names built from strings (getattr(sys, 'mod' + 'ules')) pass a "
                   "scan of the code's names")
@pytest.mark.parametrize("attempt", UNFLAGGED, ids=[a.name for a in UNFLAGGED])
def test_the_review_flags_the_attempts_built_from_strings(source, attempt):
    assert suspicious(attempt.notebook(source), source) != []


def test_guard_restores_what_the_c_api_changed_in_functions():
    """Defaults and keyword defaults set through CPython's C API raise no audit event and leave
    ``__code__`` alone: the restore still finds the function changed and puts them back."""
    import ctypes
    import sys

    probe = _guarded_module()
    set_defaults = ctypes.pythonapi.PyFunction_SetDefaults
    set_kwdefaults = ctypes.pythonapi.PyFunction_SetKwDefaults
    for setter in (set_defaults, set_kwdefaults):
        setter.argtypes = [ctypes.py_object, ctypes.py_object]
    try:
        snapshot = integrity.take_snapshot([probe.__name__])
        set_defaults(probe.scaled, (0.0,))
        set_kwdefaults(probe.within, {"strict": True})
        assert probe.scaled(3.0) == 0.0
        integrity.restore_snapshot(snapshot)
        assert probe.scaled(3.0) == 6.0 and probe.within.__kwdefaults__ == {"strict": False}
    finally:
        del sys.modules[probe.__name__]


# What the guard runs before every cell; of these three, the functions they return.
PER_CELL = ("restore_snapshot", "_held", "_differs", "_cell_content", "_restore_class", "_function_of", "_silence",
            "forbidden_path", "_inside", "_absolute", "_opened_path")
RETURNS_PER_CELL = ("_hooks_keeper", "_events_keeper", "_audit_hook")


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def test_the_guard_looks_up_nothing_a_cell_can_rebind():
    """No function the guard runs before a cell looks up a function on a module as it runs
    (``operator.is_not``, ``os.path.abspath``): a cell could rebind it to switch the guard off.
    What they call is bound when the module is imported, and sealed (``integrity._sealed``)."""
    codes = [c for name in PER_CELL for c in _code_objects(getattr(integrity, name).__code__)]
    codes += [c for name in RETURNS_PER_CELL for const in getattr(integrity, name).__code__.co_consts
              if isinstance(const, types.CodeType) for c in _code_objects(const)]
    found = []
    for code in codes:
        instructions = list(dis.get_instructions(code))
        for load, then in zip(instructions, instructions[1:]):
            if load.opname == "LOAD_GLOBAL" and isinstance(vars(integrity).get(load.argval), types.ModuleType) \
                    and then.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                found.append(f"{code.co_name}: {load.argval}.{then.argval}")
    assert len(codes) > len(PER_CELL) and found == []


def test_the_guard_forbids_files_whatever_a_cell_did_to_os_path(monkeypatch, tmp_path):
    course = tmp_path / "course"
    hook = integrity._sealed(integrity._audit_hook)((str(course),), str(course / "autograded" / "ada" / "ch01"))
    monkeypatch.setattr(os.path, "abspath", lambda path: "/nowhere")
    monkeypatch.setattr(os.path, "normpath", lambda path: "/nowhere")
    monkeypatch.setattr(os, "fsdecode", lambda path: "/nowhere")
    with pytest.raises(PermissionError):
        hook("open", (str(course / "source" / "ch01" / "ch01.pct.py"), "r", 0))


def test_the_guard_refuses_changing_a_guarded_function_and_looking_through_the_interpreter():
    """Whenever it happens (a test cell calling the student's function, a thread, a finalizer):
    a guarded function's code, defaults and keyword defaults, but to the snapshot's own values;
    gc's walks over the objects, but the guard's own read; tracers and profilers."""
    import gc
    import sys

    probe = _guarded_module()
    try:
        snapshot = integrity.take_snapshot([probe.__name__])
        hook = integrity._sealed(integrity._audit_hook)(("/nowhere",), "/nowhere/nb", None, "\0", snapshot)
        code, defaults = probe.scaled.__code__, probe.scaled.__defaults__
        refused = [("object.__setattr__", (probe.scaled, "__code__", (lambda x, factor=2.0: 0.0).__code__)),
                   ("object.__setattr__", (probe.scaled, "__defaults__", (0.0,))),
                   ("object.__setattr__", (probe.within, "__kwdefaults__", {"strict": True})),
                   ("object.__delattr__", (probe.scaled, "__defaults__")),
                   ("gc.get_objects", (None,)), ("gc.get_referrers", ((probe.scaled,),)),
                   ("gc.get_referents", ((probe.scaled,),)), ("sys.settrace", ()), ("sys.setprofile", ())]
        for event, args in refused:
            with pytest.raises(PermissionError):
                hook(event, args)
        allowed = [("object.__setattr__", (probe.scaled, "__code__", code)),
                   ("object.__setattr__", (probe.scaled, "__defaults__", defaults)),
                   ("object.__setattr__", (probe.scaled, "__doc__", "a note")),
                   ("object.__setattr__", (_code_objects, "__code__", code)),  # not guarded
                   ("gc.get_referents", (snapshot[1][6],))]
        for event, args in allowed:
            hook(event, args)
        assert not integrity._held(snapshot[1][6], snapshot[1][7]) and gc.isenabled() and sys.gettrace() is None
    finally:
        del sys.modules[probe.__name__]


def test_the_guard_runs_no_code_of_the_students_while_it_puts_things_back():
    """Looking at a callback (its ``__getattr__``) or at a class's bases (its metaclass's
    ``__eq__``) runs nothing of the student's, which could undo what was just put back."""
    import sys

    ran = []

    class Sneaky:
        def __getattr__(self, name):
            ran.append(name)

        def __call__(self):
            return None

    assert integrity._function_of(Sneaky()) is vars(Sneaky)["__call__"] and ran == []

    class Meta(type):
        def __eq__(cls, other):
            ran.append("__eq__")
            return True

        __hash__ = type.__hash__

    probe = _guarded_module()
    try:
        probe.Base = Meta("Base", (), {})
        probe.Other = Meta("Other", (), {})
        probe.Checker = Meta("Checker", (probe.Base,), {"__module__": probe.__name__})
        snapshot = integrity.take_snapshot([probe.__name__])
        probe.Checker.__bases__ = (probe.Other,)
        integrity.restore_snapshot(snapshot)
        assert probe.Checker.__bases__ == (probe.Base,) and ran == []
    finally:
        del sys.modules[probe.__name__]


@pytest.mark.parametrize("course, path, forbidden", [
    ("/", "/source/ch01/answers.txt", True),                    # a course folder at the root
    ("/srv/course", "//srv/course/tests/catalogue/ch01.py", True),  # Linux opens // as /
    ("/srv/course", "/srv/course/autograded/ada/ch01/../../bob/ch01/x.csv", True),
    ("/srv/course", "/srv/course/autograded/ada/ch01/./data/x.csv", False),
    ("/srv/course", "/srv/course/source", True),
    ("/srv/course", "/srv/course/sourced/x.csv", False),
])
def test_the_guard_reads_paths_as_the_system_opens_them(course, path, forbidden):
    notebook_dir = "/srv/course/autograded/ada/ch01" if course != "/" else "/home/ada/ch01"
    assert integrity.forbidden_path(path, (course,), notebook_dir) is forbidden


@pytest.mark.parametrize("path, forbidden", [
    ("course/source/ch01/ch01.pct.py", True),
    ("elsewhere/any.ipynb", True),
    ("course/gradebook.db", True),
    ("course/.git/objects/ab/cdef", True),
    ("course/tests/catalogue/ch01.py", True),
    ("course/solutions/ch01/data.csv", True),
    ("course/autograded/bob/ch01/data.csv", True),
    ("course/autograded/ada/ch01/data.csv", False),
    ("course/utils/checks.py", False),
    ("course/.venv/lib/numpy/__init__.py", False),
    ("/usr/lib/python3.11/os.py", False),
])
def test_guard_forbids_the_files_holding_answers(tmp_path, path, forbidden):
    course = tmp_path / "course"
    notebook_dir = course / "autograded" / "ada" / "ch01"
    assert integrity.forbidden_path(str(tmp_path / path), (str(course),), str(notebook_dir)) is forbidden


def test_guard_is_off_outside_autograding(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert integrity.protect() is False
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert integrity.protect() is False


def test_guard_puts_back_as_each_cell_starts_not_at_imports(tmp_path):
    """The audit hook calls the restore at the first statement of each cell (a new cell file
    name), not at the next statements of that cell, not at a module an import runs."""
    calls = []
    hook = integrity._audit_hook((str(tmp_path),), str(tmp_path), lambda: calls.append(1), "/cells/")
    first = compile("x = 1", "/cells/101.py", "exec")
    second = compile("y = 2", "/cells/101.py", "exec")
    module = compile("z = 3", "/usr/lib/python3/some_module.py", "exec")
    for code in (first, second, module, compile("w = 4", "/cells/202.py", "exec")):
        hook("exec", (code,))
    assert len(calls) == 2


@per_chapter()
def test_no_chapter_flags_honest_work(chapter):
    """A student who submits the right answers, and every right-but-different catalogued answer,
    raises no flag in any chapter (the notebook's own cells call methods such as `model.eval()`)."""
    source = nbformat.read(chapter.source, as_version=4)
    assert suspicious(submissions(chapter)["ada"], source) == []
    _, right = load(chapter.id)
    assert {v.name: scan_code(v.code) for v in right if scan_code(v.code)} == {}
