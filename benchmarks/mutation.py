"""Mutation testing of the hidden tests: how many small changes to each answer the graded tests catch.

    .venv/bin/python benchmarks/mutation.py [CHAPTER ...] [--max-children 1] [--mutants-dir DIR]
        [--root CHECKOUT --scratch DIR --no-results] [--report-only]

(``make mutation`` runs it for every chapter; ``--root`` measures another checkout, e.g. a
colleague's worktree, read only; ``--report-only`` rewrites the reports from the last runs
after a change to the judgements.)

For each chapter (all when none is named) it builds, from the source notebook alone, a scratch
project under ``benchmarks/out/mutation/<chapter>/``:

- ``<chapter>.py``: the module a graded notebook's answers live in: the locked cells the answers
  and tests rely on (setup, the given and reference code; fenced off from mutation), then every
  answer cell, in notebook order;
- ``tests/test_<chapter>.py``: one pytest test per autograded test cell (``test_<answer>_visible``,
  ``test_<answer>_hidden``), which executes the cell's code in a namespace holding the module's
  names, as the grading kernel does. A test fails exactly when the cell would raise, that is
  when nbgrader would take its points. A cell runs in the answers' own namespace (a name it
  rebinds is what the answers see), which is put back after it: mutmut runs only the tests
  that reach a mutated function, so no cell may rely on another.

It then runs mutmut (``mutmut run --max-children N``) there, reads ``mutmut results`` and
``mutmut show``, and writes per function the mutants killed, survived and timed out into the
section "Mutation testing of the hidden tests" of ``benchmarks/RESULTS.md``. Each survivor is
looked up in ``benchmarks/mutation_judgements.toml`` (keyed by chapter, function and the
changed lines, so that a judgement outlives the renumbering of mutants): *equivalent* (with the
reason) or *not equivalent* (with an input on which it differs from the contract). With
``--mutants-dir`` the survivors of each chapter, their diffs and judgements are also written to
``<dir>/<chapter>.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the course package is at the root

from course.notebooks import Chapter, find_chapters, generated_source, is_test_cell  # noqa: E402

SCRATCH = ROOT / "benchmarks" / "out" / "mutation"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
JUDGEMENTS = ROOT / "benchmarks" / "mutation_judgements.toml"
REPORT = "report.json"  # a chapter's last run, in its scratch folder
SECTION = "## Mutation testing of the hidden tests"
# mutmut fences: code between these comments is never mutated (mutmut's pragma syntax).
NO_MUTATE_START, NO_MUTATE_END = "# pragma: no mutate start", "# pragma: no mutate end"
# mutmut's statuses (``mutmut results``) grouped as the table counts them.
KILLED, SURVIVED, TIMEOUT = "killed", "survived", "timeout"
# mutmut writes "xǁClassǁmethod" for methods, "x_function" for functions.
MANGLED = re.compile(r"^x(?:ǁ(?P<cls>[^ǁ]+)ǁ(?P<method>.+)|_(?P<func>.+))__mutmut_\d+$")


# ---------------------------------------------------------------- extraction from the notebook

@dataclass
class Suite:
    """What mutation testing needs of one chapter, all read from its source notebook."""

    chapter: str
    module: str                     # the module's source: given code (fenced) and the answers
    tests: dict[str, str]           # test cell grade_id -> its code, in notebook order
    graded_names: list[str]         # the answer cells' grade_ids
    library: Path                   # the checkout's utils/, which the notebook imports


def _without_magics(source: str) -> str:
    """A cell's code as plain Python: IPython magics and shell escapes dropped."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def extract(chapter: Chapter, answers: dict[str, str] | None = None) -> Suite:
    """The chapter's answers module and test cells, from the notebook its text twin generates
    (chapter 4's reference code filled in, as in ``source/<id>/<id>.ipynb``); ``answers`` maps
    an answer cell's grade_id to code that replaces the solution's (a student's answer)."""
    nb = nbformat.reads(generated_source(chapter), as_version=4)
    answers = answers or {}
    unknown = set(answers) - {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    if unknown:
        raise ValueError(f"{chapter.id} has no answer cell {sorted(unknown)}")
    parts, tests, graded = [], {}, []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type != "code" or not meta:
            continue  # prose, and the notebook's own demos (no test cell uses their names)
        code = _without_magics(cell.source)
        if is_test_cell(cell):
            tests[meta["grade_id"]] = code
        elif meta.get("solution"):
            graded.append(meta["grade_id"])
            code = _without_magics(answers.get(meta["grade_id"], cell.source))
            parts.append(f"# answer cell {meta['grade_id']}\n{code}")
        else:  # locked setup and given code: needed, but not the student's to get wrong
            parts.append(f"# locked cell {meta['grade_id']}\n{NO_MUTATE_START}\n{code}\n{NO_MUTATE_END}")
    return Suite(chapter.id, "\n\n\n".join(parts) + "\n", tests, graded, chapter.root / "utils")


# A test cell runs in the answers' own namespace, as in the kernel, where every cell shares one:
# a cell that rebinds a name (a recorder around init_weights, say) changes what the answers
# call. The namespace is put back afterwards, so that no test depends on which ran before it
# (mutmut runs only the tests that reach the mutated function).
_RUN_CELL = """
def _run_cell(name, code):
    namespace = vars(answers)
    saved = dict(namespace)
    try:
        exec(compile(code, f"<{name}>", "exec"), namespace)
    finally:
        namespace.clear()
        namespace.update(saved)
"""


def test_module_source(suite: Suite) -> str:
    """A pytest module with one test per test cell, each running the cell's code in the
    answers module's namespace, restored after the cell."""
    lines = [
        f'"""Generated by benchmarks/mutation.py from {suite.chapter}\'s test cells: do not edit."""',
        f"import {suite.chapter} as answers",
        "",
        _RUN_CELL.rstrip("\n"),
    ]
    for grade_id, code in suite.tests.items():
        lines += ["", "", f"def {grade_id}():", f"    _run_cell({grade_id!r}, {code!r})"]
    return "\n".join(lines) + "\n"


CONFTEST = '''"""Generated by benchmarks/mutation.py: the test cells run as nbgrader runs them."""
import os

os.environ["NBGRADER_EXECUTION"] = "autograde"  # figures and widgets off, as while grading
os.environ.setdefault("MPLBACKEND", "Agg")
'''

SETUP_CFG = """[mutmut]
source_paths = {module}.py
pytest_add_cli_args_test_selection = tests/
pytest_add_cli_args = -p no:cacheprovider
also_copy = utils/

[tool:pytest]
python_functions = test_*
"""


def write_project(suite: Suite, folder: Path) -> None:
    """Write the scratch project mutmut runs in. A previous run's mutants and results are
    deleted: mutmut would resume from them, and keep verdicts the changed tests may overturn."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "tests").mkdir(parents=True)
    (folder / f"{suite.chapter}.py").write_text(suite.module)
    (folder / "tests" / f"test_{suite.chapter}.py").write_text(test_module_source(suite))
    (folder / "tests" / "conftest.py").write_text(CONFTEST)
    (folder / "setup.cfg").write_text(SETUP_CFG.format(module=suite.chapter))
    # The measured checkout's library, first on the path: a colleague's tests may need its changes.
    shutil.copytree(suite.library, folder / "utils", ignore=shutil.ignore_patterns("__pycache__"))


# ---------------------------------------------------------------- running mutmut and reading it

@dataclass
class Mutant:
    name: str            # mutmut's name, e.g. ch01_linear_regression.x_ols_fit__mutmut_3
    function: str        # e.g. ols_fit, Linear.backward
    status: str
    diff: str = ""


def _python(folder: Path, *args: str) -> str:
    """Run the venv's Python in a mutmut project; its output, or RuntimeError with the tail."""
    run = subprocess.run([sys.executable, *args], cwd=folder, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": ""})
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(args)[:200]} failed in {folder}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return run.stdout


def _mutmut(folder: Path, *args: str) -> str:
    return _python(folder, "-m", "mutmut", *args)


# `mutmut show` for many mutants in one process (one process per mutant takes seconds each).
_SHOW_ALL = """
import sys
from mutmut.__main__ import cli
for name in sys.argv[1:]:
    cli.main(["show", name], standalone_mode=False)
    print("\\0", flush=True)
"""


def diffs(folder: Path, names: list[str]) -> list[str]:
    """mutmut's diff of each named mutant, without its status line."""
    if not names:
        return []
    shown = _python(folder, "-c", _SHOW_ALL, *names).split("\0\n")[:len(names)]
    return [text.split("\n", 1)[1].strip() for text in shown]


def function_of(mutant_name: str) -> str:
    """The answer a mutant changes: ``Class.method`` or ``function``."""
    match = MANGLED.match(mutant_name.rpartition(".")[2])
    if not match:
        raise ValueError(f"unexpected mutmut mutant name {mutant_name!r}")
    return f"{match['cls']}.{match['method']}" if match["cls"] else match["func"]


def run_chapter(chapter: Chapter, max_children: int, scratch: Path = SCRATCH) -> tuple[list[Mutant], float]:
    """Mutate the chapter's answers and run its test cells on every mutant; the mutants
    (survivors with their diffs) and the wall time of the run, also saved in the scratch
    folder's ``report.json`` (the RESULTS table covers every chapter run so far)."""
    suite = extract(chapter)
    folder = scratch / chapter.id
    write_project(suite, folder)
    start = time.perf_counter()
    _mutmut(folder, "run", "--max-children", str(max_children))
    seconds = time.perf_counter() - start
    mutants = []
    for line in _mutmut(folder, "results", "--all", "true").splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            mutants.append(Mutant(name, function_of(name), status))
    survivors = [m for m in mutants if m.status == SURVIVED]
    for mutant, diff in zip(survivors, diffs(folder, [m.name for m in survivors]), strict=True):
        mutant.diff = diff
    (folder / REPORT).write_text(json.dumps({"seconds": seconds, "workers": max_children,
                                             "source": measured_source(chapter),
                                             "mutants": [vars(m) for m in mutants]}))
    return mutants, seconds


def measured_source(chapter: Chapter) -> str:
    """Which text of the chapter was measured: its checkout, commit, and whether the text twin
    had uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(chapter.root), *args], capture_output=True, text=True).stdout.strip()
    edited = " with uncommitted changes" if git("--no-optional-locks", "status", "--porcelain", "--", str(chapter.text)) else ""
    return f"{chapter.root.resolve()} at {git('rev-parse', '--short', 'HEAD') or 'no commit'}{edited}"


def saved_runs(root: Path = ROOT, scratch: Path = SCRATCH) -> dict[str, tuple[list[Mutant], str, str]]:
    """Every chapter's last run (from its ``report.json``), in chapter order: its mutants, its
    wall time and workers, and the source it measured."""
    runs = {}
    for chapter in find_chapters(root, []):
        report = scratch / chapter.id / REPORT
        if report.exists():
            saved = json.loads(report.read_text())
            runs[chapter.id] = ([Mutant(**m) for m in saved["mutants"]],
                                f"{saved['seconds']:.0f} s ({saved['workers']} worker(s))",
                                saved.get("source", "unrecorded"))
    return runs


# ---------------------------------------------------------------- judgements of survivors

def changed_lines(diff: str) -> tuple[str, str]:
    """A survivor's key: the removed and the added lines of its diff, stripped and joined (the
    mutant's number changes when the code around it does; its change does not)."""
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    removed = "\n".join(line[1:].strip() for line in body if line.startswith("-"))
    added = "\n".join(line[1:].strip() for line in body if line.startswith("+"))
    return removed, added


def load_judgements(path: Path = JUDGEMENTS) -> dict[tuple[str, str, str, str], dict]:
    """Judgements keyed by (chapter, function, removed lines, added lines)."""
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text())["mutant"]
    return {(e["chapter"], e["function"], e["removed"].strip(), e["added"].strip()): e for e in entries}


