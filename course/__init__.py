"""Instructor tooling for the course: checks, builds and grading around nbgrader.

Holds no answer to any exercise: answers live only in ``source/`` and ``solutions/``.
"""
import sys

# jsonschema (under nbformat and nbgrader) imports `rfc3987_syntax`, when installed, only to
# check the "iri" string format, which no notebook or nbgrader schema uses; that module builds
# some 35 grammar parsers at import, above a second of CPU in every process of the course's
# tools and grading workers (upstream: python-jsonschema/jsonschema#1428). Marked as absent,
# jsonschema leaves that one format unchecked and imports in a fraction of the time.
sys.modules.setdefault("rfc3987_syntax", None)
