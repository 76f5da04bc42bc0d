"""The project's environment: pyproject.toml and environment.yml pin the same versions; the test
suite's scheduling list names scopes that exist."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_environment_yml_pins_what_pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    # The test extra names the hub extra by the project's own name: its pins count, not the name.
    tested = {p for p in extras["test"] if not p.startswith(project["name"] + "[")} | set(extras["hub"])
    assert f'{project["name"]}[hub]' in extras["test"]
    pinned = set(project["dependencies"]) | tested
    conda = {m.group(1) for m in re.finditer(r"^\s+- ([\w.-]+(?:\[[\w,-]+\])?==[\w.]+)\s*$", (ROOT / "environment.yml").read_text(), re.M)}
    assert pinned == conda
    assert all("==" in p for p in pinned), "every dependency is pinned to the tested version"


def test_the_longest_scopes_listed_first_exist():
    """tests/conftest.py's LONGEST_FIRST names test modules and classes that are there (a renamed
    one would silently lose its place at the front of the queue)."""
    import importlib

    from tests.conftest import LONGEST_FIRST, ROOT

    for scope in LONGEST_FIRST:
        path, _, klass = scope.partition("::")
        assert (ROOT / path).is_file(), scope
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert not klass or isinstance(getattr(module, klass, None), type), scope
