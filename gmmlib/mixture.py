"""``GaussianMixture``: a scikit-learn-style estimator running gmmlib's EM equations."""

import functools
import inspect

import numpy as np
from scipy import linalg
from scipy.special import logsumexp

from . import _validation as check
from .em import log_weighted_densities_from_precision_cholesky, m_step
from .em_loop import run_em, warn_if_not_converged
from .exceptions import NotFittedError
from .gaussian import (
    covariances_from_precisions,
    full_covariance,
    n_covariance_parameters,
    precision_cholesky,
    precisions_from_cholesky,
)
from .initialization import kmeans, kmeans_plusplus, nearest_centre
from .statistics import accumulate_statistics, parameters_from_labels, parameters_from_statistics, single_threaded_blas

INIT_PARAMS = ("kmeans++", "kmeans", "random", "random_from_data")


class GaussianMixture:
    """Gaussian mixture model fitted by expectation-maximisation.

    scikit-learn's ``GaussianMixture`` interface and results (from the same start, the same
    parameters to rounding), plus per-sample weights, an optional uniform background component and
    a recorded parameter history. The equations are :func:`gmmlib.e_step` and
    :func:`gmmlib.m_step`, derived in ``notebooks/02_em_derivation.ipynb``; ``fit`` runs them chunk
    by chunk through sufficient statistics (:mod:`gmmlib.statistics`) in bounded memory.

    Parameters
    ----------
    n_components : int, default=1
        Number of Gaussian components.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    tol : float, default=1e-3
        EM stops when the mean log-likelihood (the lower bound) changes by less than ``tol``.
    reg_covar : float, default=1e-6
        Non-negative value added to the diagonal of every covariance.
    max_iter : int, default=100
        Maximum number of EM iterations per initialisation.
    n_init : int, default=1
        Number of initialisations; the one with the highest final lower bound is kept.
    init_params : {"kmeans++", "kmeans", "random", "random_from_data"}, default="kmeans++"
        How the starting responsibilities are chosen: each sample is assigned to the nearest
        k-means++ seed, k-means centre or randomly drawn sample, or given random soft
        responsibilities.
    weights_init : array-like of shape (n_components,), default=None
        Starting weights; (n_components + 1,) with a background, the background's last.
    means_init : array-like of shape (n_components, n_features), default=None
    precisions_init : array-like, default=None
        Starting precisions (inverse covariances) in scikit-learn's shapes.
    random_state : None, int or numpy.random.Generator, default=None
    warm_start : bool, default=False
        If True, a second ``fit`` starts from the fitted parameters (and ``n_init`` is ignored).
    verbose : int, default=0
        1 prints a line per initialisation (with a progress bar when ``n_init > 1``) and every
        ``verbose_interval`` iterations.
    verbose_interval : int, default=10
    background_volume : float or None, default=None
        Volume ``V`` of the region covered by a uniform background (clutter) component of density
        ``1 / V``, whose weight is learned; None for a plain mixture.
    record_history : bool, default=False
        If True, ``history_`` keeps the parameters after every iteration of the best run.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Mixing weights of the Gaussian components.
    background_weight_ : float
        Weight of the background component (0.0 without one); ``weights_.sum() +
        background_weight_ == 1``.
    means_ : ndarray of shape (n_components, n_features)
    covariances_, precisions_, precisions_cholesky_ : ndarray
        scikit-learn's shapes for ``covariance_type``.
    converged_ : bool
    n_iter_ : int
        EM iterations of the best run.
    lower_bound_ : float
        Mean log-likelihood (sample-weighted) at the last iteration of the best run.
    lower_bounds_ : list of float
        The lower bound at every iteration of the best run.
    history_ : list of dict
        Only with ``record_history=True``: ``weights``, ``means`` and ``covariances`` at the
        start and after each iteration.
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans++",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=10,
        background_volume=None,
        record_history=False,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.background_volume = background_volume
        self.record_history = record_history

    # -- scikit-learn's parameter protocol -------------------------------------------------------
    @classmethod
    def _parameter_names(cls):
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def get_params(self, deep=True):
        """Constructor arguments as a dict (``deep`` is accepted for scikit-learn)."""
        return {name: getattr(self, name) for name in self._parameter_names()}

    def set_params(self, **params):
        """Set constructor arguments; returns self."""
        valid = self._parameter_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for GaussianMixture; valid parameters: {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [
            f"{name}={value!r}" for name, value in self.get_params().items() if not _same(value, defaults[name].default)
        ]
        return f"GaussianMixture({', '.join(changed)})"

    def __sklearn_tags__(self):
        # Called only by scikit-learn, so importing it here adds no run-time dependency.
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type="density_estimator", target_tags=TargetTags(required=False))

    # -- fitting --------------------------------------------------------------------------------
    def _check_parameters(self, X):
        n_samples, n_features = X.shape
        check.check_scalar(self.n_components, "n_components", int, minimum=1)
        if self.n_components > n_samples:
            raise ValueError(f"n_components={self.n_components} must be <= n_samples={n_samples}")
        check.check_covariance_type(self.covariance_type)
        check.check_scalar(self.tol, "tol", float, minimum=0)
        check.check_scalar(self.reg_covar, "reg_covar", float, minimum=0)
        check.check_scalar(self.max_iter, "max_iter", int, minimum=0)
        check.check_scalar(self.n_init, "n_init", int, minimum=1)
        check.check_scalar(self.verbose, "verbose", int, minimum=0)
        check.check_scalar(self.verbose_interval, "verbose_interval", int, minimum=1)
        if self.init_params not in INIT_PARAMS:
            raise ValueError(
                f"init_params must be one of {', '.join(map(repr, INIT_PARAMS))}; "
                f"got {check._describe(self.init_params)}"
            )
        if self.background_volume is not None:
            check.check_scalar(self.background_volume, "background_volume", float, minimum=0, include_minimum=False)
        if self.weights_init is not None:
            check.check_weights(self.weights_init, self._n_columns, "weights_init")
        if self.means_init is not None:
            check.check_means(self.means_init, self.n_components, n_features, "means_init")
        if self.precisions_init is not None:
            check.check_covariance_matrices(
                self.precisions_init, self.covariance_type, self.n_components, n_features, "precisions_init"
            )
        check.check_random_state(self.random_state)

    @property
    def _n_columns(self):
        return self.n_components + (self.background_volume is not None)

    @property
    def _background_log_density(self):
        return None if self.background_volume is None else -float(np.log(self.background_volume))

    def fit(self, X, y=None, sample_weight=None):
        """Estimate the parameters by EM; the best of ``n_init`` runs is kept.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            float32 data is fitted in float32; other numeric data in float64.
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; an integer weight counts as that many repeated rows.

        Returns
        -------
        self : GaussianMixture
        """
        X = check.check_data(X)
        self._check_parameters(X)
        warm = self.warm_start and hasattr(self, "means_")
        if warm:
            self._check_warm_start(X)
        sample_weight = check.check_sample_weight(sample_weight, X.shape[0], X.dtype)
        if np.count_nonzero(sample_weight) < self.n_components:
            raise ValueError(
                f"sample_weight has {np.count_nonzero(sample_weight)} positive entries; "
                f"n_components={self.n_components} needs at least as many"
            )
        rng = check.check_random_state(self.random_state)
        n_init = 1 if warm else self.n_init
        best = None
        # One BLAS thread: the statistics run their chunks in parallel threads instead (gmmlib.statistics).
        with single_threaded_blas():
            for init in range(n_init):
                if warm:
                    start = (self._all_weights(), self.means_, self.covariances_, self.precisions_cholesky_)
                else:
                    start = self._initial_parameters(X, sample_weight, rng)
                run = self._run_em(
                    X,
                    sample_weight,
                    tuple(np.asarray(a, dtype=X.dtype) for a in start),
                    previous_lower_bound=self.lower_bound_ if warm else -np.inf,
                )
                if self.verbose:
                    bar = _progress_bar(init + 1, n_init) if n_init > 1 else ""
                    print(
                        f"Initialisation {init + 1}/{n_init} {bar}: mean log-likelihood "
                        f"{run.lower_bound:.6f} after {run.n_iter} iterations, "
                        f"{'converged' if run.converged else 'not converged'}"
                    )
                if best is None or run.lower_bound > best.lower_bound:
                    best = run
        warn_if_not_converged(best, f"the best of {n_init} initialisation(s)", self.max_iter, self.tol)
        self._set_fitted(best, X.shape[1])
        return self

    def _initial_parameters(self, X, sample_weight, rng):
        """Starting (weights, means, covariances, precisions_cholesky): the inits where given, else from data."""
        if self.weights_init is None or self.means_init is None or self.precisions_init is None:
            weights, means, covariances = self._parameters_from_initial_assignment(X, sample_weight, rng)
        if self.weights_init is not None:
            weights = np.asarray(self.weights_init, dtype=X.dtype)
        if self.means_init is not None:
            means = np.asarray(self.means_init, dtype=X.dtype)
        if self.precisions_init is not None:
            covariances = covariances_from_precisions(
                np.asarray(self.precisions_init, dtype=X.dtype), self.covariance_type
            )
        return weights, means, covariances, precision_cholesky(covariances, self.covariance_type)

    def _parameters_from_initial_assignment(self, X, sample_weight, rng):
        """One M-step from the starting responsibilities that ``means_init`` or ``init_params`` give."""
        n_samples, k = X.shape[0], self.n_components
        if self.means_init is None and self.init_params == "random":
            resp = rng.uniform(size=(n_samples, k)).astype(X.dtype)
            resp /= resp.sum(axis=1, keepdims=True)
            weights, means, covariances = m_step(X, resp, self.covariance_type, self.reg_covar, sample_weight)
        else:
            if self.means_init is not None:
                centres = np.asarray(self.means_init, dtype=X.dtype)
            elif self.init_params == "kmeans":
                centres, _ = kmeans(X, k, rng, sample_weight)
            elif self.init_params == "kmeans++":
                centres = X[kmeans_plusplus(X, k, rng, sample_weight)]
            else:  # "random_from_data"
                centres = X[rng.choice(n_samples, size=k, replace=False, p=sample_weight / sample_weight.sum())]
            # Each sample assigned to its nearest centre: m_step on one-hot responsibilities, without the n x k array.
            weights, means, covariances = parameters_from_labels(
                X, nearest_centre(X, centres), k, self.covariance_type, self.reg_covar, sample_weight
            )
        if self.background_volume is not None:
            # The background starts with an equal share, 1 / (n_components + 1).
            weights = np.append(weights * k, 1.0) / (k + 1)
        return weights, means, covariances

    def _e_step(self, X, sample_weight, parameters):
        """Sufficient statistics of ``X`` at ``parameters``, and the mean log-likelihood (the lower bound)."""
        weights, means, _, factors = parameters
        stats = accumulate_statistics(
            X, sample_weight, weights, means, factors, self.covariance_type, self._background_log_density
        )
        return stats, stats.log_likelihood / stats.total_weight

    def _m_step(self, stats, parameters):
        """``(weights, means, covariances, precisions_cholesky)`` maximising Q given the statistics."""
        weights, means, covariances = parameters_from_statistics(
            stats, self.covariance_type, self.reg_covar, self.background_volume is not None
        )
        return weights, means, covariances, precision_cholesky(covariances, self.covariance_type)

    def _run_em(self, X, sample_weight, start, previous_lower_bound=-np.inf):
        """EM (:func:`gmmlib.em_loop.run_em`) from ``start = (weights, means, covariances, precisions_cholesky)``.

        The E-step accumulates the sufficient statistics chunk by chunk (:mod:`gmmlib.statistics`)
        and returns the mean log-likelihood as the lower bound; the M-step solves for the
        parameters from them. ``previous_lower_bound`` is the fitted one for a warm start (as in
        scikit-learn), else ``-inf``.
        """

        def report(n_iter, lower_bound, change):
            if n_iter % self.verbose_interval == 0:
                print(f"  iteration {n_iter}: mean log-likelihood {lower_bound:.6f}, change {change:.3e}")

        return run_em(
            functools.partial(self._e_step, X, sample_weight),
            self._m_step,
            start,
            max_iter=self.max_iter,
            tol=self.tol,
            previous_lower_bound=previous_lower_bound,
            record_history=self.record_history,
            on_iteration=report if self.verbose else None,
        )

    def _set_fitted(self, run, n_features):
        """The fitted attributes from an :class:`gmmlib.em_loop.EMRun` whose parameters are
        ``(weights, means, covariances, precisions_cholesky)``: the one way a model becomes fitted."""
        has_background = self.background_volume is not None
        weights, means, covariances, factors = run.parameters
        self.weights_ = weights[:-1] if has_background else weights
        self.background_weight_ = float(weights[-1]) if has_background else 0.0
        self.means_ = means
        self.covariances_ = covariances
        self.precisions_cholesky_ = factors
        self.precisions_ = precisions_from_cholesky(factors, self.covariance_type)
        self.converged_ = run.converged
        self.n_iter_ = run.n_iter
        self.lower_bound_ = run.lower_bound
        self.lower_bounds_ = run.lower_bounds
        if run.history is not None:
            self.history_ = [_snapshot(*parameters[:3]) for parameters in run.history]
        elif hasattr(self, "history_"):
            del self.history_  # from an earlier fit that recorded one
        self.n_features_in_ = n_features
        self._fitted_structure = self._structure()

    def _structure(self):
        """The parameters that fix the shapes of the fitted attributes."""
        return {
            "n_components": self.n_components,
            "covariance_type": self.covariance_type,
            "background_volume": self.background_volume,
        }

    def _check_warm_start(self, X):
        """A warm start continues the fitted model: its structure and features must not have changed."""
        self._check_features(X)
        for name, value in self._structure().items():
            fitted = self._fitted_structure[name]
            if value != fitted:
                raise ValueError(
                    f"warm_start=True continues the fitted model, fitted with {name}={fitted!r}, "
                    f"but {name} is now {value!r}; set warm_start=False to fit from scratch"
                )

    def _all_weights(self):
        return (
            np.append(self.weights_, self.background_weight_) if self.background_volume is not None else self.weights_
        )

    # -- using a fitted model -------------------------------------------------------------------
    def _check_features(self, X):
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but GaussianMixture was fitted with {self.n_features_in_} features"
            )

    def _log_joint(self, X):
        """Validated ``X`` and ``log p(x_i, z_i = k)``, background column last."""
        if not hasattr(self, "means_"):
            raise NotFittedError("this GaussianMixture is not fitted yet; call fit(X) first")
        X = check.check_data(X)
        self._check_features(X)
        with single_threaded_blas():  # many small products: BLAS threads would only spin
            return X, log_weighted_densities_from_precision_cholesky(
                X,
                self._all_weights(),
                self.means_,
                self.precisions_cholesky_,
                self.covariance_type,
                self._background_log_density,
            )

    def score_samples(self, X):
        """Log-density ``log p(x_i)`` of each sample, shape (n_samples,)."""
        return logsumexp(self._log_joint(X)[1], axis=1)

    def score(self, X, y=None, sample_weight=None):
        """Mean log-likelihood of ``X`` (weighted by ``sample_weight`` when given)."""
        X, log_joint = self._log_joint(X)
        sample_weight = check.check_sample_weight(sample_weight, X.shape[0], X.dtype)
        return float(sample_weight @ logsumexp(log_joint, axis=1) / sample_weight.sum())

    def predict_proba(self, X):
        """Responsibilities, shape (n_samples, n_components), plus a last background column if any."""
        log_joint = self._log_joint(X)[1]
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    def predict(self, X):
        """Most probable component of each sample; -1 where the background is the most probable."""
        labels = np.argmax(self._log_joint(X)[1], axis=1)
        labels[labels == self.n_components] = -1
        return labels

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit, then predict the labels of ``X``."""
        return self.fit(X, sample_weight=sample_weight).predict(X)

    def sample(self, n_samples=1):
        """Draw samples from the fitted Gaussian components.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        labels : ndarray of shape (n_samples,)
        """
        if not hasattr(self, "means_"):
            raise NotFittedError("this GaussianMixture is not fitted yet; call fit(X) first")
        check.check_scalar(n_samples, "n_samples", int, minimum=1)
        if self.background_volume is not None:
            raise ValueError(
                "sample() cannot draw from the background component: background_volume gives its "
                "volume but not its region; sample the region yourself"
            )
        rng = check.check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_ / self.weights_.sum())
        n_features = self.means_.shape[1]
        draws = []
        for k, count in enumerate(counts):
            covariance = full_covariance(self.covariances_, self.covariance_type, k, n_features)
            lower = linalg.cholesky(covariance, lower=True)
            draws.append(self.means_[k] + rng.standard_normal((count, n_features)) @ lower.T)
        return np.vstack(draws), np.repeat(np.arange(self.n_components), counts)

    def _n_parameters(self):
        n_features = self.means_.shape[1]
        return (
            n_covariance_parameters(self.covariance_type, self.n_components, n_features)
            + self.n_components * n_features
            + self._n_columns
            - 1
        )

    def bic(self, X):
        """Bayesian information criterion, ``-2 log L + p log n``; lower is better."""
        X = check.check_data(X)
        return -2 * self.score(X) * X.shape[0] + self._n_parameters() * np.log(X.shape[0])

    def aic(self, X):
        """Akaike information criterion, ``-2 log L + 2 p``; lower is better."""
        X = check.check_data(X)
        return -2 * self.score(X) * X.shape[0] + 2 * self._n_parameters()


def _snapshot(weights, means, covariances):
    return {"weights": np.array(weights), "means": np.array(means), "covariances": np.array(covariances)}


def _progress_bar(done, total, width=20):
    filled = round(width * done / total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _same(value, default):
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return False
    return value is default or value == default
