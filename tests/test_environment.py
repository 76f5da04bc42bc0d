"""pyproject.toml and environment.yml pin the same versions."""
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
