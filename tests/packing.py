"""Grading a chapter's catalogue with several variants packed into one notebook, soundly.

Grading one notebook per catalogue variant costs a kernel and a full run of the notebook each.
A *pack* is the solution notebook with up to one variant in each of several answer cells (the
other answers the solution's); WRONG and RIGHT variants go into separate packs. A packed WRONG
variant in answer X is caught iff X's own test cells (``own_tests(X)``) lose points; a pack of
RIGHT variants must keep every point of the notebook, as one RIGHT variant alone must.

Why a packed result means what the variant's own notebook would have meant. Nothing a variant
in answer Y does may reach the test cells of another answer X in its pack, nor X's variant;
a variant reaches other cells only through:

1. *what its cell does when it runs*: variants whose cell does anything at top level beyond
   imports, ``def``, ``class`` and constant assignments (patching ``utils.checks``, reassigning
   ``np.allclose``, calling anything, decorators or defaults that call, ``global`` anywhere)
   are graded alone (:func:`top_level_effects`, an AST check);
2. *what its functions change when called*, beyond their own objects: the global random state
   (``np.random.seed``, ``np.random.randn``: no notebook cell draws from it, but two variants
   in one pack could), numpy's error handling, the warning filters, reflection, or attributes
   and items of an object that is not their own (a class attribute shared by every instance, a
   module-level dict, a module): such a variant is graded alone
   (``tests.cell_flow.process_effects``, an AST check of every function body);
3. *the names it binds*: a name the variant binds that the solution's cell does not bind, and
   that some other code cell uses (unless it imports it just as that cell does: the same
   object), could shadow what that cell uses: such a variant is graded alone (:func:`shadowed`);
   two variants binding the same extra name never share a pack;
4. *the functions and classes of its answer*, and what they leave behind, in the cells that
   use them. Two measures of "X's test cells depend on Y", and X and Y share a pack only if by
   neither measure X's depend on Y or Y's on X (:func:`may_share`):
   - *probed*: the solution is graded with Y's cell as released (``raise NotImplementedError``);
     every test cell that loses points there runs Y's code (:func:`dependencies`), whichever
     way it gets there (a method of an object, a helper, a default argument);
   - *read*: a test cell whose code reaches Y by the names it reads, directly or through names
     that cells reaching Y bound or handed to Y's code (``tests.cell_flow``): this catches the
     calls a probe cannot see (an exception swallowed around the call, a call on a path the
     blank answer never reaches, a name of Y's cell that the release keeps as it is, an object
     Y's code may have changed in place);
   and a variant whose own code reads another answer's names (a RIGHT ``fit_logistic`` calling
   ``binary_cross_entropy``, which the solution's does not) never shares a pack with that
   answer's variants (``tests.cell_flow.answers_read``).

Two checks on every packed grading guard the rest. A pack is *spoilt* (:func:`spoilt`) when
grading it failed, a cell was stopped at its time limit, the kernel died or was restarted
(``course.kernel_crash``), a test cell lost points that no answer of the pack's variants
reaches, or (RIGHT packs) a cell wrote to stderr where the solution's did not (:func:`louder`);
its variants are then graded again one per notebook. And a packed variant that does not do
what its list says (a WRONG one keeping its points, a pack of RIGHT ones losing any) is graded
again alone, so that every failure is reported from the variant's own notebook, as before: a
pack can only hide a WRONG variant's escape or a RIGHT variant's loss by interference that the
four rules above exclude.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.grade import judge
from course.grading import NotebookScores, grade_notebooks, replace_answer, scratch_course
from course.notebooks import autograded_points
from tests.cell_flow import (answers_read, free_names, identifiers, notebook_data, process_effects, reaches,
                             reaching_test_cells)
from tests.warm_workers import warm_workers

NOTEBOOK_TIMEOUT = 300.0  # seconds: grade_notebooks' default budget of one notebook


def own_tests(answer: str) -> set[str]:
    """Grade ids of the test cells that check ``answer`` (where its mistakes must lose points)."""
    return {f"test_{answer}_visible", f"test_{answer}_hidden"}


# ---------------------------------------------------------------- what a variant's cell does

_INERT = (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.Tuple, ast.List, ast.Load,
          ast.UnaryOp, ast.USub, ast.UAdd, ast.BinOp, ast.BitOr, ast.Slice)


def _inert(node: ast.AST | None) -> bool:
    """An expression whose evaluation calls nothing: constants, names, dotted names,
    subscripts (``np.float64``, ``-1e-12``, ``list[int]``)."""
    return node is None or all(isinstance(n, _INERT) for n in ast.walk(node))


def _evaluated_at_definition(statement: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """What Python evaluates when it runs a ``def``: defaults and annotations."""
    arguments = statement.args
    every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs + [arguments.vararg, arguments.kwarg]
    return (arguments.defaults + arguments.kw_defaults + [statement.returns]
            + [a.annotation for a in every if a is not None])


def _statement_effects(statement: ast.stmt) -> list[str]:
    """What running ``statement`` at module or class level does beyond binding names."""
    line = f"line {statement.lineno}"
    if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names):
        return [f"{line}: import * (binds names unknown here)"]
    if isinstance(statement, (ast.Import, ast.ImportFrom, ast.Pass)):
        return []
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return []  # a docstring
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        simple = all(isinstance(t, ast.Name) for t in targets) and _inert(statement.value)
        return [] if simple else [f"{line}: assigns a computed value or to an attribute"]
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and statement.decorator_list:
        return [f"{line}: a decorator (a call at definition)"]
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        inert = all(_inert(x) for x in _evaluated_at_definition(statement))
        return [] if inert else [f"{line}: a default or annotation that calls"]
    if isinstance(statement, ast.ClassDef):
        found = [f"{line}: a class keyword"] if statement.keywords else []
        found += [f"{line}: a base that calls" for x in statement.bases if not _inert(x)]
        return found + [e for s in statement.body for e in _statement_effects(s)]
    return [f"{line}: {type(statement).__name__} at top level"]


def top_level_effects(code: str) -> list[str]:
    """What the cell ``code`` does when run beyond imports, ``def``, ``class`` and constant
    assignments (also ``global``/``nonlocal`` anywhere: a function that rebinds the
    notebook's names when called). Empty when nothing: the variant may share a notebook."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        return [f"does not parse: {error.msg}"]
    found = [e for s in tree.body for e in _statement_effects(s)]
    found += [f"line {n.lineno}: {type(n).__name__.lower()} statement" for n in ast.walk(tree)
              if isinstance(n, (ast.Global, ast.Nonlocal))]
    return found


def bound_names(code: str) -> set[str]:
    """Names a cell binds at top level (functions, classes, imports, assignments)."""
    names = {bound for bound, _, _ in imported(code)}
    for statement in ast.parse(code).body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def extra_names(code: str, solution_code: str) -> set[str]:
    """Names the variant ``code`` binds that the solution's cell does not."""
    return bound_names(code) - bound_names(solution_code)


def imported(code: str) -> set[tuple[str, str, str]]:
    """(bound name, module, imported name) of each name a cell binds by an import."""
    found = set()
    for statement in ast.parse(code).body:
        if isinstance(statement, ast.Import):
            found |= {(a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0], "")
                      for a in statement.names}
        elif isinstance(statement, ast.ImportFrom):
            found |= {(a.asname or a.name, "." * statement.level + (statement.module or ""), a.name)
                      for a in statement.names}
    return found