def judgement(chapter: str, mutant: Mutant, judgements: dict) -> dict | None:
    return judgements.get((chapter, mutant.function, *changed_lines(mutant.diff)))


# ---------------------------------------------------------------- reports

def function_rows(chapter: str, mutants: list[Mutant], judgements: dict) -> list[str]:
    """Markdown rows: per function, killed / total, survivors (of which judged equivalent), timeouts."""
    rows = []
    for function in dict.fromkeys(m.function for m in mutants):
        own = [m for m in mutants if m.function == function]
        counts = Counter(m.status for m in own)
        survivors = [m for m in own if m.status == SURVIVED]
        equivalent = sum(1 for m in survivors
                         if (j := judgement(chapter, m, judgements)) and j["verdict"] == "equivalent")
        other = len(own) - counts[KILLED] - counts[SURVIVED] - counts[TIMEOUT]
        rows.append(f"| {chapter} | `{function}` | {counts[KILLED]} / {len(own)} | "
                    f"{100 * counts[KILLED] / len(own):.0f} % | {len(survivors)} | {equivalent} | "
                    f"{counts[TIMEOUT]} | {other} |")
    return rows


def results_section(runs: dict[str, tuple[list[Mutant], str, str]], judgements: dict) -> str:
    header = ["| chapter | function | killed / mutants | kill rate | survived | of which equivalent "
              "| timeouts | other |", "|---|---|---|---|---|---|---|---|"]
    rows, totals = [], Counter()
    for chapter, (mutants, _, _) in runs.items():
        rows += function_rows(chapter, mutants, judgements)
        for m in mutants:
            totals[m.status] += 1
            if m.status == SURVIVED and (j := judgement(chapter, m, judgements)):
                totals["equivalent" if j["verdict"] == "equivalent" else "judged"] += 1
    total = sum(totals[s] for s in totals if s not in ("equivalent", "judged"))
    open_survivors = []  # the survivors that call for a test: judged not equivalent, or not judged yet
    for chapter, (mutants, _, _) in runs.items():
        for m in mutants:
            j = judgement(chapter, m, judgements) if m.status == SURVIVED else None
            if m.status == SURVIVED and (j is None or j["verdict"] != "equivalent"):
                removed, added = (" / ".join(part.splitlines()) for part in changed_lines(m.diff))
                open_survivors.append(f"- {chapter} `{m.function}`: `{removed}` → `{added}` "
                                      f"({'not equivalent' if j else 'not yet judged'})")
    timing = ", ".join(f"{c} {t}" for c, (_, t, _) in runs.items())
    summary = (f"Mutants: {total}; killed {totals[KILLED]} ({100 * totals[KILLED] / max(total, 1):.1f} %), "
               f"timeouts {totals[TIMEOUT]}; survivors: {totals[SURVIVED]}, of which equivalent: "
               f"{totals['equivalent']} (explained in `benchmarks/mutation_judgements.toml`), judged not "
               f"equivalent: {totals['judged']}, not yet judged: "
               f"{totals[SURVIVED] - totals['equivalent'] - totals['judged']}.")
    return "\n".join([
        SECTION, "",
        "Generated by `make mutation` (`benchmarks/mutation.py`): mutmut 3.8.1 mutates each chapter's "
        "answer cells (extracted from the source notebook) and runs that chapter's visible and hidden "
        "test cells against every mutant; a mutant is killed when some test cell raises, i.e. when "
        "grading would take points. A survivor is *equivalent* when no input allowed by the docstring "
        "tells it from the answer. Timeouts count as caught (grading's cell timeout stops them). "
        f"Wall time of each chapter's mutmut run on a shared 2-core machine: {timing}.",
        "", summary, "", *header, *rows, "",
        "Survivors that are not equivalent (each needs a test; the input that tells it apart is in "
        "`benchmarks/mutation_judgements.toml`):" if open_survivors else "No survivor needs a test.",
        "", *open_survivors, ""])


