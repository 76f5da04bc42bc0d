"""nbgrader's Execute preprocessor with lost kernel messages recovered (``course.execution``)
and the time of its phases kept (``course.timing``).

Named in ``nbgrader_config.py`` wherever nbgrader runs notebooks: autograde and the solutions.
Kept apart from ``course.execution`` because importing nbgrader takes seconds that
``course.notebooks.execute`` need not pay.
"""
from nbgrader.preprocessors import Execute as _NbgraderExecute

from .execution import LostMessageRecovery
from .timing import PhaseTimes


class Execute(PhaseTimes, LostMessageRecovery, _NbgraderExecute):
    """nbgrader's ``Execute``, configured as usual through ``c.Execute``; each recovery is
    logged with ``course.execution.RECOVERED_TAG``; ``timings`` says where the time went."""
