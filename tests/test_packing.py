"""The packing of catalogue variants (tests/packing.py) can say no: dependent answers never
share a notebook, whether the probe or the code's names (tests/cell_flow.py) find the
dependency; a variant that does more than define names, or whose functions change what other
cells see, is graded alone; a pack of RIGHT variants that wrote to stderr is not trusted; and
through the real engine a packed WRONG variant that keeps its points is still reported, and a
pack whose kernel died is graded again one variant per notebook."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course.engine import Graded
from course.grading import NotebookScores
from tests.catalogue import Variant, load
from tests.cell_flow import answers_read, free_names, process_effects, reaches, reaching_test_cells
from tests.conftest import CHAPTERS
from tests.packing import (answer_cells, caught, grade_catalogue, louder, may_share, own_tests, pack,
                           top_level_effects, why_alone)
from tests.test_grading_chapters import kept_full_marks

CH01 = next(c for c in CHAPTERS if c.id == "ch01_linear_regression")


def test_a_dependent_pair_is_never_packed():
    # Sequential's tests call Linear (blank Linear costs them points); ReLU is on its own.
    depends = {"Linear": own_tests("Linear") | own_tests("Sequential"), "Sequential": own_tests("Sequential"),
               "ReLU": own_tests("ReLU")}
    assert not may_share("Linear", "Sequential", depends) and not may_share("Sequential", "Linear", depends)
    assert may_share("Linear", "ReLU", depends) and not may_share("ReLU", "ReLU", depends)
    students = {"w0": "Linear", "w1": "Sequential", "w2": "ReLU", "w3": "ReLU", "w4": "Linear"}
    nothing = {s: set() for s in students}
    packs = pack(students, nothing, depends, nothing)
    assert packs == [["w0", "w2"], ["w1", "w3"], ["w4"]]  # w4 (Linear) may not join w1 (Sequential)


def test_a_shared_helper_name_keeps_two_variants_apart():
    depends = {"a": own_tests("a"), "b": own_tests("b")}
    nothing = {"w0": set(), "w1": set()}
    assert pack({"w0": "a", "w1": "b"}, {"w0": {"_h"}, "w1": {"_h"}}, depends, nothing) == [["w0"], ["w1"]]
    assert pack({"w0": "a", "w1": "b"}, {"w0": {"_h"}, "w1": {"_g"}}, depends, nothing) == [["w0", "w1"]]


def test_only_definitions_may_share_a_notebook():
    inert = ["import numpy as np\nfrom math import pi as PI", "EPS = -1e-12\nNAMES = ('a', 'b')",
             "def f(x, eps=EPS, dtype=np.float64) -> np.ndarray:\n    np.random.seed(0)\n    return x",
             "class A(Base):\n    '''doc'''\n    scale = 2.0\n    def g(self, x: list[int]):\n        return x"]
    assert [top_level_effects(code) for code in inert] == [[]] * len(inert)
    doing = ["np.allclose = lambda *a, **k: True", "print('hi')", "x = np.zeros(3)", "for i in range(3):\n    pass",
             "@functools.cache\ndef f(): pass", "def f(rng=np.random.default_rng(0)): pass",
             "class A:\n    cache = {}", "class A(make_base()): pass", "def f():\n    global np\n    np = None",
             "from numpy import *", "def f(:"]
    assert all(top_level_effects(code) for code in doing), [c for c in doing if not top_level_effects(c)]


def _notebook(*cells):
    """A notebook of code cells given as (nbgrader metadata or None, source)."""
    return new_notebook(cells=[new_code_cell(code, metadata={"nbgrader": meta} if meta else {}) for meta, code in cells])


def _answer(name, code):
    return {"solution": True, "grade_id": name}, code


def _test(name, code):
    return {"grade": True, "grade_id": f"test_{name}_visible", "points": 1}, code


def test_code_reading_finds_what_a_probe_cannot():
    """A test of g that swallows f's exception, one that uses what an exploration cell computed
    with f, one that uses data f's test handed to f (which may change it in place), one that
    reaches f only through a lambda: each reaches f. A test that binds its own data does not."""
    nb = _notebook((None, "import numpy as np\ndata = np.zeros(3)"),
                   _answer("f", "def f(x):\n    return x + 1"),
                   _test("f", "check(f(data))"),
                   _answer("g", "def g(x):\n    return 2 * x"),
                   _test("g", "try:\n    f(1)\nexcept Exception:\n    pass\ncheck(g(1))"),
                   (None, "model = f(2)"),
                   _answer("h", "def h(m):\n    return m"),
                   _test("h", "check(h(model))"),
                   _answer("k", "def k(x):\n    return x"),
                   _test("k", "check(k(data))"),
                   _answer("m", "def m(x):\n    return x"),
                   _test("m", "later = lambda: f(0)\ncheck(m(later))"),
                   _answer("n", "def n(x):\n    return x"),
                   _test("n", "data = np.ones(2)\ncheck(n(data))"))
    reaching = reaching_test_cells(nb)
    assert reaching["f"] == {"test_f_visible", "test_g_visible", "test_h_visible", "test_k_visible", "test_m_visible"}
    assert reaching["n"] == {"test_n_visible"} and reaching["g"] == {"test_g_visible"}
    depends = {a: cells for a, cells in reaching.items()}
    assert not may_share("f", "k", depends) and may_share("g", "n", depends)
    assert free_names("x = 1\ny = [x for x in range(3)]\ndef f(a, b=y):\n    return a + z") == {"range", "z"}


def test_a_variant_calling_another_answer_never_shares_with_it():
    """A RIGHT g that calls the student's f (the solution's g does not): its result depends on
    f's variant, so the two are never packed together."""
    nb = _notebook(_answer("f", "def f(x):\n    return x + 1"), _test("f", "f(1)"),
                   _answer("g", "def g(x):\n    return x + 2"), _test("g", "g(1)"))
    carries, _ = reaches(nb)
    students = {"w0": "f", "w1": "g"}
    reads = {"w0": set(), "w1": answers_read("def g(x):\n    return f(x) + 1", carries) - {"g"}}
    assert reads["w1"] == {"f"}
    depends = reaching_test_cells(nb)
    assert pack(students, {"w0": set(), "w1": set()}, depends, reads) == [["w0"], ["w1"]]
    assert pack(students, {"w0": set(), "w1": set()}, depends, {"w0": set(), "w1": set()}) == [["w0", "w1"]]


