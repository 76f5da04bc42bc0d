"""Why students failed a test, in kinds an instructor can re-teach; and which tests look unfair.

A failing test cell prints the check helpers' structured message (``utils.checks``)::

    mse of arrays of shape (50,), entries of size 1: expected 0.98…
      got 49.1…
    Hint: average over the samples (np.mean), not the sum

that is *what was checked* (before the first ``": expected"`` / ``": returned"``), what went
wrong (expected and got), and a hint. Two students made the same mistake when the same check
failed in the same way with the same hint, whatever the numbers: so a kind is keyed on the
check's name with its numbers masked, the way it failed in words ("wrong value", "wrong
shape", …) and the hint. A test cell that raised something else (the student's code raising
``NameError``, ``NotImplementedError`` in a blank answer, a warning on stderr) is keyed on
the exception and its message, numbers masked as well.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

STOPPED = {"CellTimeoutError", "KeyboardInterrupt"}  # a cell interrupted at the time limit
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w])")
_HINT = "\nHint: "
_WHAT = re.compile(r": (?=expected |returned )")
# How a check failed, from the start of its message (utils.checks._fail), in the words shown.
_PROBLEMS = [
    (re.compile(r"^returned shape"), "wrong shape"),
    (re.compile(r"^returned dtype"), "wrong dtype"),
    (re.compile(r"^expected a NumPy array"), "not a NumPy array"),
    (re.compile(r"^expected numbers"), "not numbers"),
    (re.compile(r"^expected finite values"), "not finite (nan or inf)"),
    (re.compile(r"^expected (\w+) to be raised, but nothing was raised"), r"did not raise \1"),
    (re.compile(r"^expected (\w+), but (\w+) was raised"), r"raised \2 instead of \1"),
    (re.compile(r"^expected an? [\w. ]+?, got "), "wrong type"),
    (re.compile(r"\n\s*got |, got "), "wrong value"),
]
_WARNING = re.compile(r"\b(\w*Warning): (.*)")


def mask_numbers(text: str) -> str:
    """``text`` with every free-standing number replaced by ``#`` (``"shape (50, 3)"`` ->
    ``"shape (#, #)"``); digits inside names (``float64``, ``x1``) are kept."""
    return _NUMBER.sub("#", text)


@dataclass(frozen=True)
class Failure:
    """What one failing test cell printed.

    ``checked`` is what was checked (a check's name, or the exception the cell raised),
    ``problem`` how it failed in words, ``hint`` the check's hint (may be empty), ``message``
    the whole message as the student's feedback shows it (numbers and all)."""

    checked: str
    problem: str
    hint: str = ""
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two failures the same kind: numbers in ``checked`` do not count."""
        return mask_numbers(self.checked), self.problem, self.hint


def parse_check_message(text: str) -> Failure | None:
    """The parts of a ``utils.checks`` message (``"<checked>: expected …\\nHint: …"``), or
    ``None`` when ``text`` does not have that shape (a plain ``assert``, say)."""
    head, _, hint = text.partition(_HINT)
    split = _WHAT.search(head)
    if split is None:
        return None
    checked, what = head[:split.start()], head[split.end():]
    for pattern, words in _PROBLEMS:
        match = pattern.search(what)
        if match:
            problem = match.expand(words)
            break
    else:  # check_true: "expected <the property, in words>"
        problem = mask_numbers(what.splitlines()[0])
    return Failure(checked.strip(), problem, hint.strip(), text)


def failure_of(cell) -> Failure:
    """The failure shown by an autograded test cell that lost points (its outputs)."""
    outputs = cell.get("outputs", [])
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if errors:
        return failure_of_error(errors[0]["ename"], errors[0]["evalue"])
    stderr = "".join(o.get("text", "") for o in outputs
                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
    if stderr.strip():
        warning = _WARNING.search(stderr)
        first = f"{warning[1]}: {warning[2]}" if warning else stderr.strip().splitlines()[0]
        return Failure("the test cell", f"wrote to stderr: {mask_numbers(first)}", "",
                       stderr.strip())
    return Failure("the test cell", "lost its points without an error (did it run?)")


def failure_of_error(ename: str, evalue: str) -> Failure:
    """A failure from an exception's name and message (``evalue``)."""
    if ename in STOPPED:
        return Failure("the test cell", "stopped at the per-cell time limit", "", f"{ename}: {evalue}")
    parsed = parse_check_message(evalue) if ename in ("CheckFailed", "AssertionError") else None
    if parsed:
        return parsed
    first = evalue.strip().splitlines()[0] if evalue.strip() else ""
    if ename == "NotImplementedError" and not first:
        return Failure(ename, "not implemented (the answer cell is still blank)", "", ename)
    return Failure(ename, mask_numbers(first) or "(no message)", "", f"{ename}: {evalue}".strip())


def not_run(reason: str) -> Failure:
    """The failure of a test whose notebook was not graded (``reason`` says why)."""
    return Failure("the notebook", "was not graded", "", reason)


@dataclass
class Kind:
    """Students whose failures of one test are the same kind; ``example`` is the first's."""

    example: Failure
    students: list[str] = field(default_factory=list)
    variants: set[str] = field(default_factory=set)  # the distinct checked names seen

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def checked(self) -> str:
        """What was checked: the name itself, or with numbers masked when students differ."""
        return self.example.checked if len(self.variants) <= 1 else mask_numbers(self.example.checked)


def kinds(failures: list[tuple[str, Failure]]) -> list[Kind]:
    """(student, failure) pairs of one test grouped into kinds, the most common first (then in
    order of first appearance)."""
    grouped: dict[tuple[str, str, str], Kind] = {}
    for student, failure in failures:
        kind = grouped.setdefault(failure.key, Kind(failure))
        kind.students.append(student)
        kind.variants.add(failure.checked)
    return sorted(grouped.values(), key=lambda k: -k.count)


@dataclass
class Suspect:
    """A test that failed students who passed every other test of its chapter: the
    signature of a test that fails right answers."""

    test: str
    students: list[str]  # failed this test and no other
    peers: int           # students who passed every test but (possibly) this one


def suspects(passed: dict[str, dict[str, bool]]) -> list[Suspect]:
    """From ``passed[student][test]`` (one chapter, graded submissions only), each test that
    some student failed while passing all the others, the most such students first."""
    found = []
    tests = list(dict.fromkeys(t for row in passed.values() for t in row))
    for test in tests:
        peers = [s for s, row in passed.items() if all(ok for t, ok in row.items() if t != test)]
        alone = [s for s in peers if not passed[s].get(test, False)]
        if alone:
            found.append(Suspect(test, alone, len(peers)))
    return sorted(found, key=lambda s: -len(s.students))
