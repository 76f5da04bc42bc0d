"""Instructor tooling for the course: checks, builds and grading around nbgrader.

Holds no answer to any exercise: answers live only in ``source/`` and ``solutions/``.
"""
