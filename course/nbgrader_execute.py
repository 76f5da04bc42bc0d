"""nbgrader's Execute preprocessor with lost kernel messages recovered (``course.execution``).

Named in ``nbgrader_config.py`` wherever nbgrader runs notebooks: autograde and the solutions.
Kept apart from ``course.execution`` because importing nbgrader takes seconds that
``course.notebooks.execute`` need not pay.
"""
from nbgrader.preprocessors import Execute as _NbgraderExecute

from .execution import LostMessageRecovery


class Execute(LostMessageRecovery, _NbgraderExecute):
    """nbgrader's ``Execute``, configured as usual through ``c.Execute``; each recovery is
    logged with ``course.execution.RECOVERED_TAG``."""
