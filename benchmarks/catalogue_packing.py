"""What packing catalogue variants into shared notebooks (tests/packing.py) saves the test suite,
against one notebook per variant, measured side by side on the same chapters.

    .venv/bin/python benchmarks/catalogue_packing.py [--chapters ID ...]

For each chapter (default: chapter 1), its catalogue is graded both ways by
``tests.packing.grade_catalogue`` through the real engine (``course.grading.grade_notebooks``,
as many workers as cores): *one per notebook* (``packed=False``: the solution, the blank
release and every variant in its own notebook, as the suite did before) and *packed*; the
order of the two alternates from chapter to chapter. Both must reach the same verdict on every variant (WRONG ones lose points in their
own tests, RIGHT ones keep every point). Prints a Markdown table: notebooks graded and wall
seconds each way, and the ratio, measured in the same run.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests package holds the catalogues and the packing

from course.notebooks import autograded_points, chapters  # noqa: E402
from tests.catalogue import load  # noqa: E402
from tests.packing import grade_catalogue, misbehaves  # noqa: E402


def verdicts(results: dict, variants: dict, points: float) -> dict[str, bool]:
    """Whether each variant did what its list says (WRONG caught, RIGHT unharmed)."""
    return {s: not misbehaves(s, variants, results[s], points) for s in variants}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", nargs="*", default=["ch01_linear_regression"])
    args = parser.parse_args()
    rows = ["| chapter | variants | notebooks one per variant | notebooks packed | s one per variant | s packed | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for turn, chapter in enumerate(c for c in chapters(ROOT) if c.id in args.chapters):
        wrong, right = load(chapter.id)
        points = autograded_points(nbformat.read(chapter.source, as_version=4))
        seconds, found, notebooks = {}, {}, {}
        with tempfile.TemporaryDirectory() as tmp:
            for way in (("single", "packed") if turn % 2 == 0 else ("packed", "single")):
                start = time.perf_counter()
                cohort = grade_catalogue(chapter, wrong, right, Path(tmp) / way, packed=way == "packed")
                seconds[way] = time.perf_counter() - start
                found[way] = verdicts(cohort.results, cohort.variants, points)
                notebooks[way] = cohort.notebooks
        if found["single"] != found["packed"]:
            differ = sorted(s for s in found["single"] if found["single"][s] != found["packed"][s])
            print(f"{chapter.id}: the two ways disagree on {differ}", file=sys.stderr)
            return 1
        rows.append(f"| {chapter.id} | {len(wrong) + len(right)} | {notebooks['single']} | {notebooks['packed']} "
                    f"| {seconds['single']:.0f} | {seconds['packed']:.0f} | {seconds['single'] / seconds['packed']:.2f}× |")
        print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
