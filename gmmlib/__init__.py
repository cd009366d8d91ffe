"""gmmlib: Gaussian mixture models fitted with EM, exact, robust and explained in notebooks."""

from importlib.metadata import version

from .adaptation import map_adapt
from .em import e_step, log_weighted_densities, m_step
from .exceptions import ConvergenceWarning, EmptyComponentWarning, FeatureNamesWarning, GmmlibWarning, NotFittedError
from .gaussian import log_gaussian_density, precision_cholesky
from .mixture import GaussianMixture

__version__ = version("gmmlib")

__all__ = [
    "ConvergenceWarning",
    "EmptyComponentWarning",
    "FeatureNamesWarning",
    "GaussianMixture",
    "GmmlibWarning",
    "NotFittedError",
    "e_step",
    "log_gaussian_density",
    "log_weighted_densities",
    "m_step",
    "map_adapt",
    "precision_cholesky",
]