def used_names(code: str) -> set[str]:
    """Identifiers a cell's code uses or binds (every word, if it does not parse as Python)."""
    try:
        return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
    except SyntaxError:
        return identifiers(code)


def shadowed(code: str, solution_code: str, others: list[str]) -> set[str]:
    """Names the variant ``code`` binds beyond the solution's cell that the ``others`` cells
    use, except those it imports exactly as one of them does (the very same object)."""
    same_import = set().union(*map(_imports_or_none, others)) & imported(code)
    harmless = {bound for bound, _, _ in same_import}
    return (extra_names(code, solution_code) - harmless) & set().union(*map(used_names, others))


def _imports_or_none(code: str) -> set[tuple[str, str, str]]:
    try:
        return imported(code)
    except SyntaxError:
        return set()


# ---------------------------------------------------------------- which answers may share a notebook

def lost_cells(scores: NotebookScores, full: NotebookScores) -> set[str]:
    """Grade ids whose score in ``scores`` is below the score in ``full`` (the solution's)."""
    return {g for g, (s, _) in full.scores.items() if scores.scores.get(g, (0.0, 0.0))[0] < s}


def dependencies(probes: dict[str, NotebookScores], solution: NotebookScores,
                 probes_spoilt: set[str]) -> dict[str, set[str]]:
    """For each answer (``probes``: the solution graded with that answer as released), the
    test cells that depend on it: those that lose points without it. A probe that could not be
    graded cleanly (``probes_spoilt``) makes its answer depend on every test cell."""
    everything = set(solution.scores)
    return {answer: everything if answer in probes_spoilt else lost_cells(scores, solution)
            for answer, scores in probes.items()}


