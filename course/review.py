"""A static scan of a submission for code a human should look at before trusting its score.

Test cells run in the grader's process (``course.trusted_tests``), out of reach of the
student's code, so such tricks no longer pay; a submission that tries them still deserves a
human's look. Names built from strings pass this scan (``tests/fixtures/cheating.py``,
``UNFLAGGED``). :func:`suspicious` reads the student's cells (answer
cells and any cell the student added or changed) for what an honest answer never needs:
tampering with modules, the interpreter or IPython, leaving the kernel, reading files or
starting programs.
It also reports test and read-only cells that differ from the assignment's source.

For example ``suspicious(submitted_nb, source_nb)`` may return
``["answer cell 'ols_fit' line 3: replaces a module's contents (sys.modules)"]``.
"""
from __future__ import annotations

import ast
import builtins
import re

# Python's built-in functions and types, which test cells call by name (len, range, bool...).
BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))
# Names whose use in a student's cell always deserves a look, with the reason in plain English.
SUSPICIOUS_NAMES = {
    "modules": "replaces a module's contents (sys.modules)",
    "__dict__": "edits an object's namespace directly (__dict__)",
    "get_ipython": "reaches into the IPython kernel (get_ipython)",
    "IPython": "reaches into the IPython kernel (IPython)",
    "builtins": "changes Python's built-ins",
    "__builtins__": "changes Python's built-ins",
    "SystemExit": "tries to stop the notebook (SystemExit)",
    "exit": "tries to stop the notebook (exit)",
    "quit": "tries to stop the notebook (quit)",
    "_exit": "kills the kernel (os._exit)",
    "kill": "sends a signal to a process (os.kill)",
    "abort": "kills the kernel (os.abort)",
    "open": "opens a file",
    "read_text": "reads a file",
    "read_bytes": "reads a file",
    "write_text": "writes a file",
    "write_bytes": "writes a file",
    "unlink": "deletes a file (unlink)",
    "rmtree": "deletes a folder (shutil.rmtree)",
    "mkdir": "creates a folder (mkdir)",
    "makedirs": "creates folders (os.makedirs)",
    "glob": "searches the file system (glob)",
    "sqlite3": "opens a database (sqlite3)",
    "subprocess": "starts another program (subprocess)",
    "system": "starts another program (os.system)",
    "ctypes": "uses raw memory access (ctypes)",
    "gc": "inspects live objects (gc)",
    "inspect": "inspects the caller's code or frames (inspect)",
    "_getframe": "inspects the caller's frame (sys._getframe)",
    "f_back": "inspects the caller's frame",
    "f_globals": "inspects the caller's frame",
    "f_locals": "inspects the caller's frame",
    "globals": "rebinds names of the notebook from inside a function (globals)",
    "vars": "reaches a namespace directly (vars)",
    "locals": "reaches a namespace directly (locals)",
    "__globals__": "reaches a function's global namespace (__globals__)",
    "__file__": "looks for the course's files (__file__)",
    "importlib": "reloads or re-imports modules (importlib)",
    "exec": "runs code built at run time (exec)",
    "eval": "runs code built at run time (eval)",
    "compile": "runs code built at run time (compile)",
    "setattr": "sets attributes by name (setattr)",
    "__setattr__": "sets attributes past their owner's rules (__setattr__)",
    "__delattr__": "deletes attributes past their owner's rules (__delattr__)",
    "__class__": "changes or reaches an object's class (__class__)",
    "ModuleType": "builds or alters a module (types.ModuleType)",
    "delattr": "deletes attributes by name (delattr)",
    "signal": "changes signal handling (signal)",
    "atexit": "registers code to run at exit (atexit)",
    "addaudithook": "installs an audit hook",
    "settrace": "traces execution (sys.settrace)",
    "__code__": "swaps what a function does (__code__)",
    "__defaults__": "changes a function's default arguments (__defaults__)",
    "__kwdefaults__": "changes a function's default arguments (__kwdefaults__)",
    "__closure__": "reaches into a function's closure (__closure__)",
    "cell_contents": "changes a function's closure (cell_contents)",
    "_implementation": "reaches into NumPy's function dispatch (_implementation)",
    "__getattribute__": "changes how attributes are looked up (__getattribute__)",
    "__import__": "changes how modules are imported (__import__)",
    "__bases__": "changes a class's bases (__bases__)",
    "integrity": "reaches into the grading guard (utils.integrity)",
    "socket": "opens a network connection (socket)",
    "urllib": "opens a network connection (urllib)",
    "requests": "opens a network connection (requests)",
    "threading": "starts threads that run between cells (threading)",
    "_thread": "starts threads that run between cells (_thread)",
    "setprofile": "traces execution (sys.setprofile)",
    "displayhook": "publishes a result outside a cell's last line (displayhook)",
    "warn_explicit": "raises a warning naming a file and line of its choosing (warnings.warn_explicit)",
    "BaseException": "raises what passes every `except Exception` (BaseException)",
    "remote": "reaches into the grader's conversation with the kernel (utils.remote)",
}
# Flagged only as the built-in functions (`eval(...)`), not as methods of the same name
# (`model.eval()`, `re.compile(...)`).
BUILTIN_ONLY = {"eval", "exec", "compile"}
# Modules whose attributes a student's cell must never assign to.
PROTECTED_MODULES = {"np", "numpy", "utils", "checks", "sys", "os", "plt", "matplotlib"}
# Strings naming the files that hold answers or hidden tests.
SUSPICIOUS_STRINGS = re.compile(r"\.ipynb|\.pct\.py|gradebook|\.db\b|source/|solutions/|catalogue")


