"""Exploration apps: sliders that move the student's own code.

Every app comes in two parts:

- a plain function that does the mathematics by calling the functions the student wrote
  (passed in as arguments, so this library holds no answer), tested directly; and
- a thin class that wires ipywidgets controls to it and redraws one persistent matplotlib
  figure. Its attributes ``controls`` (name -> widget), ``figure``, the artists it updates
  and ``view`` (the box to display) let tests drive it headlessly by setting ``.value``.

Figures are made outside pyplot (so an inline backend does not show them a second time at
the end of the cell), drawn by Agg and shown as PNG images through an ``ipywidgets.Output``:
this works in plain JupyterLab, without ipympl.

Before the student has written the functions an app needs (nbgrader's stubs raise
``NotImplementedError``), the app says which ones to implement instead of failing. While
nbgrader grades a notebook (see ``autograding``), an app's factory builds nothing and returns a
``NotBuilt`` placeholder, and ``show`` displays nothing.

Apps (one module each)
----------------------
- ``ridge``, chapter 1: ``ridge_explorer`` (polynomial degree and ridge lambda; ``fitted_curve``).
- ``newton``, chapter 2: ``newton_explorer`` (gradient descent and Newton stepped side by side).
- ``logistic``, chapter 3: ``logistic_explorer`` (logistic regression trained live: learning rate,
  iterations, the decision boundary and the loss curve).
- ``playground``, chapter 4: ``playground`` (a network learning 2-D data live, trained by
  scikit-learn or by the student's own ``Module`` network).
- ``activations``, chapter 5: ``activation_explorer`` (per-layer statistics of a deep network).
- ``optimizers``, chapter 6: ``optimizer_explorer`` (the student's optimisers on 2-D surfaces).
- ``regularization``, chapter 7: ``regularization_explorer`` (dropout's p, L2's lambda and the
  patience of early stopping on one network's training and validation curves).
"""
from .. import autograding
from ._common import NotBuilt, show
from .activations import ActivationExplorer, activation_explorer
from .logistic import LogisticExplorer, logistic_explorer
from .newton import NewtonExplorer, newton_explorer
from .optimizers import OptimizerExplorer, optimizer_explorer
from .playground import Playground, playground
from .regularization import RegularizationExplorer, regularization_explorer
from .ridge import RidgeExplorer, fitted_curve, ridge_explorer

__all__ = ["autograding", "show", "NotBuilt", "fitted_curve", "RidgeExplorer", "ridge_explorer", "NewtonExplorer", "newton_explorer",
           "LogisticExplorer", "logistic_explorer", "ActivationExplorer", "activation_explorer",
           "Playground", "playground", "OptimizerExplorer", "optimizer_explorer",
           "RegularizationExplorer", "regularization_explorer"]