def may_share(x: str, y: str, depends: dict[str, set[str]]) -> bool:
    """Whether variants of answers ``x`` and ``y`` may go into one notebook: different answers,
    and neither's own test cells depend on the other."""
    return x != y and not own_tests(x) & depends[y] and not own_tests(y) & depends[x]


def pack(students: dict[str, str], helpers: dict[str, set[str]], depends: dict[str, set[str]],
         reads: dict[str, set[str]]) -> list[list[str]]:
    """Variants (student -> answer) into as few notebooks as first-fit finds, each holding
    variants that pairwise :func:`may_share`, bind no helper name (``helpers``) in common, and
    whose code reaches neither's answer (``reads``: student -> the answers its code reaches,
    ``tests.cell_flow.answers_read``)."""
    def fit(s: str, o: str) -> bool:
        return (may_share(students[s], students[o], depends) and not helpers[s] & helpers[o]
                and students[o] not in reads[s] and students[s] not in reads[o])

    packs: list[list[str]] = []
    for student in students:
        for group in packs:
            if all(fit(student, other) for other in group):
                group.append(student)
                break
        else:
            packs.append([student])
    return packs


# ---------------------------------------------------------------- grading, and what spoils a pack

def grade(chapter, submissions: dict, workdir: Path, course: Path) -> tuple[dict[str, NotebookScores], dict[str, str]]:
    """Grade ``submissions`` (student -> notebook) with the real engine (``grade_notebooks``, in
    ``course``, the chapter's scratch course, on this process's shared workers); the scores, and
    for each notebook why it cannot be trusted as a pack ("" when it can)."""
    results, _ = grade_notebooks(chapter.root, chapter, submissions, workdir, notebook_timeout=NOTEBOOK_TIMEOUT,
                                 course=course, executor=warm_workers())
    return results, {student: spoilt(scores.graded) for student, scores in results.items()}


def spoilt(graded) -> str:
    """Why a graded notebook (``course.engine.Graded``) cannot vouch for the variants packed in
    it, in the engine's words (``course.grade.judge``): nbgrader could not grade it, a cell was
    stopped at its time limit or the notebook at its budget, or the kernel died and was
    restarted (``course.kernel_crash``), which may cost later cells their points. "" when none
    of these happened. (A cell that is not a test raising is the variant's own doing: a later
    cell that needs what it should have defined depends on that answer.)"""
    outcome = judge(graded, NOTEBOOK_TIMEOUT)
    return "" if outcome.status == "graded" else outcome.reason or outcome.status


# ---------------------------------------------------------------- a chapter's catalogue, graded

