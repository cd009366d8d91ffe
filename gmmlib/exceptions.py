"""Warnings raised by gmmlib."""


class GmmlibWarning(UserWarning):
    """Base class of every warning gmmlib raises."""


class ConvergenceWarning(GmmlibWarning):
    """EM stopped at ``max_iter`` before the lower bound changed by less than ``tol``."""


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted estimator was called before ``fit``."""
