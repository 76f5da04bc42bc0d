"""nbgrader's cell metadata checks with its schema checked once (course/cell_metadata.py): the same
verdict and error as jsonschema's own `validate`, for right and wrong metadata and schemas."""
import json
from pathlib import Path

import jsonschema
import nbgrader.nbgraderformat
import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from course import cell_metadata
from tests.conftest import CHAPTERS

SCHEMA = json.loads((Path(nbgrader.nbgraderformat.__file__).parent / "v3.json").read_text())
GOOD = {"grade": True, "grade_id": "test_mse", "locked": True, "points": 2, "schema_version": 3, "solution": False,
        "task": False}


def verdict(validate, instance, schema):
    """What a validation function says: None, or the class, message and path of its error."""
    try:
        validate(instance, schema)
    except jsonschema.exceptions.ValidationError as error:
        return type(error), error.message, list(error.absolute_path)
    return None


@pytest.mark.parametrize("change", [{}, {"points": "two"}, {"grade_id": 3}, {"locked": "yes"}, {"extra": 1},
                                   {"points": -1}, {"grade": None}])
def test_the_same_verdict_as_jsonschema(change):
    metadata = {**GOOD, **change}
    expected = verdict(jsonschema.validate, metadata, SCHEMA)
    assert verdict(cell_metadata.validate, metadata, SCHEMA) == expected
    assert (expected is None) == (change == {})  # each change breaks the schema, as jsonschema says


def test_a_broken_schema_is_refused_every_time():
    broken = {**SCHEMA, "type": 12}
    for _ in range(2):
        with pytest.raises(jsonschema.exceptions.SchemaError):
            cell_metadata.validate(GOOD, broken)


def test_nbgraders_validator_uses_it_and_each_schema_is_checked_once(monkeypatch):
    checks = []
    kind = jsonschema.validators.validator_for(SCHEMA)
    monkeypatch.setattr(kind, "check_schema", classmethod(lambda cls, schema: checks.append(schema)))
    monkeypatch.setattr(cell_metadata, "_VALIDATORS", {})
    source = nbformat.read(CHAPTERS[0].source, as_version=4)
    MetadataValidator().validate_nb(source)
    MetadataValidator().validate_nb(source)
    assert len(checks) == 1
    cell = next(c for c in source.cells if "nbgrader" in c.metadata)
    cell.metadata.nbgrader["points"] = "many"
    with pytest.raises(jsonschema.exceptions.ValidationError, match="'many' is not of type 'number'"):
        MetadataValidator().validate_nb(source)
