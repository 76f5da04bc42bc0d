"""Every chapter graded by real `nbgrader autograde`: the solution earns full marks and the
blank release zero; every catalogued mistake loses points in its own function's tests; every
right-but-different answer keeps full marks. Each chapter's solution, blank and catalogue
variants are graded once, several variants packed into one notebook where that is sound
(tests/packing.py says why), and shared by the tests below.

CATALOGUE_PACKING=off in the environment grades one notebook per variant instead, as the suite
did before packing (to compare the two: benchmarks/RESULTS.md); the tests of the packing itself
are skipped then."""
import os

import nbformat
import pytest

from tests.catalogue import load
from tests.cell_flow import answers_read, reaches
from tests.conftest import CHAPTERS
from tests.packing import answer_cells, caught, grade_catalogue, may_share, own_tests, unharmed

PACKED = os.environ.get("CATALOGUE_PACKING", "on") != "off"
needs_packing = pytest.mark.skipif(not PACKED, reason="CATALOGUE_PACKING=off: one notebook per variant")
_cohorts = {}


def graded_cohort(chapter, tmp_path_factory):
    """The chapter's catalogue graded (``tests.packing.Cohort``; cached per chapter for this
    test session): results, variants (student -> Variant) and the notebook's points."""
    if chapter.id not in _cohorts:
        wrong, right = load(chapter.id)
        _cohorts[chapter.id] = grade_catalogue(chapter, wrong, right, tmp_path_factory.mktemp(chapter.id), PACKED)
    cohort = _cohorts[chapter.id]
    return cohort.results, cohort.variants, cohort.points


def kept_full_marks(results, wrong) -> list[str]:
    """The WRONG variants (student -> Variant) whose own test cells kept every point."""
    return [f"{v.answer}: {v.name} ({'%g/%g' % results[s].points(own_tests(v.answer))})"
            for s, v in wrong.items() if not caught(results[s], v.answer)]


class ChapterCatalogue:
    """One chapter's catalogue tests; a subclass per chapter (below), so that the chapters'
    cohorts go to different workers (``--dist loadscope`` keeps a class on one worker, which
    grades its chapter's cohort once) while a module's functions stay together as before."""

    chapter = None

    def test_solution_full_marks_and_blank_zero(self, tmp_path_factory):
        results, _, points = graded_cohort(self.chapter, tmp_path_factory)
        solution, blank = results["solution"], results["blank"]
        assert solution.error == "" and blank.error == ""
        assert points > 0 and solution.max_score == points
        assert solution.score == points, {g: s for g, s in solution.scores.items() if s[0] < s[1]}
        assert solution.stderr_cells == []
        assert blank.score == 0, {g: s for g, s in blank.scores.items() if s[0] > 0}

    def test_every_catalogued_mistake_loses_points(self, tmp_path_factory):
        results, variants, _ = graded_cohort(self.chapter, tmp_path_factory)
        wrong = {s: v for s, v in variants.items() if s.startswith("wrong")}
        answers = answer_cells(nbformat.read(self.chapter.source, as_version=4))
        per_answer = {a: sum(v.answer == a for v in wrong.values()) for a in answers}
        assert min(per_answer.values()) >= 2, f"fewer than two catalogued mistakes: {per_answer}"
        ungraded = [f"{v.name}: {results[s].error}" for s, v in wrong.items() if results[s].error]
        assert ungraded == [], "mistakes must lose points in their tests, not by failing to be graded"
        kept = kept_full_marks(results, wrong)
        assert kept == [], "mistakes that keep full marks in their own tests:\n" + "\n".join(kept)

    def test_right_but_different_answers_keep_full_marks(self, tmp_path_factory):
        results, variants, points = graded_cohort(self.chapter, tmp_path_factory)
        right = {s: v for s, v in variants.items() if s.startswith("right")}
        assert right, "the catalogue has no right-but-different answers"
        lost = [f"{v.answer}: {v.name}: {results[s].score:g}/{points:g} {results[s].error} "
                f"{ {g: p for g, p in results[s].scores.items() if p[0] < p[1]} }"
                for s, v in right.items() if not unharmed(results[s], points)]
        assert lost == [], "right answers that lose points:\n" + "\n".join(lost)

    @needs_packing
    def test_packs_hold_only_answers_that_may_share(self, tmp_path_factory, record_property):
        """The packing the cohort used: each answer's own tests depend on it (the probe sees
        something), no pack holds two variants whose answers may not share or whose code reaches
        the other's answer, and no variant graded alone for what its code does sits in a pack.
        The counts go to the JUnit report."""
        graded_cohort(self.chapter, tmp_path_factory)
        cohort = _cohorts[self.chapter.id]
        record_property("notebooks_graded", cohort.notebooks)
        record_property("variants", len(cohort.variants))
        record_property("alone", len(cohort.alone))
        assert all(own_tests(a) & cells for a, cells in cohort.probed.items()), cohort.probed
        carries, _ = reaches(nbformat.read(self.chapter.source, as_version=4))
        for group in cohort.packs:
            answers = [cohort.variants[s].answer for s in group]
            assert all(may_share(x, y, cohort.depends) for i, x in enumerate(answers) for y in answers[i + 1:]), group
            for s in group:
                assert not answers_read(cohort.variants[s].code, carries) & (set(answers) - {cohort.variants[s].answer})
        packed = {s for group in cohort.packs if len(group) > 1 for s in group}
        for_its_code = {s for s, why in cohort.alone.items() if why.startswith(("top-level", "changes", "uses", "binds"))}
        assert not packed & for_its_code
        assert len(cohort.packs) < len(cohort.variants), "nothing was packed"


class Ch03Catalogue(ChapterCatalogue):
    """Chapter 3's tests, with one on a dependency between two of its answers."""

    @needs_packing
    def test_fit_logistic_found_to_depend_on_its_loss(self, tmp_path_factory):
        """ch03's fit_logistic calls the student's logistic_loss_grad: the probe (the loss blank)
        costs fit_logistic's tests points and the code's names say so too, so a variant of the
        one never shares a notebook with a variant of the other."""
        graded_cohort(self.chapter, tmp_path_factory)
        cohort = _cohorts[self.chapter.id]
        assert own_tests("fit_logistic") & cohort.probed["logistic_loss_grad"]
        assert own_tests("fit_logistic") <= cohort.depends["logistic_loss_grad"]
        assert not may_share("logistic_loss_grad", "fit_logistic", cohort.depends)
        pairs = [{cohort.variants[s].answer for s in g} for g in cohort.packs]
        assert not any({"logistic_loss_grad", "fit_logistic"} <= answers for answers in pairs)


for _chapter in CHAPTERS:  # TestCh01LinearRegression, ...: one class per chapter
    _name = "Test" + "".join(part.capitalize() for part in _chapter.id.split("_"))
    _base = Ch03Catalogue if _chapter.id == "ch03_logistic_softmax" else ChapterCatalogue
    globals()[_name] = type(_name, (_base,), {"chapter": _chapter})
