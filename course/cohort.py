"""A synthetic cohort for the demo: the same students submit every chapter present.

Each student has a profile (below) that turns a chapter's release into a submission: the right
answers (the source's solutions), realistic mistakes and right-but-different answers from the
chapter's catalogue in ``tests/catalogue/``, a blank notebook, broken code (a syntax error, an
infinite loop) or cheating attempts. Submissions land in ``submitted/<student>/<id>/<id>.ipynb``,
nbgrader's layout, ready for ``python -m course grade``.
"""
from __future__ import annotations

import importlib
import json
import random
import shutil
import sys
from pathlib import Path

import nbformat

from .grading import replace_answer
from .notebooks import SOLUTION_BEGIN, SOLUTION_END, Chapter, find_chapters

# Appended to a wrong answer by the hostile student: swap the check helpers for no-ops, and try
# to read the solutions from the course's files (utils.integrity refuses both while grading).
CHEAT_FAKE_CHECKS = """
import sys, types
_fake = types.ModuleType("utils.checks")
_fake.__dict__.update({n: (lambda *a, **k: None) for n in dir(sys.modules["utils.checks"]) if n.startswith("check_")})
sys.modules["utils.checks"] = _fake
"""
CHEAT_READ_SOURCE = """
import glob
for _path in glob.glob("../../../source/*/*.ipynb"):
    print(open(_path).read()[:100])
"""
SYNTAX_ERROR = "def broken(:\n    return"
INFINITE_LOOP = "while True:\n    pass"

# Student -> what they submit, in words (shown by the demo).
PROFILES = {
    "ada": "right: the solution",
    "ben": "three catalogued mistakes",
    "cleo": "two other catalogued mistakes",
    "dev": "right but different: every catalogued alternative",
    "eve": "blank: the release as handed out",
    "finn": "half done: the first half of the answers, the rest blank",
    "gus": "broken: a syntax error in one answer",
    "hana": "broken: an infinite loop in one answer",
    "ivan": "hostile: a mistake, fake check helpers and reading the sources",
}


def solution_code(source_code: str) -> str:
    """An answer cell's code as a student who got it right would leave it: the solution
    without nbgrader's delimiters."""
    kept = [line for line in source_code.splitlines() if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END)]
    return "\n".join(kept)


def answer_ids(nb) -> list[str]:
    """The grade ids of the code answer cells, in notebook order."""
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


def load_catalogue(root: Path, chapter_id: str) -> tuple[list, list]:
    """The chapter's (WRONG, RIGHT) variants from ``tests/catalogue``, or two empty lists."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(f"tests.catalogue.{chapter_id}")
    except ModuleNotFoundError:
        return [], []
    return list(module.WRONG), list(module.RIGHT)


def distinct_mistakes(wrong: list, rng: random.Random, count: int = 5) -> list:
    """Up to ``count`` catalogued mistakes, each in a different answer, picked by ``rng``."""
    by_answer = {}
    for variant in wrong:
        by_answer.setdefault(variant.answer, []).append(variant)
    answers = rng.sample(sorted(by_answer), min(count, len(by_answer)))
    return [rng.choice(by_answer[answer]) for answer in answers]


def submissions(chapter: Chapter) -> dict[str, nbformat.NotebookNode]:
    """Student -> submitted notebook of one chapter, one per profile of :data:`PROFILES`."""
    source = nbformat.read(chapter.source, as_version=4)
    release = nbformat.read(chapter.release, as_version=4)
    answers = answer_ids(release)
    by_id = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells if "nbgrader" in c.metadata}
    right = {a: solution_code(by_id[a]) for a in answers}
    wrong, alternatives = load_catalogue(chapter.root, chapter.id)
    picks = distinct_mistakes(wrong, random.Random(chapter.id))  # the same cohort on every run

    def filled(codes: dict[str, str]):
        nb = release
        for answer, code in codes.items():
            nb = replace_answer(nb, answer, code)
        return nb

    def with_variants(variants) -> dict[str, str]:
        return right | {v.answer: v.code for v in variants}

    first_wrong = picks[0] if picks else None
    hostile = with_variants(picks[:1])
    target = first_wrong.answer if first_wrong else answers[0]
    hostile[target] = hostile[target] + "\n" + CHEAT_FAKE_CHECKS + CHEAT_READ_SOURCE
    return {
        "ada": filled(right),
        "ben": filled(with_variants(picks[:3])),
        "cleo": filled(with_variants(picks[3:5])),
        "dev": filled(with_variants(alternatives)),
        "eve": release,
        "finn": filled({a: right[a] for a in answers[:len(answers) // 2]}),
        "gus": filled(right | {answers[-1]: right[answers[-1]] + "\n" + SYNTAX_ERROR}),
        "hana": filled(right | {answers[0]: right[answers[0]] + "\n" + INFINITE_LOOP}),
        "ivan": filled(hostile),
    }


def make_cohort(root: Path, wanted: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Write the demo cohort's submissions of every chapter (or those named) under
    ``root/submitted``; chapter -> student -> profile, also saved in ``reports/cohort.json``."""
    written = {}
    for chapter in find_chapters(root, wanted):
        for student, nb in submissions(chapter).items():
            folder = root / "submitted" / student / chapter.id
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            nbformat.write(_without_outputs(nb), folder / f"{chapter.id}.ipynb")
        written[chapter.id] = dict(PROFILES)
    (root / "reports").mkdir(exist_ok=True)
    (root / "reports" / "cohort.json").write_text(json.dumps(written, indent=1) + "\n")
    return written


def _without_outputs(nb):
    """A submission as a student saves it before running it: no outputs, no execution counts."""
    copy = nbformat.from_dict(nb)
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return copy

