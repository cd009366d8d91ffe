import os

import numpy as np
import pytest
from hypothesis import settings

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def well_separated_blobs(rng, n_per_component=(300, 200, 250), n_features=3):
    """Three clusters with distinct full covariances, far apart."""
    centres = np.array([[0.0, 0.0, 0.0], [8.0, 1.0, -2.0], [-1.0, 9.0, 4.0]])[:, :n_features]
    blocks = []
    for centre, count in zip(centres, n_per_component):
        factor = rng.normal(size=(n_features, n_features)) * 0.4 + np.eye(n_features)
        blocks.append(centre + rng.normal(size=(count, n_features)) @ factor)
    return np.vstack(blocks)


@pytest.fixture
def blobs():
    return well_separated_blobs(np.random.default_rng(0))


def random_parameters(rng, covariance_type, n_components, n_features):
    """Weights, means and covariances of a random, well-conditioned mixture."""
    weights = rng.dirichlet(np.ones(n_components) * 3)
    means = rng.normal(scale=3, size=(n_components, n_features))
    if covariance_type == "full":
        factors = rng.normal(size=(n_components, n_features, n_features))
        covariances = factors @ np.swapaxes(factors, 1, 2) + np.eye(n_features)
    elif covariance_type == "tied":
        factor = rng.normal(size=(n_features, n_features))
        covariances = factor @ factor.T + np.eye(n_features)
    elif covariance_type == "diag":
        covariances = rng.uniform(0.5, 2.0, size=(n_components, n_features))
    else:
        covariances = rng.uniform(0.5, 2.0, size=n_components)
    return weights, means, covariances


def given_start(means, covariance_type, weights=None, covariances=None):
    """GaussianMixture arguments fixing the whole start: equal weights and unit covariances by default.

    A partial start (e.g. ``means_init`` alone) takes its other parts from the random initialisation,
    as in scikit-learn; tests comparing two fits from "the same start" give all three parts.
    """
    means = np.asarray(means, dtype=float)
    n_components, n_features = means.shape
    weights = np.full(n_components, 1 / n_components) if weights is None else weights
    if covariances is None:
        precisions = {
            "full": np.repeat(np.eye(n_features)[None], n_components, axis=0),
            "tied": np.eye(n_features),
            "diag": np.ones((n_components, n_features)),
            "spherical": np.ones(n_components),
        }[covariance_type]
    elif covariance_type in ("full", "tied"):
        precisions = np.linalg.inv(covariances)
        precisions = (precisions + np.swapaxes(precisions, -1, -2)) / 2
    else:
        precisions = 1 / np.asarray(covariances)
    return dict(covariance_type=covariance_type, weights_init=weights, means_init=means, precisions_init=precisions)


# Hypothesis draws the same examples on every run, so that `make test` (and CI) is reproducible;
# HYPOTHESIS_PROFILE=explore draws new ones each run, to look for new failures.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