def test_functions_that_change_what_others_see_are_graded_alone():
    own = ["class A:\n    def __init__(self, x):\n        self.x = x\n        self.p = {}\n        self.p['w'] = x",
           "def f(x, rng):\n    out = x.copy()\n    out[0] = rng.normal()\n    return out",
           "def f(x):\n    with np.errstate(over='ignore'):\n        return np.exp(x)",
           "def f(n):\n    return np.random.default_rng(n).normal()",
           "class A:\n    def forward(self, x):\n        A.x = x  # the class is the answer's own\n        return x"]
    assert [process_effects(code) for code in own] == [[]] * len(own)
    shared = ["def f(x):\n    np.random.seed(0)\n    return x", "def f(n):\n    return np.random.randn(n)",
              "class A(Module):\n    def forward(self, x):\n        Module.x = x\n        return x",
              "def f(x):\n    ACTIVATIONS['relu'] = x  # another cell's dict\n    return x",
              "def f(x):\n    np.seterr(all='ignore')\n    return np.log(x)",
              "def f(x):\n    import random\n    return random.random()",
              "def f(x):\n    import utils.checks as c\n    c.check_close = print\n    return x",
              "def f(x):\n    setattr(np, 'pi', 3)\n    return x"]
    assert all(process_effects(code) for code in shared), [c for c in shared if not process_effects(c)]
    ch04 = next(c for c in CHAPTERS if c.id == "ch04_backprop")
    source = nbformat.read(ch04.source, as_version=4)
    global_random = [v for v in load(ch04.id)[0] if "global np.random" in v.name]
    assert len(global_random) == 1, [v.name for v in global_random]
    assert why_alone(global_random[0].code, "Linear", source).startswith("changes what others see")
    # A variant that uses an object of the notebook's that the solution's cell does not use.
    toucher = "def sgd_step(params, grads, lr):\n    rng.normal()\n    for k in params:\n        params[k] -= lr * grads[k]"
    assert why_alone(toucher, "sgd_step", source).startswith("uses the notebook's objects ['rng']")


