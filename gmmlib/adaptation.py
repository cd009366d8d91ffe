"""Maximum a posteriori (MAP) adaptation of a universal background model (UBM).

A UBM is a GMM fitted on many speakers. A speaker's model is obtained by moving each UBM mean
towards that speaker's data as far as the data assigned to the component warrants (Reynolds,
Quatieri and Dunn 2000, "Speaker verification using adapted Gaussian mixture models"). With the
UBM's responsibilities ``gamma_ik`` for the speaker's frames ``x_i``,

    n_k = sum_i gamma_ik,    E_k = sum_i gamma_ik x_i / n_k,
    alpha_k = n_k / (n_k + r),
    mu_k <- alpha_k E_k + (1 - alpha_k) mu_k^UBM,

where the relevance factor ``r`` (16 in the paper) is the number of frames at which data and
prior weigh equally. This is one iteration of MAP-EM started at the UBM: the E-step's
responsibilities under the UBM, then the M-step under a Gaussian prior on each mean centred on the
UBM's with covariance ``Sigma_k / r``. Reynolds et al. stop after that one iteration, which is not
the posterior mode; further iterations (``n_iter``) climb towards it. Weights and covariances stay
the UBM's. Components the speaker
never visits keep the UBM means, which is why adapted models beat independently trained ones when
a speaker has little data. Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

import dataclasses
import functools

import numpy as np

from . import _validation as check
from .blocks import Blocks, is_dask_array
from .em_loop import run_em
from .exceptions import NotFittedError
from .mixture import GaussianMixture
from .statistics import Rows


def map_adapt(ubm, X, relevance_factor=16.0, n_iter=1, sample_weight=None):
    """Adapt the means of a fitted UBM to ``X``; return a new fitted GaussianMixture.

    Parameters
    ----------
    ubm : GaussianMixture
        Fitted (any covariance type; a uniform background component is kept as it is). Not
        modified.
    X : array-like of shape (n_samples, n_features)
        The target speaker's frames.
    relevance_factor : float, default=16.0
        ``r > 0``; small values trust the data, large ones the UBM.
    n_iter : int, default=1
        MAP-EM iterations. Reynolds et al. use one; further iterations recompute the
        responsibilities with the adapted means, always shrinking towards the UBM means.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Non-negative weight of each frame.

    Returns
    -------
    adapted : GaussianMixture
        Same parameters (``get_params``) as ``ubm``; ``means_`` adapted, every other parameter the
        UBM's. ``lower_bounds_`` holds the mean log-likelihood of ``X`` at the E-step of each
        iteration (the first is under the UBM), ``n_iter_ = n_iter`` and ``converged_ = True``
        (a fixed number of iterations; there is nothing to converge).

    Examples
    --------
    A UBM of two speakers' frames, adapted to 20 frames of a third: only the component the new
    frames visit moves, by ``alpha = n / (n + r)`` of the way to their mean.

    >>> import numpy as np
    >>> from gmmlib import GaussianMixture, map_adapt
    >>> rng = np.random.default_rng(0)
    >>> frames = np.vstack([rng.normal(-3, 1, (500, 1)), rng.normal(3, 1, (500, 1))])
    >>> ubm = GaussianMixture(2, random_state=0).fit(frames)
    >>> adapted = map_adapt(ubm, rng.normal(4, 1, (20, 1)), relevance_factor=16)
    >>> moved = np.abs(adapted.means_ - ubm.means_).ravel()
    >>> bool(moved.max() > 0.3 and moved.min() < 1e-6)
    True
    """
    if not isinstance(ubm, GaussianMixture):
        raise TypeError(f"ubm must be a fitted gmmlib.GaussianMixture, got {check._describe(ubm)}")
    if not hasattr(ubm, "means_"):
        raise NotFittedError("ubm is not fitted yet; call ubm.fit(X) first")
    X = ubm._validated(X)  # the UBM's number of features and, for a DataFrame, its column names
    check.check_scalar(relevance_factor, "relevance_factor", float, minimum=0, include_minimum=False)
    check.check_scalar(n_iter, "n_iter", int, minimum=1)
    sample_weight = check.check_sample_weight(sample_weight, X.shape[0], X.dtype)
    adapted = GaussianMixture(**ubm.get_params())
    prior_means = ubm.means_
    start = tuple(np.array(a) for a in (ubm._all_weights(), prior_means, ubm.covariances_, ubm.precisions_cholesky_))

    def map_means(stats, parameters):
        """The Reynolds update of the means; weights and covariances stay the UBM's."""
        weights, _, covariances, factors = parameters
        counts = stats.counts[: len(prior_means), None]
        # sum_i gamma_ik x_i = s_k + n_k c_k, the statistics being taken about the centres c_k.
        first_moments = stats.sums + counts * stats.centres
        means = (first_moments + relevance_factor * prior_means) / (counts + relevance_factor)
        return weights, means.astype(prior_means.dtype), covariances, factors

    # tol=-inf: exactly n_iter iterations, a fixed number with nothing to converge.
    run = run_em(
        functools.partial(adapted._e_step, (Blocks if is_dask_array(X) else Rows)(X, sample_weight)),
        map_means,
        start,
        max_iter=n_iter,
        tol=-np.inf,
        record_history=adapted.record_history,
    )
    adapted._set_fitted(
        dataclasses.replace(run, converged=True), ubm.n_features_in_, getattr(ubm, "feature_names_in_", None)
    )
    return adapted
