"""Which answers a notebook's cells can reach, read from their code (for tests/packing.py).

A cell *reaches* an answer when running it may run that answer's code or see what that code
left behind: it reads a name the answer's cell binds, or a name bound by a cell that reached
the answer (an exploration cell's ``model`` trained with the student's ``Linear``, a test
cell's ``layer``), or an object of the notebook's that a cell reaching the answer handed to it
(code may change an object in place). This is what the code says, whatever it does at run
time: a call whose exception is swallowed, or that returns without raising, still counts.

The analysis is conservative where Python leaves it open: a function's body reads the names
it does not bind as it runs, so they count as read by the cell that defines it, and a name
bound several times carries what every binding carried.
"""
from __future__ import annotations

import ast
import re

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# numpy.random's own objects: everything else in it draws from, or seeds, the global state.
_OWN_STATE_RANDOM = {"default_rng", "Generator", "SeedSequence", "BitGenerator", "PCG64", "PCG64DXSM",
                     "Philox", "SFC64", "MT19937", "RandomState"}
# Calls that change what the whole process does afterwards (error handling, warnings, printing).
_PROCESS_SETTINGS = {("np", "seterr"), ("np", "seterrcall"), ("np", "set_printoptions"), ("np", "setbufsize"),
                     ("warnings", "filterwarnings"), ("warnings", "simplefilter"), ("warnings", "resetwarnings")}
_REFLECTION = {"setattr", "delattr", "globals", "vars", "exec", "eval", "compile", "__import__"}


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except SyntaxError:
        return None


def _stored(node: ast.AST) -> set[str]:
    """Names ``node`` binds anywhere in its subtree (assignment targets, loop variables...)."""
    found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
    found |= {n.name for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    found |= {a.asname or a.name.split(".")[0] for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))
              for a in n.names}
    return found


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    a = function.args
    return {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if x is not None}


def _locals(function) -> set[str]:
    """A function's own names: its parameters and whatever its body binds."""
    body = function.body if isinstance(function.body, list) else [function.body]
    return _parameters(function) | set().union(*map(_stored, body))


class _Reads:
    """The names a block of statements reads before binding them, in execution order."""

    def __init__(self):
        self.found: set[str] = set()

    def expression(self, node: ast.AST | None, bound: set[str]) -> None:
        if node is None:
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id not in bound:
                self.found.add(node.id)
        elif isinstance(node, _FUNCTIONS):
            self.definition(node, bound)
        elif isinstance(node, _COMPREHENSIONS):
            inner = bound | set().union(*(_stored(g.target) for g in node.generators))
            for child in ast.iter_child_nodes(node):
                self.expression(child, inner)
        else:
            for child in ast.iter_child_nodes(node):
                self.expression(child, bound)

    def definition(self, node, bound: set[str]) -> None:
        """What Python evaluates at a ``def``/``lambda`` (decorators, defaults, annotations) now;
        the body later, with the names bound so far (it may also see later ones: conservative)."""
        arguments = node.args
        for part in arguments.defaults + [d for d in arguments.kw_defaults if d is not None]:
            self.expression(part, bound)
        for part in getattr(node, "decorator_list", []) + [getattr(node, "returns", None)]:
            self.expression(part, bound)
        inner = bound | _locals(node)
        if isinstance(node, ast.Lambda):
            self.expression(node.body, inner)
        else:
            self.block(node.body, set(inner))

    def block(self, body: list[ast.stmt], bound: set[str]) -> None:
        """Each statement's reads, then its bindings; ``bound`` grows as the block runs."""
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.definition(statement, bound)
            elif isinstance(statement, ast.ClassDef):
                for part in statement.decorator_list + statement.bases + [k.value for k in statement.keywords]:
                    self.expression(part, bound)
                self.block(statement.body, set(bound))
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                self.expression(statement.value, bound)
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:  # obj.attr = / obj[key] = read obj and key
                    for part in ast.walk(target):
                        if isinstance(part, (ast.Attribute, ast.Subscript)):
                            self.expression(part.value, bound)
                            self.expression(getattr(part, "slice", None), bound)
            elif isinstance(statement, ast.AugAssign):  # x += 1 reads x
                self.expression(statement.value, bound)
                target = statement.target
                self.expression(ast.Name(target.id, ast.Load()) if isinstance(target, ast.Name) else target, bound)
            elif isinstance(statement, (ast.For, ast.AsyncFor)):
                self.expression(statement.iter, bound)
                bound |= _stored(statement.target)
                self.block(statement.body, bound)
                self.block(statement.orelse, bound)
            elif isinstance(statement, (ast.If, ast.While)):
                self.expression(statement.test, bound)
                self.block(statement.body, bound)
                self.block(statement.orelse, bound)
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                for item in statement.items:
                    self.expression(item.context_expr, bound)
                    if item.optional_vars is not None:
                        bound |= _stored(item.optional_vars)
                self.block(statement.body, bound)
            elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
                self.block(statement.body, bound)
                for handler in statement.handlers:
                    self.expression(handler.type, bound)
                    self.block(handler.body, bound | ({handler.name} if handler.name else set()))
                self.block(statement.orelse, bound)
                self.block(statement.finalbody, bound)
            else:  # expressions, return, assert, raise, del, import, global...
                self.expression(statement, bound)
            bound |= _stored(statement)


def free_names(code: str) -> set[str]:
    """Names the cell ``code`` reads from the notebook's namespace: those it uses before it
    binds them itself (a function's body counts where the function is defined, less its own
    parameters and locals). Every identifier in it when it does not parse."""
    tree = _parse(code)
    if tree is None:
        return identifiers(code)
    reads = _Reads()
    reads.block(tree.body, set())
    return reads.found