def _graded(cells_stderr: list[bool]) -> NotebookScores:
    """Scores whose graded notebook has one code cell per entry, writing to stderr where True."""
    nb = _notebook(*[(None, "pass")] * len(cells_stderr))
    for cell, loud in zip(nb.cells, cells_stderr):
        cell.outputs = [new_output("stream", name="stderr", text="RuntimeWarning: overflow\n")] if loud else []
    return NotebookScores("x", graded=Graded("x", "ch", notebook=nbformat.writes(nb).encode("utf-8")))


def test_a_right_pack_that_wrote_to_stderr_is_not_trusted():
    solution = _graded([True, False, False])
    assert louder(_graded([True, False, False]), solution) == ""
    assert louder(_graded([True, True, False]), solution) == "cells [1] wrote to stderr, the solution's did not"


def test_the_catalogues_cheating_variants_are_graded_alone():
    source = nbformat.read(CH01.source, as_version=4)
    cheating = [v for v in load(CH01.id)[0] if "replaced" in v.name]
    assert len(cheating) == 2, [v.name for v in cheating]
    assert all(why_alone(v.code, v.answer, source).startswith("top-level effects") for v in cheating)
    # A helper named like something another cell uses could change that cell.
    shadowing = "def check_close(*a, **k):\n    pass\n\ndef mse(y_true, y_pred):\n    return 0.0"
    assert why_alone(shadowing, "mse", source) == "binds names other cells use: ['check_close']"
    assert why_alone(answer_cells(source)["mse"], "mse", source) == ""


def test_packed_mistakes_are_reported_and_a_dead_kernel_spoils_its_pack(tmp_path):
    """Through the real engine on chapter 1: a "mistake" that is the solution's own code, packed
    with a real mistake, is still reported as keeping full marks; a mistake that kills the
    kernel spoils its pack, whose variants are then graded one per notebook."""
    source = nbformat.read(CH01.source, as_version=4)
    wrong = load(CH01.id)[0]
    design = [v for v in wrong if v.answer == "design_matrix"][:2]
    fake = Variant("ols_fit", "the solution's own ols_fit", answer_cells(source)["ols_fit"])
    killer = Variant("ols_fit", "ols_fit that kills its kernel",
                     "import os\nimport signal\n\ndef ols_fit(Phi, y):\n    os.kill(os.getpid(), signal.SIGKILL)")
    cohort = grade_catalogue(CH01, [fake, design[0], killer, design[1]], [], tmp_path)
    assert cohort.packs == [["wrong00", "wrong01"], ["wrong02", "wrong03"]]
    assert cohort.alone["wrong00"] == "misbehaved in its pack"
    assert "wrong01" not in cohort.alone and caught(cohort.results["wrong01"], "design_matrix")
    assert all("kernel died" in cohort.alone[s] for s in ("wrong02", "wrong03")), cohort.alone
    assert all(caught(cohort.results[s], v.answer) for s, v in [("wrong02", killer), ("wrong03", design[1])])
    wrong = {s: v for s, v in cohort.variants.items() if s.startswith("wrong")}
    assert [m.split(" (")[0] for m in kept_full_marks(cohort.results, wrong)] == ["ols_fit: the solution's own ols_fit"]
    assert cohort.notebooks == 4 + 2 + 3  # solution, blank, two probes; two packs; three alone