@dataclass
class Cohort:
    """A chapter's catalogue graded: ``results`` maps "solution", "blank" and each variant's
    student name to the scores of the notebook that vouches for it (its pack, or its own);
    ``notebooks`` counts the notebooks graded; ``packs`` lists the packs graded (student names);
    ``alone`` the variants graded one per notebook, with why; ``probed`` the test cells that
    lose points with each answer blank (:func:`dependencies`), ``depends`` those and the test
    cells whose code reaches the answer (``tests.cell_flow.reaching_test_cells``)."""

    results: dict[str, NotebookScores]
    variants: dict
    points: float
    probed: dict[str, set[str]] = field(default_factory=dict)
    depends: dict[str, set[str]] = field(default_factory=dict)
    notebooks: int = 0
    packs: list[list[str]] = field(default_factory=list)
    alone: dict[str, str] = field(default_factory=dict)
    course: Path | None = None  # the chapter's scratch course, generated once for every round


def answer_cells(nb) -> dict[str, str]:
    """Source of each answer cell, by grade id."""
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def why_alone(code: str, answer: str, source) -> str:
    """Why a variant must be graded in a notebook of its own ("" when it may be packed)."""
    effects = top_level_effects(code)
    if effects:
        return "top-level effects: " + "; ".join(effects[:2])
    effects = process_effects(code)
    if effects:
        return "changes what others see when called: " + "; ".join(effects[:2])
    data = (free_names(code) - free_names(answer_cells(source)[answer])) & notebook_data(source)
    if data:
        return f"uses the notebook's objects {sorted(data)}, which the solution's cell does not (it may change them)"
    others = [c.source for c in source.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id") != answer]
    names = shadowed(code, answer_cells(source)[answer], others)
    return f"binds names other cells use: {sorted(names)}" if names else ""


def packed_notebook(source, variants: dict, students: list[str]):
    """The solution notebook with each of ``students``' variants in its answer cell."""
    nb = source
    for student in students:
        nb = replace_answer(nb, variants[student].answer, variants[student].code)
    return nb


def stderr_cells_anywhere(scores: NotebookScores) -> set[int]:
    """Indices of the cells of a graded notebook that wrote to stderr, test cells or not."""
    nb = nbformat.reads(scores.graded.notebook.decode("utf-8"), as_version=4)
    return {i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in c.outputs)}


def louder(scores: NotebookScores, solution: NotebookScores) -> str:
    """Why a pack of RIGHT variants cannot vouch for them when its cells wrote to stderr where
    the solution's did not, even outside test cells: Python shows a warning once per line
    number of ``__main__`` (its ``__warningregistry__``), so one variant's warning may hide
    another's in a test cell, which alone would score zero. "" when no cell did."""
    if scores.graded is None or scores.graded.notebook is None:
        return "no graded notebook"
    louder_cells = stderr_cells_anywhere(scores) - stderr_cells_anywhere(solution)
    return f"cells {sorted(louder_cells)} wrote to stderr, the solution's did not" if louder_cells else ""


def caught(scores: NotebookScores, answer: str) -> bool:
    """Whether a WRONG variant of ``answer`` lost points in its own test cells."""
    score, full = scores.points(own_tests(answer))
    return full > 0 and score < full


def unharmed(scores: NotebookScores, points: float) -> bool:
    """Whether a notebook kept all its ``points`` and wrote nothing to stderr in a test cell."""
    return scores.score == points and not scores.stderr_cells


def misbehaves(student: str, variants: dict, scores: NotebookScores, points: float) -> bool:
    """A packed variant's notebook shows what its list says it must not: a WRONG variant keeping
    its own tests' points, a RIGHT one in a notebook that lost any point or wrote to stderr."""
    if student.startswith("wrong"):
        return not caught(scores, variants[student].answer)
    return not unharmed(scores, points)


def students_of(wrong: list, right: list) -> dict:
    """The variants by student name: "wrongNN" and "rightNN", numbered in list order."""
    return {f"wrong{i:02d}": v for i, v in enumerate(wrong)} | {f"right{i:02d}": v for i, v in enumerate(right)}