def suspicious(nb, source=None) -> list[str]:
    """Plain-English reasons a human should look at the submission ``nb`` (empty when none).

    Parameters
    ----------
    nb : NotebookNode
        The submitted notebook.
    source : NotebookNode, optional
        The assignment's source notebook: when given, test and read-only cells that were edited
        or deleted are reported too (nbgrader grades the originals anyway).
    """
    found = []
    # The notebook's own code cells, as handed out: the instructor's code is not the student's.
    given = {c.source for c in source.cells if c.cell_type == "code" and not c.metadata.get("nbgrader")} \
        if source is not None else set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or (meta.get("grade") or meta.get("locked")) and not meta.get("solution"):
            continue
        if not meta.get("grade_id") and cell.source in given:
            continue
        where = f"answer cell {meta['grade_id']!r}" if meta.get("grade_id") else "a cell you added or changed"
        found += [f"{where} line {line}: {reason}" for line, reason in scan_code(cell.source)]
    if source is not None:
        found += edited_cells(nb, source)
    return found


def scan_code(code: str) -> list[tuple[int, str]]:
    """(line, reason) for each suspicious construct of one cell's code."""
    try:
        tree = ast.parse(_without_magics(code))
    except SyntaxError as error:
        return [(error.lineno or 0, f"does not parse ({error.msg}); read it by eye")]
    found = set()
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        name = _name_of(node)
        if name in BUILTIN_ONLY and isinstance(node, ast.Attribute) and _root_name(node) not in ("builtins", "__builtins__"):
            name = None
        if name in SUSPICIOUS_NAMES:
            found.add((line, SUSPICIOUS_NAMES[name]))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__del__":
            found.add((line, "runs code whenever the garbage collector runs, even inside a test cell (__del__)"))
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                base = _root_name(target)
                if isinstance(target, (ast.Attribute, ast.Subscript)) and base in PROTECTED_MODULES:
                    found.add((line, f"changes the module {base!r} (assigns to {ast.unparse(target)})"))
                elif isinstance(target, ast.Name) and target.id in PROTECTED_MODULES:
                    found.add((line, f"rebinds the name {target.id!r}"))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SUSPICIOUS_STRINGS.search(node.value):
            found.add((line, f"names a course file ({node.value[:40]!r})"))
    found |= {(line, f"rebinds Python's built-in {name!r} for the test cells after it")
              for line, name in _notebook_bindings(tree) if name in BUILTIN_NAMES}
    return sorted(found)


def _notebook_bindings(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, name) for each name a cell binds in the notebook's namespace, which the test cells
    share: assignments, loops, imports, definitions at the cell's top level, not inside them."""
    bound, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.append((node.lineno, node.name))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound += [(node.lineno, (a.asname or a.name).split(".")[0]) for a in node.names]
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.append((node.lineno, node.id))
        todo.extend(n for n in ast.iter_child_nodes(node) if not isinstance(n, ast.comprehension))
    return bound


def edited_cells(nb, source) -> list[str]:
    """Test and read-only cells of ``source`` that ``nb`` changed or lost."""
    submitted = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade_id")}
    found = []
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") or not (meta.get("grade") or meta.get("locked")):
            continue
        if meta["grade_id"] not in submitted:
            found.append(f"cell {meta['grade_id']!r} was deleted (graded from the original)")
        elif cell.cell_type == "code" and _visible_part(submitted[meta["grade_id"]]) != _visible_part(cell.source):
            found.append(f"cell {meta['grade_id']!r} was edited (graded from the original)")
    return found


def _visible_part(code: str) -> str:
    """A test cell's code without its hidden region (the student's copy never had it), and
    without the differences editors make on saving (Windows line endings, trailing spaces)."""
    visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", code, flags=re.S)
    return "\n".join(line.rstrip() for line in visible.splitlines()).strip()


SHELL_MAGICS = ("!", "%%bash", "%%sh", "%%script", "%system", "%sx", "%run", "%load")


def _without_magics(code: str) -> str:
    """Cell code that Python can parse: IPython's shell and file magics become an import the
    scan flags, other magics (``%timeit``, ``%matplotlib``) become ``pass``."""
    def plain(line: str) -> str:
        stripped = line.lstrip()
        indent = line[:len(line) - len(stripped)]
        if stripped.startswith(SHELL_MAGICS):
            return indent + "import subprocess"
        return indent + "pass" if stripped.startswith("%") else line
    return "\n".join(plain(line) for line in code.splitlines())


def _name_of(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.alias):
        return node.name.split(".")[0]
    return None


def _root_name(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None
