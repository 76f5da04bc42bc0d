"""nbgrader's ``Gradebook``, as every course process opens one.

nbgrader stamps each new gradebook with the newest revision of its database schema, which it
learns by running the ``alembic heads`` program (``nbgrader.api.get_alembic_version``): a second
Python process that loads alembic and every migration script, about 3½ s of CPU for each new
gradebook. Importing this module has nbgrader put the same question to alembic's Python API about
the same scripts, in this process (a tenth of a second): every new gradebook, made by the
course's code or by an nbgrader command started through ``course.nbgrader_run``, gets the same
stamp without the program.
"""
from functools import cache

import nbgrader.api
from alembic.config import Config
from alembic.script import ScriptDirectory
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.dbutil import ALEMBIC_DIR

__all__ = ["Gradebook", "MissingEntry", "alembic_head"]


@cache
def alembic_head() -> str:
    """The head revision of nbgrader's migration scripts (what ``alembic heads`` prints first).
    Raises ``alembic.util.CommandError`` if the scripts have several heads."""
    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


nbgrader.api.get_alembic_version = alembic_head
