"""The EM loop, once: iterate E- and M-steps, record the lower bound, stop on ``tol``.

Every model in gmmlib that is fitted by EM passes its own steps to :func:`run_em`, as
scikit-learn's ``BaseMixture`` does with ``_e_step`` and ``_m_step``: :class:`gmmlib.GaussianMixture`
(its chunked sufficient statistics), :func:`gmmlib.map_adapt` (MAP adaptation of a UBM) and the
tracker's per-frame MAP-EM (:mod:`gmmlib.tracking`). Why the lower bound never decreases is derived
in ``notebooks/02_em_derivation.ipynb``.
"""

import dataclasses
import warnings

import numpy as np

from .exceptions import ConvergenceWarning


@dataclasses.dataclass
class EMRun:
    """The outcome of :func:`run_em`.

    Attributes
    ----------
    parameters : object
        The model's parameters after the last M-step.
    lower_bounds : list of float
        The lower bound the E-step returned at every iteration.
    converged : bool
        Whether the last change of the lower bound was below ``tol``.
    n_iter : int
        Iterations run (E-step and M-step each).
    lower_bound : float
        The last lower bound; ``previous_lower_bound`` when no iteration ran.
    history : list or None
        With ``record_history=True``: the parameters at the start and after every M-step.
    statistics : object
        What the last E-step returned for the M-step (None when no iteration ran).
    """

    parameters: object
    lower_bounds: list
    converged: bool
    n_iter: int
    lower_bound: float
    history: list | None
    statistics: object = None


def run_em(
    e_step, m_step, parameters, *, max_iter, tol, previous_lower_bound=-np.inf, record_history=False, on_iteration=None
):
    """Run EM from ``parameters`` until the lower bound changes by less than ``tol``.

    Each iteration runs the E-step, records its lower bound, then the M-step; EM has converged when
    that lower bound differs from the previous one by less than ``tol`` (checked after the
    iteration's M-step, as in scikit-learn), and stops at ``max_iter`` otherwise.

    Parameters
    ----------
    e_step : callable
        ``e_step(parameters) -> (statistics, lower_bound)``: what the M-step needs, and the
        objective EM climbs (e.g. the mean log-likelihood) at ``parameters``.
    m_step : callable
        ``m_step(statistics, parameters) -> parameters``: the maximiser given the statistics
        (``parameters`` are the current ones, e.g. for parameters held fixed).
    parameters : object
        The start, in whatever form the two steps agree on.
    max_iter : int
        Maximum number of iterations; 0 returns the start.
    tol : float
        Convergence threshold on the change of the lower bound; a negative value never
        converges (exactly ``max_iter`` iterations).
    previous_lower_bound : float, default=-inf
        The lower bound to compare the first iteration's with (a warm start passes the fitted
        one).
    record_history : bool, default=False
        Keep the parameters at the start and after every M-step in ``history``.
    on_iteration : callable or None, default=None
        ``on_iteration(n_iter, lower_bound, change)`` after each iteration (progress output).

    Returns
    -------
    EMRun

    Examples
    --------
    EM for the mean of one Gaussian reaches the sample mean in one M-step; the next two E-steps
    see the lower bound rise, then stay:

    >>> import numpy as np
    >>> from gmmlib.em_loop import run_em
    >>> x = np.array([1.0, 2.0, 6.0])
    >>> run = run_em(
    ...     e_step=lambda mean: (x.mean(), -0.5 * np.mean((x - mean) ** 2)),
    ...     m_step=lambda sample_mean, mean: sample_mean,
    ...     parameters=0.0, max_iter=10, tol=1e-9)
    >>> run.parameters, run.n_iter, run.converged
    (np.float64(3.0), 3, True)
    """
    history = [parameters] if record_history else None
    lower_bounds, converged, n_iter, statistics = [], False, 0, None
    previous = previous_lower_bound
    for n_iter in range(1, max_iter + 1):
        statistics, lower_bound = e_step(parameters)
        lower_bounds.append(lower_bound)
        parameters = m_step(statistics, parameters)
        if history is not None:
            history.append(parameters)
        change = lower_bound - previous
        if on_iteration is not None:
            on_iteration(n_iter, lower_bound, change)
        previous = lower_bound
        if abs(change) < tol:
            converged = True
            break
    return EMRun(parameters, lower_bounds, converged, n_iter, previous, history, statistics)


def warn_if_not_converged(run, what, max_iter, tol, stacklevel=3):
    """Issue a :class:`gmmlib.ConvergenceWarning` if ``run`` stopped at ``max_iter`` (``what`` names the fit)."""
    if not run.converged and max_iter > 0:
        warnings.warn(
            f"{what} did not converge in max_iter={max_iter} iterations (tol={tol}); "
            "increase max_iter or tol, or check the data",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
