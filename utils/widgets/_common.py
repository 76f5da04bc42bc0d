"""What every exploration app shares: showing an app (and not building it while nbgrader grades),
a figure outside pyplot, rendering it as PNG into an Output widget, and the message shown when a
student's function fails."""
from __future__ import annotations

import functools
import io
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np

from .. import autograding

__all__ = ["show", "NotBuilt", "not_built_while_grading", "new_figure", "png", "render",
           "failure_message", "default_error", "ErrorFunction"]

ErrorFunction = Callable[[np.ndarray, np.ndarray], float]


def show(app: Any) -> None:
    """Display ``app.view`` in the notebook, unless nbgrader is grading it."""
    if autograding():
        return
    from IPython.display import display

    display(app.view)


class NotBuilt:
    """What an app's factory returns while nbgrader grades the notebook (see
    :func:`not_built_while_grading`): nothing to display, nothing computed."""

    view = None

    def __repr__(self) -> str:
        return "NotBuilt(): apps are not built while nbgrader grades the notebook"


def not_built_while_grading(factory: Callable) -> Callable:
    """``factory`` (an app's builder), returning :class:`NotBuilt` instead of an app while
    nbgrader grades the notebook.

    ``show`` displays nothing then, so the app's controls, its first run of the student's
    functions and its first figure would be thrown away: a tenth to a half of a second of each
    graded notebook's time (the chapter-7 app trains a network).
    """
    @functools.wraps(factory)
    def build(*args: Any, **kwargs: Any) -> Any:
        return NotBuilt() if autograding() else factory(*args, **kwargs)

    return build


def new_figure(figsize: tuple[float, float] = (6.4, 4.0)):
    """A figure and its Axes outside pyplot, drawn by Agg whatever the notebook's backend.

    pyplot never sees it, so an inline backend does not show it a second time at the end
    of the cell: it appears only through the app's Output widget.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def png(figure) -> bytes:
    """The figure as PNG bytes: one Agg draw (the inline backend's tight bounding box would
    draw it twice, doubling the time a slider move takes to show)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def render(output: widgets.Output, figure, encode: Callable[[Any], bytes] = png) -> None:
    """Replace the Output's content with the current state of ``figure``.

    Outside IPython there is no front end to draw for (``display`` would print a repr to
    stdout), so nothing is rendered; the figure's artists stay up to date all the same.
    ``encode(figure)`` makes the PNG bytes: ``png`` by default, or a faster app-specific one.
    """
    from IPython import get_ipython
    from IPython.display import Image, display

    if get_ipython() is None:
        return
    image = Image(data=encode(figure), format="png")  # rendered before clearing: less flicker
    output.clear_output(wait=True)
    with output:
        display(image)


def failure_message(error: Exception, names: str) -> str:
    """What to tell the student when one of their functions fails inside an app."""
    if isinstance(error, NotImplementedError):
        return f"Implement {names} first: this app runs your own functions."
    return f"Your code ({names}) raised {type(error).__name__}: {error}"


def default_error() -> ErrorFunction:
    """scikit-learn's mean squared error (a library engine, not the course's answer)."""
    from sklearn.metrics import mean_squared_error

    return mean_squared_error
