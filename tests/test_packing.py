"""The packing of catalogue variants (tests/packing.py) can say no: dependent answers never
share a notebook, a variant that does more than define names is graded alone, and through the
real engine a packed WRONG variant that keeps its points is still reported, and a pack whose
kernel died is graded again one variant per notebook."""
import nbformat

from tests.catalogue import Variant, load
from tests.conftest import CHAPTERS
from tests.packing import answer_cells, caught, grade_catalogue, may_share, own_tests, pack, top_level_effects, why_alone
from tests.test_grading_chapters import kept_full_marks

CH01 = next(c for c in CHAPTERS if c.id == "ch01_linear_regression")


def test_a_dependent_pair_is_never_packed():
    # Sequential's tests call Linear (blank Linear costs them points); ReLU is on its own.
    depends = {"Linear": own_tests("Linear") | own_tests("Sequential"), "Sequential": own_tests("Sequential"),
               "ReLU": own_tests("ReLU")}
    assert not may_share("Linear", "Sequential", depends) and not may_share("Sequential", "Linear", depends)
    assert may_share("Linear", "ReLU", depends) and not may_share("ReLU", "ReLU", depends)
    students = {"w0": "Linear", "w1": "Sequential", "w2": "ReLU", "w3": "ReLU", "w4": "Linear"}
    packs = pack(students, {s: set() for s in students}, depends)
    assert packs == [["w0", "w2"], ["w1", "w3"], ["w4"]]  # w4 (Linear) may not join w1 (Sequential)


def test_a_shared_helper_name_keeps_two_variants_apart():
    depends = {"a": own_tests("a"), "b": own_tests("b")}
    assert pack({"w0": "a", "w1": "b"}, {"w0": {"_h"}, "w1": {"_h"}}, depends) == [["w0"], ["w1"]]
    assert pack({"w0": "a", "w1": "b"}, {"w0": {"_h"}, "w1": {"_g"}}, depends) == [["w0", "w1"]]


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