def write_results(section: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section in RESULTS.md, leaving the other sections as they are."""
    text = path.read_text()
    start = text.find(SECTION)
    if start < 0:
        path.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    following = text.find("\n## ", start + len(SECTION))
    rest = "" if following < 0 else text[following + 1:]
    path.write_text(text[:start] + section + ("\n" + rest if rest else ""))


def survivors_report(chapter: str, mutants: list[Mutant], judgements: dict, source: str) -> str:
    survivors = [m for m in mutants if m.status == SURVIVED]
    lines = [f"# Surviving mutants of {chapter}", "",
             f"Generated by benchmarks/mutation.py from {source}: {len(survivors)} of {len(mutants)} mutants "
             "survive the visible and hidden test cells. Each: the function, mutmut's diff, and the judgement "
             "(*equivalent*: why no valid input tells it apart; *not equivalent*: an input on which it "
             "breaks the contract, i.e. a test to add).", ""]
    for m in survivors:
        j = judgement(chapter, m, judgements)
        verdict = f"**{j['verdict']}**: {j['reason'].strip()}" if j else "**not yet judged**"
        lines += [f"## `{m.function}` ({m.name.rpartition('.')[2]})", "", "```diff", m.diff, "```", "",
                  verdict, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter ids (default: all)")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut workers (the machine is shared)")
    parser.add_argument("--mutants-dir", type=Path, help="also write <dir>/<chapter>.md with the survivors")
    parser.add_argument("--no-results", action="store_true", help="do not rewrite benchmarks/RESULTS.md")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="read the chapters from this checkout (e.g. a colleague's worktree; read only)")
    parser.add_argument("--scratch", type=Path, default=SCRATCH, help="where the mutmut projects go")
    parser.add_argument("--report-only", action="store_true",
                        help="no mutmut run: rewrite the reports from the last runs and the judgements")
    args = parser.parse_args()
    judgements = load_judgements()
    wanted = [c.id for c in find_chapters(args.root, args.chapters)]
    if not args.report_only:
        for chapter in find_chapters(args.root, wanted):
            mutants, seconds = run_chapter(chapter, args.max_children, args.scratch)
            print(f"{chapter.id}: {len(mutants)} mutants, {sum(m.status == KILLED for m in mutants)} killed, "
                  f"{sum(m.status == SURVIVED for m in mutants)} survived, {seconds:.0f} s", flush=True)
    runs = saved_runs(args.root, args.scratch)
    for chapter, (mutants, _, source) in runs.items():
        if args.mutants_dir and chapter in wanted:
            args.mutants_dir.mkdir(parents=True, exist_ok=True)
            (args.mutants_dir / f"{chapter}.md").write_text(survivors_report(chapter, mutants, judgements, source))
    section = results_section(runs, judgements)
    print(section)
    if not args.no_results:
        write_results(section)


if __name__ == "__main__":
    main()
