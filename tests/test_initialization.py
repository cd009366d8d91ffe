"""gmmlib's own k-means++ seeding and Lloyd's k-means."""

import tracemalloc

import numpy as np

from gmmlib.initialization import kmeans, kmeans_plusplus, nearest_centre, squared_distances


def test_squared_distances_and_nearest_centre():
    X = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    centres = np.array([[0.0, 0.0], [10.0, 1.0]])
    np.testing.assert_allclose(squared_distances(X, centres), [[0, 101], [25, 58], [100, 1]])
    np.testing.assert_array_equal(nearest_centre(X, centres, chunk_rows=2), [0, 0, 1])


def test_kmeans_plusplus_seeds_one_point_per_separated_cluster():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]])
    X = np.vstack([c + rng.normal(size=(50, 2)) for c in centres])
    for seed in range(10):
        indices = kmeans_plusplus(X, 4, np.random.default_rng(seed))
        assert sorted(indices // 50) == [0, 1, 2, 3]


def test_kmeans_plusplus_handles_fewer_distinct_points_than_clusters():
    X = np.zeros((10, 2))
    indices = kmeans_plusplus(X, 3, np.random.default_rng(0))
    assert indices.shape == (3,) and np.all((0 <= indices) & (indices < 10))


def test_kmeans_finds_the_cluster_means():
    rng = np.random.default_rng(1)
    truth = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    labels_true = np.repeat(np.arange(3), 200)
    X = truth[labels_true] + rng.normal(size=(600, 2))
    centres, labels = kmeans(X, 3, np.random.default_rng(0))
    order = np.argsort(centres[:, 0] + 2 * centres[:, 1])
    np.testing.assert_allclose(centres[order], [X[labels_true == k].mean(axis=0) for k in range(3)], atol=0.05)
    assert len(np.unique(labels)) == 3


def test_weighted_kmeans_matches_repeated_rows():
    rng = np.random.default_rng(2)
    X = np.vstack([rng.normal(size=(40, 2)), rng.normal(6, 1, size=(40, 2))])
    counts = rng.integers(1, 4, size=80)
    weighted, _ = kmeans(X, 2, np.random.default_rng(0), sample_weight=counts)
    repeated, _ = kmeans(np.repeat(X, counts, axis=0), 2, np.random.default_rng(0))
    order_w, order_r = np.argsort(weighted[:, 0]), np.argsort(repeated[:, 0])
    np.testing.assert_allclose(weighted[order_w], repeated[order_r], rtol=1e-10)


def test_nearest_centre_keeps_float32_digits_far_from_the_origin():
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [3.0, 0.0]]) + 3e4
    labels = rng.integers(0, 2, 20000)
    X = (centres[labels] + rng.normal(size=(20000, 2)) * 0.5).astype(np.float32)
    assert np.mean(nearest_centre(X, centres.astype(np.float32)) == labels) > 0.99


def textbook_kmeans_plusplus(X, n_clusters, rng, weight, n_local_trials):
    """Greedy k-means++ on all rows at once, drawing with numpy's choice: what kmeans_plusplus computes in chunks."""
    indices = [rng.choice(len(X), p=weight / weight.sum())]
    closest = squared_distances(X, X[indices])[:, 0]
    for _ in range(1, n_clusters):
        potential = weight * closest
        p = (potential if potential.sum() > 0 else weight) / (potential if potential.sum() > 0 else weight).sum()
        candidates = rng.choice(len(X), size=n_local_trials, p=p)
        trial_distances = np.minimum(closest[:, None], squared_distances(X, X[candidates]))
        best = int(np.argmin(weight @ trial_distances))
        indices.append(candidates[best])
        closest = trial_distances[:, best]
    return np.array(indices)


def test_kmeans_plusplus_in_chunks_draws_the_textbook_seeds():
    for seed in range(12):
        rng = np.random.default_rng(seed)
        n_samples, n_clusters = int(rng.integers(20, 2000)), int(rng.integers(1, 9))
        X = (
            rng.normal(size=(n_samples, 3)) * 10 ** rng.uniform(-1, 2)
            + rng.normal(size=(n_clusters, 3))[rng.integers(n_clusters, size=n_samples)] * 10
        )
        if seed % 3 == 0:
            X = X.astype(np.float32)
        weight = rng.uniform(0, 2, size=n_samples) * (rng.uniform(size=n_samples) > 0.2)
        trials = 2 + int(np.log(n_clusters))
        expected = textbook_kmeans_plusplus(X, n_clusters, np.random.default_rng(seed), weight, trials)
        ours = kmeans_plusplus(X, n_clusters, np.random.default_rng(seed), weight, chunk_rows=int(rng.integers(7, 300)))
        np.testing.assert_array_equal(ours, expected)


def test_kmeans_plusplus_memory_is_a_few_values_per_row():
    rng = np.random.default_rng(0)
    n_samples = 400_000
    X = rng.normal(size=(n_samples, 2)) + rng.normal(scale=5, size=(8, 2))[rng.integers(8, size=n_samples)]
    weight = np.ones(n_samples)
    tracemalloc.start()
    kmeans_plusplus(X, 8, np.random.default_rng(0), weight, chunk_rows=4096)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # Distances and draw probabilities (two float64 per row) and chunk-sized temporaries; the
    # n x n_local_trials distances (four float64 per row here) are never held.
    assert peak < 2.5 * 8 * n_samples, f"peak {peak / 2**20:.1f} MiB"
