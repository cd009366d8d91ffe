"""``GaussianMixture``: a scikit-learn-style estimator running gmmlib's EM equations."""

import functools
import inspect
import warnings

import numpy as np
from scipy import linalg

from . import _validation as check
from . import blocks
from .em import m_step, responsibilities_from_log_joint
from .em_loop import run_em, warn_if_not_converged
from .exceptions import EmptyComponentWarning, FeatureNamesWarning, NotFittedError
from .gaussian import (
    covariances_from_precisions,
    full_covariance,
    n_covariance_parameters,
    precision_cholesky,
    precisions_from_cholesky,
)
from .initialization import nearest_centre, seed_centres
from .missing import RowsWithHoles, check_missing, conditional_draws, fill_with_column_means, observed_log_joint
from .statistics import (
    Rows,
    parameters_from_labels,
    parameters_from_statistics,
    score_over_chunks,
    single_threaded_blas,
)

INIT_PARAMS = ("kmeans++", "k-means++", "kmeans", "random", "random_from_data")
MISSING_VALUES = ("error", "em")
FIXABLE = ("weights", "means", "covariances")


class GaussianMixture:
    """Gaussian mixture model fitted by expectation-maximisation.

    scikit-learn's ``GaussianMixture`` interface and results (from the same start, the same
    parameters to rounding; the default start differs, see ``init_params``), plus per-sample
    weights, an optional uniform background component, missing values, parameters held fixed and a
    recorded parameter history. The equations are :func:`gmmlib.e_step` and
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
        responsibilities; one M-step from them is the start. scikit-learn's spelling
        "k-means++" is accepted too. Two differences from scikit-learn: its default is
        "kmeans", and its "k-means++" and "random_from_data" give responsibility to the seeds
        alone (so every start has covariances ``reg_covar``), where gmmlib assigns every sample.
        For a dask array the seeds are chosen on a uniform random sample of
        max(100 000, 200 * n_components) of the rows of positive weight (all rows when there are
        no more than that, which gives the in-memory start): reading the sample is one pass over
        the data, where k-means++ on all rows makes at least one per component. Every row then
        takes its nearest seed and the first M-step runs block by block, in two more passes (the
        means, then the scatter about them), so the start costs three passes. "random" draws the
        soft responsibilities of the sample's rows, and its M-step is the sample's (one pass in all).
    weights_init : array-like of shape (n_components,), default=None
        Starting weights; (n_components + 1,) with a background, the background's last.
    means_init : array-like of shape (n_components, n_features), default=None
    precisions_init : array-like, default=None
        Starting precisions (inverse covariances) in scikit-learn's shapes. As in scikit-learn,
        the parts of the start not given (any of the three) come from the one M-step above.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, default=None
        A RandomState seeds a Generator with one of its draws.
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
    missing_values : {"error", "em"}, default="error"
        "error" refuses NaN in ``X``. "em" takes NaN entries as missing at random: ``fit`` runs EM
        on the observed-data likelihood (responsibilities from each row's observed coordinates, the
        holes' conditional means and covariances in the statistics; :mod:`gmmlib.missing`,
        ``notebooks/07_missing_values.ipynb``), the scoring methods marginalise each row's missing
        coordinates, and :meth:`impute` fills them. The start is computed with every hole filled
        by its column's mean. Not with a background component. The observed-data log-likelihood
        never decreases with ``reg_covar=0``; a positive ``reg_covar`` reaches the holes'
        conditional variances too, and can lower it slightly from one iteration to the next.
    fixed : tuple of str, default=()
        Parameters held at their starting values while EM updates the others: any of
        "weights", "means", "covariances" (with held means, the covariances are the maximisers
        about them). The start is ``weights_init``/``means_init``/``precisions_init`` where given.

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
    feature_names_in_ : ndarray of str of shape (n_features_in_,)
        Only when fitted on a DataFrame with string column names; the scoring methods then check
        the column names of their input against it, as scikit-learn does.

    Warns
    -----
    ConvergenceWarning
        When the best run stopped at ``max_iter``.
    EmptyComponentWarning
        When a fitted component holds less than 1e-3 of a sample's responsibility.

    Examples
    --------
    Two clusters, recovered by EM from a k-means++ start:

    >>> import numpy as np
    >>> from gmmlib import GaussianMixture
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0.0, 1.0, (200, 2)), rng.normal(6.0, 0.5, (100, 2))])
    >>> model = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> order = np.argsort(model.means_[:, 0])
    >>> np.round(model.weights_[order], 2), np.round(model.means_[order], 1)
    (array([0.67, 0.33]), array([[-0.1,  0. ],
           [ 6. ,  6. ]]))
    >>> bool(model.predict([[5.5, 6.2]])[0] == order[1])  # the cluster at (6, 6)
    True
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
        missing_values="error",
        fixed=(),
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
        self.missing_values = missing_values
        self.fixed = fixed

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

        tags = Tags(estimator_type="density_estimator", target_tags=TargetTags(required=False))
        tags.input_tags.allow_nan = self._allows_missing()
        return tags

    # -- fitting --------------------------------------------------------------------------------
    def _check_parameters(self):
        """Check the constructor arguments that do not depend on the data (before the data are read)."""
        check.check_scalar(self.n_components, "n_components", int, minimum=1)
        check.check_covariance_type(self.covariance_type)
        check.check_scalar(self.tol, "tol", float, minimum=0)
        check.check_scalar(self.reg_covar, "reg_covar", float, minimum=0)
        check.check_scalar(self.max_iter, "max_iter", int, minimum=0)
        check.check_scalar(self.n_init, "n_init", int, minimum=1)
        check.check_scalar(self.verbose, "verbose", int, minimum=0)
        check.check_scalar(self.verbose_interval, "verbose_interval", int, minimum=1)
        if not isinstance(self.missing_values, str) or self.missing_values not in MISSING_VALUES:
            raise ValueError(
                f"missing_values must be one of {', '.join(map(repr, MISSING_VALUES))}; "
                f"got {check._describe(self.missing_values)}"
            )
        if self.missing_values == "em" and self.background_volume is not None:
            raise ValueError(
                "missing_values='em' cannot be combined with background_volume: the background's density of the "
                "observed coordinates needs its region, not only its volume"
            )
        if not isinstance(self.fixed, (tuple, list)) or not all(
            isinstance(n, str) and n in FIXABLE for n in self.fixed
        ):
            raise ValueError(
                f"fixed must be a tuple or list of parameter names among {', '.join(map(repr, FIXABLE))}; "
                f"got {check._describe(self.fixed)}"
            )
        check.check_bool(self.warm_start, "warm_start")
        check.check_bool(self.record_history, "record_history")
        if not isinstance(self.init_params, str) or self.init_params not in INIT_PARAMS:
            raise ValueError(
                f"init_params must be one of {', '.join(map(repr, INIT_PARAMS))}; "
                f"got {check._describe(self.init_params)}"
            )
        if self.background_volume is not None:
            check.check_scalar(self.background_volume, "background_volume", float, minimum=0, include_minimum=False)
        check.check_random_state_type(self.random_state)

    def _check_parameters_against(self, X):
        """Check the constructor arguments whose sizes depend on the data."""
        n_samples, n_features = X.shape
        if self.n_components > n_samples:
            raise ValueError(f"n_components={self.n_components} must be <= n_samples={n_samples}")
        if self.weights_init is not None:
            check.check_weights(self.weights_init, self._n_columns, "weights_init")
        if self.means_init is not None:
            check.check_means(self.means_init, self.n_components, n_features, "means_init")
        if self.precisions_init is not None:
            check.check_covariances(
                self.precisions_init,
                self.covariance_type,
                self.n_components,
                n_features,
                "precisions_init",
                positive_definite=True,
            )

    @property
    def _n_columns(self):
        return self.n_components + (self.background_volume is not None)

    def _allows_missing(self):
        return isinstance(self.missing_values, str) and self.missing_values == "em"

    @property
    def _background_log_density(self):
        return None if self.background_volume is None else -float(np.log(self.background_volume))

    def fit(self, X, y=None, sample_weight=None):
        """Estimate the parameters by EM; the best of ``n_init`` runs is kept.

        Parameters
        ----------
        X : array-like, dask array, zarr array, HDF5 dataset or numpy memmap of shape (n_samples, n_features)
            float32 data is fitted in float32; other numeric data in float64. A dask array (a zarr
            array, HDF5 dataset or, with dask installed, memmap of a file is wrapped as one) is
            fitted block by block on the active dask scheduler, holding a few blocks in memory
            (:mod:`gmmlib.blocks`); from the same start its fit equals the in-memory one to rounding.
        y : ignored
        sample_weight : array-like or dask array of shape (n_samples,), default=None
            Non-negative weights; an integer weight counts as that many repeated rows.

        Returns
        -------
        self : GaussianMixture
        """
        self._check_parameters()
        names = check.feature_names(X)
        X = self._check_data(X)
        self._check_parameters_against(X)
        warm = self.warm_start and hasattr(self, "means_")
        if warm:
            self._check_warm_start(X, names)
        sample_weight = _check_sample_weight(sample_weight, X)
        n_positive = int(np.count_nonzero(sample_weight))
        if n_positive < self.n_components:
            raise ValueError(
                f"sample_weight has {n_positive} positive entries; "
                f"n_components={self.n_components} needs at least as many"
            )
        rng = check.check_random_state(self.random_state)
        data, missing = self._rows(X, sample_weight)
        X_start = X if missing is None else fill_with_column_means(X, missing, sample_weight)
        n_init = 1 if warm else self.n_init
        best = None
        # One BLAS thread: the statistics run their chunks in parallel threads instead (gmmlib.statistics).
        with single_threaded_blas():
            for init in range(n_init):
                if warm:
                    start = (self._all_weights(), self.means_, self.covariances_, self.precisions_cholesky_)
                else:
                    start = self._initial_parameters(X_start, sample_weight, rng)
                run = self._run_em(
                    data,
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
        self._set_fitted(best, X.shape[1], names)
        self._warn_about_empty_components(best.statistics)
        return self

    def _warn_about_empty_components(self, statistics):
        """An :class:`gmmlib.EmptyComponentWarning` for components whose responsibilities at the last
        E-step add up to under 1e-3 of a sample (sample weights have mean 1)."""
        if statistics is None:
            return
        empty = np.flatnonzero(statistics.counts[: self.n_components] < 1e-3)
        if empty.size:
            warnings.warn(
                f"component(s) {empty.tolist()} of {self.n_components} ended with almost no responsibility "
                f"(N_k < 1e-3 samples): EM cannot revive them and their parameters mean nothing; use fewer "
                "components, n_init > 1, or a start that gives every component some data",
                EmptyComponentWarning,
                stacklevel=3,
            )

    def _initial_parameters(self, X, sample_weight, rng):
        """Starting ``(weights, means, covariances, precisions_cholesky)``, by scikit-learn's rule.

        One M-step from the responsibilities ``init_params`` gives; then ``weights_init``,
        ``means_init`` and ``precisions_init`` replace the parts they give. So a partial start
        takes its missing parts from the data's clusters, not from the given parts (two given
        means close together still start with the data's spread, and both find points).
        """
        if self.weights_init is None or self.means_init is None or self.precisions_init is None:
            if blocks.is_dask_array(X):
                weights, means, covariances = self._parameters_from_a_sample(X, sample_weight, rng)
            else:
                assignment = self._initial_assignment(X, sample_weight, rng)
                weights, means, covariances = self._parameters_from_assignment(X, assignment, sample_weight)
        if self.weights_init is not None:
            weights = np.asarray(self.weights_init, dtype=X.dtype)
        if self.means_init is not None:
            means = np.asarray(self.means_init, dtype=X.dtype)
        if self.precisions_init is not None:
            covariances = covariances_from_precisions(
                np.asarray(self.precisions_init, dtype=X.dtype), self.covariance_type
            )
        return weights, means, covariances, precision_cholesky(covariances, self.covariance_type, check_input=False)

    def _initial_assignment(self, X, sample_weight, rng):
        """The start's responsibilities that ``init_params`` gives.

        Returns
        -------
        assignment : ndarray of shape (n_samples,) or (n_samples, n_components)
            Each sample's component (its nearest k-means++ seed, k-means centre or drawn sample:
            :func:`gmmlib.initialization.seed_centres`), or random soft responsibilities for "random".
        """
        if self.init_params == "random":
            resp = rng.uniform(size=(X.shape[0], self.n_components)).astype(X.dtype)
            return resp / resp.sum(axis=1, keepdims=True)
        return nearest_centre(X, seed_centres(X, self.n_components, rng, sample_weight, self.init_params))

    def _parameters_from_assignment(self, X, assignment, sample_weight):
        """``(weights, means, covariances)`` by one M-step from labels or soft responsibilities."""
        if assignment.ndim == 2:
            weights, means, covariances = m_step(X, assignment, self.covariance_type, self.reg_covar, sample_weight)
        else:  # m_step on one-hot responsibilities, without the n x k array
            weights, means, covariances = parameters_from_labels(
                X, assignment, self.n_components, self.covariance_type, self.reg_covar, sample_weight
            )
        return self._with_background(weights), means, covariances

    def _parameters_from_a_sample(self, X, sample_weight, rng):
        """The start of a dask fit: ``init_params`` run on a uniform sample of the rows of positive weight.

        The seeds (k-means++, k-means or drawn rows) are chosen among the rows of
        :func:`gmmlib.blocks.uniform_sample`, then every row is assigned its nearest seed and the
        M-step runs block by block. "random" draws soft responsibilities for the sample's rows, and
        the M-step is that of the sample.
        """
        rows, weight = blocks.uniform_sample(X, sample_weight, self.n_components, rng)
        if self.init_params == "random":
            return self._parameters_from_assignment(rows, self._initial_assignment(rows, weight, rng), weight)
        centres = seed_centres(rows, self.n_components, rng, weight, self.init_params)
        weights, means, covariances = blocks.parameters_from_nearest_centres(
            X, sample_weight, centres, self.covariance_type, self.reg_covar
        )
        return self._with_background(weights), means, covariances

    def _with_background(self, weights):
        """The Gaussians' starting weights, and the background's (an equal share, 1 / (n_components + 1)) if any."""
        if self.background_volume is None:
            return weights
        return np.append(weights * self.n_components, 1.0) / (self.n_components + 1)

    def _rows(self, X, sample_weight):
        """The rows an E-step runs over, and the mask of holes (None without any): a dask array's blocks
        (:class:`gmmlib.blocks.Blocks`), or rows in memory, those with NaN apart with
        ``missing_values="em"`` (:class:`gmmlib.missing.RowsWithHoles`)."""
        if blocks.is_dask_array(X):
            return blocks.Blocks(X, sample_weight), None
        missing = np.isnan(X) if self._allows_missing() else None
        if missing is None or not missing.any():
            return Rows(X, sample_weight), None
        check_missing(missing, sample_weight)
        return RowsWithHoles.split(X, missing, sample_weight), missing

    def _e_step(self, data, parameters):
        """Sufficient statistics of ``data`` (:class:`gmmlib.statistics.Rows` or rows with holes) at
        ``parameters``, and the mean (observed-data) log-likelihood, the lower bound."""
        weights, means, _, factors = parameters
        stats = data.statistics(weights, means, factors, self.covariance_type, self._background_log_density)
        return stats, stats.log_likelihood / stats.total_weight

    def _m_step(self, stats, parameters):
        """``(weights, means, covariances, precisions_cholesky)`` maximising Q given the statistics; the
        parameters named in ``fixed`` keep their current values."""
        weights, means, covariances, factors = parameters
        new_weights, new_means, new_covariances = parameters_from_statistics(
            stats,
            self.covariance_type,
            self.reg_covar,
            self.background_volume is not None,
            means=means if "means" in self.fixed else None,
        )
        if "weights" not in self.fixed:
            weights = new_weights
        if "covariances" not in self.fixed:
            covariances = new_covariances
            factors = precision_cholesky(covariances, self.covariance_type, check_input=False)
        return weights, new_means, covariances, factors

    def _run_em(self, data, start, previous_lower_bound=-np.inf):
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
            functools.partial(self._e_step, data),
            self._m_step,
            start,
            max_iter=self.max_iter,
            tol=self.tol,
            previous_lower_bound=previous_lower_bound,
            record_history=self.record_history,
            on_iteration=report if self.verbose else None,
        )

    def _set_fitted(self, run, n_features, feature_names=None):
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
        if feature_names is not None:
            self.feature_names_in_ = feature_names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_  # from an earlier fit on a DataFrame
        self._fitted_structure = self._structure()

    def _structure(self):
        """The parameters that fix the shapes of the fitted attributes."""
        return {
            "n_components": self.n_components,
            "covariance_type": self.covariance_type,
            "background_volume": self.background_volume,
        }

    def _check_warm_start(self, X, names):
        """A warm start continues the fitted model: its structure and features must not have changed."""
        self._check_n_features(X)
        fitted_names = getattr(self, "feature_names_in_", None)
        as_lists = [None if n is None else list(n) for n in (fitted_names, names)]
        if as_lists[0] != as_lists[1]:
            raise ValueError(
                f"warm_start=True continues the fitted model, fitted with feature names {as_lists[0]}, but X has "
                f"{as_lists[1]}; set warm_start=False to fit from scratch"
            )
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
    def _validated(self, X):
        """``X`` checked against the fitted model (fitted, feature names, number of features), as an array."""
        if not hasattr(self, "means_"):
            raise NotFittedError("this GaussianMixture is not fitted yet; call fit(X) first")
        self._check_feature_names(X)
        X = self._check_data(X)
        self._check_n_features(X)
        return X

    def _check_data(self, X):
        """``X`` checked as data: in memory, or a dask array whose blocks are checked when computed.

        A memmap, an ndarray too, is read in memory when it may hold missing values.
        """
        in_memory = isinstance(X, np.memmap) and self._allows_missing()
        if in_memory or not blocks.is_blocked(X):
            return check.check_data(X, allow_nan=self._allows_missing())
        if self._allows_missing():
            raise ValueError(
                "missing_values='em' needs X in memory, got a dask or on-disk array; load X, or use "
                "missing_values='error'"
            )
        return blocks.check_data(X)

    def _check_n_features(self, X):
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but GaussianMixture is expecting {self.n_features_in_} features "
                "as input (the number it was fitted with)"
            )

    def _check_feature_names(self, X):
        """Column names of a DataFrame ``X`` against ``feature_names_in_``, in scikit-learn's words."""
        names = check.feature_names(X)
        fitted = getattr(self, "feature_names_in_", None)
        if names is None and fitted is None:
            return
        if names is None:
            warnings.warn(
                "X does not have valid feature names, but GaussianMixture was fitted with feature names",
                FeatureNamesWarning,
                stacklevel=3,
            )
        elif fitted is None:
            warnings.warn(
                "X has feature names, but GaussianMixture was fitted without feature names",
                FeatureNamesWarning,
                stacklevel=3,
            )
        elif len(names) != len(fitted) or np.any(names != fitted):
            raise ValueError(_feature_names_message(fitted, names))

    def _per_row(self, X, output):
        """``output`` for each row of ``X``: a dask array for a dask array, an ndarray for any other ``X``.

        A zarr array, an HDF5 dataset or a memmap is read block by block, and the result computed.
        """
        per_row = self._scores(self._validated(X), output)
        return per_row if blocks.is_dask_array(X) or not blocks.is_dask_array(per_row) else per_row.compute()

    def _scores(self, X, output):
        """:func:`gmmlib.statistics.score_over_chunks` of a validated ``X`` under the fitted parameters.

        Chunk by chunk in threads, as in ``fit``; for a dask array a dask array, block by block
        (:func:`gmmlib.blocks.score_blocks`). Rows with missing coordinates (NaN, with
        ``missing_values="em"``) are scored on their observed ones.
        """
        missing = np.isnan(X) if self._allows_missing() else None
        holes = None if missing is None else missing.any(axis=1)
        if holes is None or not holes.any():
            score = blocks.score_blocks if blocks.is_dask_array(X) else score_over_chunks
            return score(
                X,
                self._all_weights(),
                self.means_,
                self.precisions_cholesky_,
                self.covariance_type,
                self._background_log_density,
                output,
            )
        check_missing(missing)  # on all of X, so that the error names the row of X
        log_joint = observed_log_joint(
            X[holes], missing[holes], self.weights_, self.means_, self.precisions_cholesky_, self.covariance_type
        )
        resp, log_density = responsibilities_from_log_joint(log_joint)
        of_holes = {
            "log_density": log_density.astype(X.dtype),
            "responsibilities": resp.astype(X.dtype),
            "labels": np.argmax(log_joint, axis=1),
        }
        result = np.empty((X.shape[0], *of_holes[output].shape[1:]), dtype=of_holes[output].dtype)
        result[holes] = of_holes[output]
        if not holes.all():
            result[~holes] = self._scores(X[~holes], output)
        return result

    def impute(self, X, method="conditional_mean"):
        """``X`` with its missing entries (NaN) filled from the fitted mixture, given each row's observed values.

        Needs ``missing_values="em"``. Derived in ``notebooks/07_missing_values.ipynb``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        method : {"conditional_mean", "sample"}, default="conditional_mean"
            "conditional_mean" fills ``E[x_m | x_o] = sum_k gamma_ik (mu_km + Sigma_k,mo
            Sigma_k,oo^{-1} (x_o - mu_ko))``, the best guess in squared error; "sample" draws a
            component from the responsibilities ``gamma_i`` and the holes from its conditional
            Gaussian, for multiple imputation. The draws follow ``random_state`` as :meth:`sample`
            does: an int gives the same draws on every call, a ``numpy.random.Generator`` new ones.

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features)
            Observed entries unchanged.

        Examples
        --------
        >>> import numpy as np
        >>> from gmmlib import GaussianMixture
        >>> rng = np.random.default_rng(0)
        >>> X = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.9], [0.9, 1.0]], size=500)
        >>> X[::10, 1] = np.nan  # every tenth second coordinate lost
        >>> model = GaussianMixture(1, missing_values="em", random_state=0).fit(X)
        >>> filled = model.impute([[2.0, np.nan]])  # about 0.9 * 2: the regression on the first
        >>> float(np.round(filled[0, 1], 1))
        1.8
        """
        if not self._allows_missing():
            raise ValueError("impute needs a model fitted with missing_values='em'")
        if not isinstance(method, str) or method not in ("conditional_mean", "sample"):
            raise ValueError(f"method must be 'conditional_mean' or 'sample'; got {check._describe(method)}")
        X = self._validated(X)
        missing = np.isnan(X)
        check_missing(missing)
        return conditional_draws(
            X,
            missing,
            self.weights_,
            self.means_,
            self.precisions_cholesky_,
            self.covariance_type,
            method,
            check.check_random_state(self.random_state),
        )

    def score_samples(self, X):
        """Log-density of each sample under the fitted mixture.

        ``log p(x_i) = log sum_k pi_k N(x_i | mu_k, Sigma_k)`` (plus ``pi_B / V`` with a
        background), by log-sum-exp (``notebooks/01_gaussian_mixture_model.ipynb``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_density : ndarray (a dask array for a dask ``X``) of shape (n_samples,)
        """
        return self._per_row(X, "log_density")

    def score(self, X, y=None, sample_weight=None):
        """Mean log-likelihood of ``X`` under the fitted mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights: the weighted mean ``sum_i w_i log p(x_i) / sum_i w_i``.

        Returns
        -------
        mean_log_likelihood : float
        """
        X = self._validated(X)
        return self._mean_log_likelihood(X, sample_weight)

    def _mean_log_likelihood(self, X, sample_weight=None):
        """``sum_i w_i log p(x_i) / sum_i w_i``, summed in float64 (in memory or block by block)."""
        sample_weight = _check_sample_weight(sample_weight, X)
        log_density = self._scores(X, "log_density")
        # float64 products and sums of float32 values, a few at a time (no float64 copy of the rows).
        weighted_sum = np.einsum("i,i->", sample_weight, log_density, dtype=np.float64)
        return float(weighted_sum / sample_weight.sum(dtype=np.float64))

    def predict_proba(self, X):
        """Responsibilities ``gamma_ik = p(z_i = k | x_i)`` of the fitted components (Bayes' rule).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray (a dask array for a dask ``X``) of shape (n_samples, n_columns)
            Rows sum to 1; with a background component its column is last.
        """
        return self._per_row(X, "responsibilities")

    def predict(self, X):
        """The most probable component of each sample (the largest responsibility).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray (a dask array for a dask ``X``) of int of shape (n_samples,)
            In ``range(n_components)``, or -1 where the background component is the most probable.
        """
        return self._per_row(X, "labels")

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit the model to ``X``, then return :meth:`predict` of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        labels : ndarray of int of shape (n_samples,)
        """
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
        """Bayesian information criterion ``-2 log L + p log n`` of the fitted model on ``X``; lower is better.

        ``p`` counts the free parameters (weights, means, covariances); see
        ``notebooks/03_em_in_practice.ipynb`` for its use in choosing ``n_components``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bic : float
        """
        X = self._validated(X)
        return -2 * self._mean_log_likelihood(X) * X.shape[0] + self._n_parameters() * np.log(X.shape[0])

    def aic(self, X):
        """Akaike information criterion ``-2 log L + 2 p`` of the fitted model on ``X``; lower is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        aic : float
        """
        X = self._validated(X)
        return -2 * self._mean_log_likelihood(X) * X.shape[0] + 2 * self._n_parameters()


def _check_sample_weight(sample_weight, X):
    """Sample weights for the checked data ``X``: a dask array aligned with its blocks when ``X`` is one."""
    if blocks.is_dask_array(X):
        return blocks.check_sample_weight(sample_weight, X)
    return check.check_sample_weight(sample_weight, X.shape[0], X.dtype)


def _feature_names_message(fitted, names):
    """scikit-learn's message for column names that differ from those seen in ``fit``."""
    unseen = [name for name in names if name not in set(fitted)]
    missing = [name for name in fitted if name not in set(names)]
    message = "The feature names should match those that were passed during fit.\n"
    if not unseen and not missing:
        return message + "Feature names must be in the same order as they were in fit.\n"
    for title, listed in (
        ("Feature names unseen at fit time:", unseen),
        ("Feature names seen at fit time, yet now missing:", missing),
    ):
        if listed:
            shown = [f"- {name}" for name in sorted(listed)[:5]] + (["- ..."] if len(listed) > 5 else [])
            message += "\n".join([title, *shown]) + "\n"
    return message


def _snapshot(weights, means, covariances):
    return {"weights": np.array(weights), "means": np.array(means), "covariances": np.array(covariances)}


def _progress_bar(done, total, width=20):
    filled = round(width * done / total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _same(value, default):
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return False
    return value is default or value == default
