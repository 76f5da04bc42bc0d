"""nbgrader's Validate cannot be given the course's executor through configuration.

README ("No run waits out a time limit for a lost kernel message") says so; this test keeps it
true: if a newer nbgrader made ``Validator.preprocessors`` configurable, it fails, and the
students' ``nbgrader_config.py`` should then name ``course.nbgrader_execute.Execute`` there.
"""
from traitlets.config import Config


def test_validator_ignores_configured_preprocessors():
    from nbgrader.preprocessors import Execute as NbgraderExecute
    from nbgrader.validator import Validator

    config = Config()
    config.Validator.preprocessors = ["course.nbgrader_execute.Execute"]
    validator = Validator(config=config)

    assert not Validator.class_traits()["preprocessors"].metadata.get("config")
    assert validator.preprocessors[-1] is NbgraderExecute