def grade_catalogue(chapter, wrong: list, right: list, workdir: Path, packed: bool = True) -> Cohort:
    """Grade the solution, the blank release and every variant of ``wrong`` and ``right``
    (catalogue ``Variant``s) of ``chapter``, packed as the module says; with ``packed`` false,
    one notebook per variant (as the suite did before packing), in one round."""
    source = nbformat.read(chapter.source, as_version=4)
    released = answer_cells(nbformat.read(chapter.release, as_version=4))
    variants = students_of(wrong, right)
    cohort = Cohort({}, variants, autograded_points(source))
    if not packed:
        cohort.alone = {s: "packing switched off" for s in variants}
        cohort.results, _ = _graded(cohort, chapter, {"solution": chapter.source, "blank": chapter.release} | {
            s: replace_answer(source, v.answer, v.code) for s, v in variants.items()}, workdir / "single")
        return cohort
    cohort.alone = {s: why for s, v in variants.items() if (why := why_alone(v.code, v.answer, source))}
    packable = [s for s in variants if s not in cohort.alone]
    answers = sorted({variants[s].answer for s in packable})

    # First round: solution, blank, one probe per answer, and the variants that go alone.
    first = {"solution": chapter.source, "blank": chapter.release}
    first |= {f"probe_{a}": replace_answer(source, a, released[a]) for a in answers}
    first |= {s: replace_answer(source, variants[s].answer, variants[s].code) for s in cohort.alone}
    results, spoilt_of = _graded(cohort, chapter, first, workdir / "first")
    cohort.probed = dependencies({a: results[f"probe_{a}"] for a in answers}, results["solution"],
                                 {a for a in answers if spoilt_of[f"probe_{a}"]})
    read = reaching_test_cells(source)
    depends = cohort.depends = {a: cohort.probed[a] | read.get(a, set()) for a in answers}
    cohort.results |= {k: results[k] for k in ["solution", "blank", *cohort.alone]}

    # Second round: the packs, WRONG and RIGHT apart.
    solution_cells = answer_cells(source)
    carries, _ = reaches(source)
    helpers = {s: extra_names(variants[s].code, solution_cells[variants[s].answer]) for s in packable}
    reads = {s: answers_read(variants[s].code, carries) - {variants[s].answer} for s in packable}
    cohort.packs = [group for kind in ("wrong", "right") for group in
                    pack({s: variants[s].answer for s in packable if s.startswith(kind)}, helpers, depends, reads)]
    named = {"+".join(group): group for group in cohort.packs}
    results, spoilt_of = _graded(cohort, chapter, {n: packed_notebook(source, variants, g) for n, g in named.items()},
                                 workdir / "packs")

    # Third round: alone, each variant of a spoilt pack and each that misbehaved in its pack.
    again = {}
    for name, group in named.items():
        allowed = set().union(*(depends[variants[s].answer] for s in group))
        leaked = lost_cells(results[name], cohort.results["solution"]) - allowed
        why = spoilt_of[name] or (f"test cells {sorted(leaked)} lost points" if leaked else "")
        if group[0].startswith("right"):
            why = why or louder(results[name], cohort.results["solution"])
        for student in group:  # a "pack" of one is the variant's own notebook: its result stands
            if len(group) > 1 and (why or misbehaves(student, variants, results[name], cohort.points)):
                again[student] = why or "misbehaved in its pack"
            else:
                cohort.results[student] = results[name]
    if again:
        cohort.alone |= again
        results, _ = _graded(cohort, chapter, {s: replace_answer(source, variants[s].answer, variants[s].code)
                                               for s in again}, workdir / "again")
        cohort.results |= results
    return cohort


def _graded(cohort: Cohort, chapter, submissions: dict, workdir: Path):
    """Grade one round of the cohort, in the chapter's scratch course made by its first round."""
    cohort.notebooks += len(submissions)
    if cohort.course is None:
        cohort.course = scratch_course(chapter.root, [chapter], workdir.parent / "template")
    return grade(chapter, submissions, workdir, cohort.course)
