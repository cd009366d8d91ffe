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
    most reduces the total potential is kept. Memory: two float64 values per row (distances, draw
    probabilities; three without ``sample_weight``) and chunks of rows; the candidates' potentials are
    summed chunk by chunk, so no array of ``n_samples x n_local_trials`` distances is ever held.

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
    chunks = [slice(start, start + chunk_rows) for start in range(0, n_samples, chunk_rows)]
    probabilities = np.empty(n_samples)
    indices = np.empty(n_clusters, dtype=np.intp)
    indices[0] = _draw(rng, weight, probabilities)
    closest = np.empty(n_samples)
    for rows in chunks:
        closest[rows] = squared_distances(X[rows], X[indices[:1]])[:, 0]
    for c in range(1, n_clusters):
        potential = np.multiply(weight, closest, out=probabilities)
        # When every remaining point coincides with a centre, draw by weight alone.
        candidates = _draw(rng, potential if potential.sum() > 0 else weight, probabilities, n_local_trials)
        trial_potentials = sum(
            weight[rows] @ np.minimum(closest[rows, None], squared_distances(X[rows], X[candidates])) for rows in chunks
        )
        best = int(np.argmin(trial_potentials))
        indices[c] = candidates[best]
        for rows in chunks:
            np.minimum(closest[rows], squared_distances(X[rows], X[indices[c : c + 1]])[:, 0], out=closest[rows])
    return indices


def _draw(rng, weights, buffer, size=None):
    """``rng.choice(len(weights), size, p=weights / weights.sum())``: the same draws, with ``buffer`` for its cdf.

    numpy's ``choice`` makes two arrays as long as ``weights`` (the probabilities and their
    cumulative sum); this writes both into ``buffer`` (which may be ``weights`` itself).
    """
    np.divide(weights, weights.sum(), out=buffer)
    np.cumsum(buffer, out=buffer)
    buffer /= buffer[-1]
    return buffer.searchsorted(rng.random(size), side="right")


def seed_centres(X, n_clusters, rng, sample_weight, method):
    """Centres to start EM from: k-means++ seeds, k-means centres or rows drawn by weight.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_clusters : int
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (n_samples,)
    method : {"kmeans++", "kmeans", "random_from_data"}
        "k-means++", scikit-learn's spelling, is "kmeans++".

    Returns
    -------
    centres : ndarray of shape (n_clusters, n_features)
    """
    if method in ("kmeans++", "k-means++"):
        return X[kmeans_plusplus(X, n_clusters, rng, sample_weight)]
    if method == "kmeans":
        return kmeans(X, n_clusters, rng, sample_weight)[0]
    return X[rng.choice(X.shape[0], size=n_clusters, replace=False, p=sample_weight / sample_weight.sum())]


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
