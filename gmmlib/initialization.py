"""Starting points for EM: k-means++ seeding and Lloyd's k-means, in plain numpy."""

import numpy as np


def squared_distances(X, centres):
    """``||x_i - c_j||^2`` for every row and centre, shape (n_samples, n_centres), in float64.

    The expanded square ``|x|^2 - 2 x.c + |c|^2`` is taken about the centres' mean, so that
    neither float32 data nor data far from the origin lose their digits to cancellation.
    """
    reference = np.mean(centres, axis=0, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64) - reference
    centres = np.asarray(centres, dtype=np.float64) - reference
    distances = (
        np.einsum("ij,ij->i", X, X)[:, None] - 2 * X @ centres.T + np.einsum("ij,ij->i", centres, centres)[None, :]
    )
    return np.maximum(distances, 0, out=distances)


def nearest_centre(X, centres, chunk_rows=65536):
    """Index of the nearest centre for every row, computed in chunks of rows to bound memory.

    Returns
    -------
    labels : ndarray of shape (n_samples,)
    """
    return np.concatenate(
        [
            np.argmin(squared_distances(X[start : start + chunk_rows], centres), axis=1)
            for start in range(0, X.shape[0], chunk_rows)
        ]
    )


def kmeans_plusplus(X, n_clusters, rng, sample_weight=None, n_local_trials=None, chunk_rows=65536):
    """k-means++ seeding (Arthur and Vassilvitskii 2007), greedy like scikit-learn's.

    Each new centre is drawn with probability proportional to ``w_i D(x_i)^2``, the weighted
    squared distance to the nearest centre so far; of ``n_local_trials`` candidates the one that
    most reduces the total potential is kept.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_clusters : int
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (n_samples,) or None, default=None
    n_local_trials : int or None, default=None
        ``2 + int(log(n_clusters))`` when None.
    chunk_rows : int, default=65536
        Rows per chunk of the distance computations, which bounds their memory.

    Returns
    -------
    indices : ndarray of shape (n_clusters,)
        Rows of ``X`` chosen as centres.
    """
    n_samples = X.shape[0]
    weight = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    n_local_trials = 2 + int(np.log(n_clusters)) if n_local_trials is None else n_local_trials
    indices = np.empty(n_clusters, dtype=np.intp)
    indices[0] = rng.choice(n_samples, p=weight / weight.sum())
    closest = np.concatenate(
        [
            squared_distances(X[start : start + chunk_rows], X[indices[:1]])[:, 0]
            for start in range(0, n_samples, chunk_rows)
        ]
    )
    for c in range(1, n_clusters):
        potential = weight * closest
        total = potential.sum()
        if total <= 0:  # every remaining point coincides with a centre: draw by weight alone
            candidates = rng.choice(n_samples, size=n_local_trials, p=weight / weight.sum())
        else:
            candidates = rng.choice(n_samples, size=n_local_trials, p=potential / total)
        candidate_distances = np.empty((n_samples, n_local_trials))
        for start in range(0, n_samples, chunk_rows):  # in chunks: no n x n_local_trials temporaries
            rows = slice(start, start + chunk_rows)
            np.minimum(closest[rows, None], squared_distances(X[rows], X[candidates]), out=candidate_distances[rows])
        best = int(np.argmin(weight @ candidate_distances))
        indices[c] = candidates[best]
        closest = candidate_distances[:, best].copy()  # a view would keep the whole array alive
    return indices


def kmeans(X, n_clusters, rng, sample_weight=None, max_iter=100, tol=1e-4):
    """Lloyd's k-means from a k-means++ start.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_clusters : int
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (n_samples,) or None, default=None
    max_iter : int, default=100
    tol : float, default=1e-4
        Stop when no centre moves by more than ``tol`` times the mean feature variance.

    Returns
    -------
    centres : ndarray of shape (n_clusters, n_features)
    labels : ndarray of shape (n_samples,)
    """
    weight = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    centres = X[kmeans_plusplus(X, n_clusters, rng, weight)].astype(np.float64)
    threshold = tol * np.mean(np.var(X, axis=0))
    for _ in range(max_iter):
        labels = nearest_centre(X, centres)
        totals = np.bincount(labels, weights=weight, minlength=n_clusters)
        new_centres = centres.copy()
        occupied = totals > 0  # an empty cluster keeps its centre
        for feature in range(X.shape[1]):
            sums = np.bincount(labels, weights=weight * X[:, feature], minlength=n_clusters)
            new_centres[occupied, feature] = sums[occupied] / totals[occupied]
        shift = np.max(np.sum((new_centres - centres) ** 2, axis=1))
        centres = new_centres
        if shift <= threshold:
            break
    return centres.astype(X.dtype), nearest_centre(X, centres)
