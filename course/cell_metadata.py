"""nbgrader's check of each cell's grading metadata, with its JSON schema checked once per process.

nbgrader validates the ``nbgrader`` metadata of every cell with ``jsonschema.validate(metadata,
schema)`` (``nbgrader.nbgraderformat.common``), which first checks the schema itself against JSON
Schema's meta-schema: about a millisecond per cell, in each of the two passes over every graded
notebook, for a schema that ships with nbgrader. Importing this module points nbgrader's
validators at :func:`validate`, which checks each schema once per process and raises what
``jsonschema.validate`` raises.
"""
import json
import types

import jsonschema
import nbgrader.nbgraderformat.common
from jsonschema.exceptions import best_match

_VALIDATORS: dict[str, object] = {}  # a schema (as JSON) -> its validator, the schema checked


def validate(instance, schema: dict) -> None:
    """``jsonschema.validate(instance, schema)`` for a ``schema`` as loaded from JSON (nbgrader's
    own; a schema holding tuples, sets or non-string keys may share a cache entry with another),
    the schema checked (``SchemaError``) and its validator made the first time this process sees
    it. Raises the ``ValidationError`` that ``jsonschema.validate`` raises
    (``jsonschema.exceptions.best_match`` of the errors)."""
    key = json.dumps(schema, sort_keys=True)
    validator = _VALIDATORS.get(key)
    if validator is None:
        kind = jsonschema.validators.validator_for(schema)
        kind.check_schema(schema)
        validator = _VALIDATORS[key] = kind(schema)
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


# nbgrader's module calls `jsonschema.validate` and nothing else of jsonschema by that name.
nbgrader_jsonschema = types.SimpleNamespace(validate=validate)
nbgrader.nbgraderformat.common.jsonschema = nbgrader_jsonschema