def identifiers(code: str) -> set[str]:
    """Every word of ``code`` that could be a Python name (for code that does not parse)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))


def bindings(code: str) -> dict[str, str]:
    """The names a cell binds in the notebook's namespace, each with how: "import",
    "definition" (``def``/``class``) or "data" (any other binding: assignments, loop variables,
    ``with ... as``). Empty when it does not parse."""
    tree = _parse(code)
    return _bindings_in(tree.body) if tree is not None else {}


def _bindings_in(body: list[ast.stmt]) -> dict[str, str]:
    found: dict[str, str] = {}
    for statement in body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            found.update({a.asname or a.name.split(".")[0]: "import" for a in statement.names})
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[statement.name] = "definition"
        else:
            for part in ast.iter_child_nodes(statement):
                if not isinstance(part, (ast.stmt, ast.excepthandler)):
                    found.update({n: "data" for n in _stored(part)})
            for handler in getattr(statement, "handlers", []):
                found.update({handler.name: "data"} if handler.name else {})
                found.update(_bindings_in(handler.body))
            for key in ("body", "orelse", "finalbody"):
                found.update(_bindings_in(getattr(statement, key, [])))
    return found


def reaches(nb) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Which answers the cells of ``nb`` (a solution notebook) reach, as the module says.

    Returns ``carries`` (name -> the answers its value may hold or have been through, for every
    name a code cell binds other than by an import) and ``tests`` (test cell's grade id -> the
    answers it reaches). Answer cells are those whose nbgrader metadata says ``solution``; test
    cells those that say ``grade`` and not ``solution``."""
    carries: dict[str, set[str]] = {}
    tests: dict[str, set[str]] = {}
    data: set[str] = set()
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        meta = cell.metadata.get("nbgrader", {})
        reads = free_names(cell.source)
        reached = {meta["grade_id"]} if meta.get("solution") else set()
        reached |= set().union(*(carries.get(n, set()) for n in reads))
        bound = bindings(cell.source)
        for name in [n for n, how in bound.items() if how != "import"]:
            carries[name] = carries.get(name, set()) | reached
        data |= {n for n, how in bound.items() if how == "data"}
        for name in reads & data:  # objects handed to code that reaches answers may change in place
            carries[name] |= reached
        if meta.get("grade") and not meta.get("solution"):
            tests[meta["grade_id"]] = reached
    return carries, tests


def reaching_test_cells(nb) -> dict[str, set[str]]:
    """For each answer of ``nb``, the grade ids of the test cells that reach it (:func:`reaches`)."""
    _, tests = reaches(nb)
    answers = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    return {a: {t for t, reached in tests.items() if a in reached} for a in answers}


def notebook_data(nb) -> set[str]:
    """Names the code cells of ``nb`` bind as data (:func:`bindings`)."""
    return {n for c in nb.cells if c.cell_type == "code" for n, how in bindings(c.source).items() if how == "data"}


def answers_read(code: str, carries: dict[str, set[str]]) -> set[str]:
    """The answers a variant's ``code`` reaches through the names it reads (``carries`` from
    :func:`reaches` on the solution notebook)."""
    return set().union(*(carries.get(n, set()) for n in free_names(code)))


def _dotted(node: ast.AST) -> tuple[str, ...]:
    """``np.random.seed`` -> ("np", "random", "seed"); () for anything but a dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return tuple(reversed(parts + [node.id])) if isinstance(node, ast.Name) else ()


def _root(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def process_effects(code: str) -> list[str]:
    """What the functions of ``code`` may change beyond their own objects when they are called
    (the cell's top level is :func:`tests.packing.top_level_effects`' business): the global
    random state (``np.random.seed``, ``np.random.randn``, the ``random`` module), numpy's
    error handling or printing, the warning filters, reflection (``setattr``, ``globals``,
    ``exec``...), and attributes or items of an object that is not the function's own (a
    parameter, ``self``, a local, or a name the cell binds itself: its classes and constants are
    the answer's own, reached only through it), such as a module or another cell's dict. Empty
    when none."""
    tree = _parse(code)
    if tree is None:
        return []
    cell_own = {n for n, how in _bindings_in(tree.body).items() if how != "import"}
    found = []
    for node in ast.walk(tree):
        name = _dotted(node) if isinstance(node, ast.Attribute) else ()
        if len(name) == 3 and name[:2] in (("np", "random"), ("numpy", "random")) and name[2] not in _OWN_STATE_RANDOM:
            found.append(f"line {node.lineno}: the global random state ({'.'.join(name)})")
        elif name[-2:] in _PROCESS_SETTINGS:
            found.append(f"line {node.lineno}: a process-wide setting ({'.'.join(name)})")
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and "random" in {
                a.name for a in node.names} | {getattr(node, "module", None)}:
            found.append(f"line {node.lineno}: the random module's global state")
        elif isinstance(node, ast.Name) and node.id in _REFLECTION:
            found.append(f"line {node.lineno}: {node.id}")
    for function in (n for n in ast.walk(tree) if isinstance(n, _FUNCTIONS)):
        body = function.body if isinstance(function.body, list) else []
        own = cell_own | _parameters(function) | {n for n, how in _bindings_in(body).items() if how != "import"}
        for node in ast.walk(function):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else (
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
            for target in targets:
                if isinstance(target, (ast.Attribute, ast.Subscript)) and _root(target) not in own:
                    found.append(f"line {node.lineno}: changes {_root(target) or 'an object'}, not its own")
    return found

