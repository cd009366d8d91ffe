"""Warnings raised by gmmlib."""


class GmmlibWarning(UserWarning):
    """Base class of every warning gmmlib raises."""


class ConvergenceWarning(GmmlibWarning):
    """EM stopped at ``max_iter`` before the lower bound changed by less than ``tol``."""


class FeatureNamesWarning(GmmlibWarning):
    """The data's column names (or their absence) differ from those the model was fitted with."""


class EmptyComponentWarning(GmmlibWarning):
    """A fitted component holds (almost) no responsibility: it is dead, and EM cannot revive it."""


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted estimator was called before ``fit``."""
