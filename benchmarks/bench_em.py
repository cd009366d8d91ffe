"""Time per EM iteration of gmmlib and scikit-learn from the same start, with the arithmetic floor.

Both libraries fit the same data from the same start (weights_init, means_init, precisions_init)
with tol=0. The time per iteration is (T(1 + N iterations) - T(1 iteration)) / N, so set-up and
validation cancel, with N chosen per library from a pilot run so that the N iterations take about
a second (at least 3); runs are interleaved (gmmlib, scikit-learn, gmmlib, ...) and the median
over the repeats is reported, which keeps the numbers usable on a machine shared with other work.
gmmlib / floor can be below 1x: gmmlib's expanded form needs about half of these flops.

scikit-learn is timed twice, with its default BLAS threads and with one BLAS thread, and gmmlib
is compared with the faster of the two.

The floor is the time the matrix products of one iteration need at this machine's measured GEMM
speed: for "full", the whitening product of the E-step and the scatter product of the M-step,
2 x 2 n d^2 K flops; for "diag", the expanded squares [x^2, x] of both steps, 2 x 4 n d K flops.
The results agree when the mean log-likelihoods after the same iterations match to 1e-6 relative
(float64) or 1e-4 (float32 gmmlib against scikit-learn in float64).

A second table times gmmlib on one problem (10^6 x 13, K = 32, "diag") held three ways: a numpy
array in memory; a dask array of 8 blocks on dask's threaded scheduler; the same blocks held by the
two worker processes (one thread each) of a ``dask.distributed.LocalCluster``, the client doing
the M-steps. Same protocol (interleaved repeats, median); the fits agree when their mean
log-likelihoods match the in-memory fit's to 1e-10 relative.

Usage: python benchmarks/bench_em.py [--quick] [--repeats R] [--no-dask]
"""

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from threadpoolctl import threadpool_info, threadpool_limits

from gmmlib import GaussianMixture

# (n_samples, n_features, n_components, covariance_type, goal: gmmlib at least this many times faster)
SHAPES = [
    (100_000, 13, 16, "full", 5),
    (200_000, 13, 32, "diag", 5),
    (100_000, 39, 32, "full", 5),
    (20_000, 2, 5, "full", 1),
]
# Shapes also run in float32.
FLOAT32_SHAPES = SHAPES[:3]
# In memory against dask: (n_samples, n_features, n_components, covariance_type), and rows per block.
DASK_SHAPE = (1_000_000, 13, 32, "diag")
DASK_BLOCK_ROWS = 125_000


def gemm_speed(dtype, size=2048, repeats=10):
    """GFLOP/s of a square matrix product with the default BLAS threads, best of ``repeats``.

    The best, not the median: the floor is what this machine can do, not what it did while busy.
    """
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size)).astype(dtype) for _ in range(2))
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / min(times) / 1e9


def floor_flops(n, d, k, covariance_type):
    return 2 * 2 * n * d * d * k if covariance_type == "full" else 2 * 4 * n * d * k


def problem(n, d, k, covariance_type, seed=0):
    """Data from a random mixture and a start both libraries accept."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(k, d))
    labels = rng.integers(k, size=n)
    # Standard deviations from 0.1 to 1 (covariances' condition numbers up to 100), randomly rotated.
    scales = np.exp(rng.uniform(np.log(0.1), 0.0, size=(k, d)))
    if covariance_type == "full":
        rotations = np.linalg.qr(rng.standard_normal((k, d, d)))[0]
        factors = scales[:, :, None] * np.swapaxes(rotations, 1, 2)
        X = centres[labels] + np.einsum("ij,ijl->il", rng.standard_normal((n, d)), factors[labels])
    else:
        X = centres[labels] + rng.standard_normal((n, d)) * scales[labels]
    variances = X.var(axis=0)
    start = dict(
        weights_init=np.full(k, 1 / k),
        means_init=X[rng.choice(n, size=k, replace=False)],
        precisions_init=(
            np.tile(np.diag(1 / variances), (k, 1, 1)) if covariance_type == "full" else np.tile(1 / variances, (k, 1))
        ),
    )
    return X, start


def compare_dask(repeats, budget):
    """Median time per iteration of one fit held in memory, as dask blocks on threads, and on a 2-process cluster."""
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    n, d, k, covariance_type = DASK_SHAPE
    X, start = problem(n, d, k, covariance_type)
    settings = dict(n_components=k, covariance_type=covariance_type, tol=0, **start)
    blocked = da.from_array(X, chunks=(DASK_BLOCK_ROWS, d))
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        held = client.persist(blocked)  # the workers hold the blocks; only sums and parameters travel
        runs = {
            "in memory (numpy array)": (X, "sync"),
            "dask array, threaded scheduler": (blocked, "threads"),
            "dask.distributed, 2 worker processes": (held, client),
        }

        def fit(name, max_iter):
            data, scheduler = runs[name]
            with dask.config.set(scheduler=scheduler):
                return timed_fit(GaussianMixture(max_iter=max_iter, **settings), data)

        iterations = {}
        for name in runs:  # pilot, also warming up the workers
            short, long = fit(name, 1)[0], fit(name, 3)[0]
            iterations[name] = int(np.clip(budget / max((long - short) / 2, 1e-4), 3, 200))
        per_iteration = {name: [] for name in runs}
        for _ in range(repeats):
            for name in runs:  # interleaved
                short, long = fit(name, 1)[0], fit(name, 1 + iterations[name])[0]
                per_iteration[name].append((long - short) / iterations[name])
        bounds = {name: fit(name, 5)[1].lower_bound_ for name in runs}
    reference = bounds["in memory (numpy array)"]
    return {
        name: (float(np.median(times)), abs(bounds[name] - reference) / abs(reference))
        for name, times in per_iteration.items()
    }


def single_blas_thread(estimator):
    """``estimator`` whose ``fit`` runs with one BLAS thread."""

    class SingleThreaded(estimator):
        def fit(self, X, y=None):
            with threadpool_limits(limits=1, user_api="blas"):
                return super().fit(X, y)

    return SingleThreaded


def timed_fit(estimator, X):
    start = time.perf_counter()
    estimator.fit(X)
    return time.perf_counter() - start, estimator


def iteration_count(estimator, X, settings, budget):
    """Iterations taking about ``budget`` seconds (3 to 200), from a pilot run that also warms up."""
    short, _ = timed_fit(estimator(max_iter=1, **settings), X)
    long, _ = timed_fit(estimator(max_iter=3, **settings), X)
    return int(np.clip(budget / max((long - short) / 2, 1e-4), 3, 200))


def compare(n, d, k, covariance_type, dtype, repeats, budget):
    X64, start = problem(n, d, k, covariance_type)
    X = X64.astype(dtype)
    settings = dict(n_components=k, covariance_type=covariance_type, tol=0, **start)
    # scikit-learn both with its default BLAS threads and with one: on a busy machine, spin-waiting
    # BLAS threads can slow it several-fold, and the comparison should be with its best.
    libraries = {
        "gmmlib": GaussianMixture,
        "sklearn": SklearnGaussianMixture,
        "sklearn, 1 BLAS thread": single_blas_thread(SklearnGaussianMixture),
    }
    iterations = {name: iteration_count(estimator, X, settings, budget) for name, estimator in libraries.items()}
    per_iteration = {name: [] for name in libraries}
    for _ in range(repeats):
        for name, estimator in libraries.items():  # interleaved: gmmlib, sklearn, gmmlib, ...
            short, _ = timed_fit(estimator(max_iter=1, **settings), X)
            long, fitted = timed_fit(estimator(max_iter=1 + iterations[name], **settings), X)
            per_iteration[name].append((long - short) / iterations[name])
    # Agreement after scikit-learn's last fit's iterations; float32 against scikit-learn in float64.
    theirs = fitted if dtype == np.float64 else SklearnGaussianMixture(max_iter=fitted.max_iter, **settings).fit(X64)
    ours = GaussianMixture(max_iter=fitted.max_iter, **settings).fit(X)
    agreement = abs(ours.lower_bound_ - theirs.lower_bound_) / abs(theirs.lower_bound_)
    return {name: float(np.median(times)) for name, times in per_iteration.items()}, agreement


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, shorter fits, float64 only")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repeats per shape (default 5)")
    parser.add_argument("--no-dask", action="store_true", help="skip the in-memory against dask table")
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 5)
    budget = 0.3 if args.quick else 1.0
    warnings.simplefilter("ignore")  # tol=0 and a fixed iteration count: ConvergenceWarning by design

    blas = ", ".join(
        f"{info['internal_api']} {info['version']} ({info['num_threads']} threads)"
        for info in threadpool_info()
        if info["user_api"] == "blas"
    )
    speed = {np.float64: gemm_speed(np.float64), np.float32: gemm_speed(np.float32)}
    print(
        f"Machine: {os.cpu_count()} processors, BLAS {blas}; load average before: "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"Measured GEMM speed: {speed[np.float64]:.0f} GFLOP/s float64, {speed[np.float32]:.0f} GFLOP/s float32")
    print(
        f"Median of {repeats} interleaved repeats of (T(1 + N iterations) - T(1)) / N, N chosen for about "
        f"{budget} s per fit (at least 3), tol=0.\n"
    )
    header = (
        "| n | d | K | covariance | dtype | gmmlib ms/iter | sklearn ms/iter | sklearn 1 BLAS thread ms/iter | "
        "speed-up vs sklearn's best | goal | floor ms/iter | gmmlib / floor | mean log-lik. rel. diff. | agree |"
    )
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    runs = [(shape, np.float64) for shape in SHAPES]
    if not args.quick:
        runs += [(shape, np.float32) for shape in FLOAT32_SHAPES]
    all_met = True
    for (n, d, k, covariance_type, goal), dtype in runs:
        times, agreement = compare(n, d, k, covariance_type, dtype, repeats, budget)
        floor = floor_flops(n, d, k, covariance_type) / (speed[dtype] * 1e9)
        ratio = min(times["sklearn"], times["sklearn, 1 BLAS thread"]) / times["gmmlib"]
        agrees = agreement < (1e-6 if dtype == np.float64 else 1e-4)
        met = ratio >= goal and agrees
        all_met &= met
        milliseconds = {
            name: f"{value * 1e3:.3g}" if value < 1 else f"{value * 1e3:.0f}" for name, value in times.items()
        }
        print(
            f"| {n} | {d} | {k} | {covariance_type} | {np.dtype(dtype).name} | {milliseconds['gmmlib']} | "
            f"{milliseconds['sklearn']} | {milliseconds['sklearn, 1 BLAS thread']} | {ratio:.1f}x | "
            f">= {goal}x {'met' if met else 'MISSED'} | {floor * 1e3:.3g} | {times['gmmlib'] / floor:.1f}x | "
            f"{agreement:.1e} | {'yes' if agrees else 'NO'} |",
            flush=True,
        )
    print("All goals met." if all_met else "Some goals were missed (see above).")
    if not args.no_dask:
        n, d, k, covariance_type = DASK_SHAPE
        print(
            f"\ngmmlib on {n} x {d} float64, K = {k}, {covariance_type!r}, held three ways ({n // DASK_BLOCK_ROWS} "
            f"blocks of {DASK_BLOCK_ROWS} rows for dask); median of {repeats} interleaved repeats, as above. "
            f"Load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
        )
        header = "| data | ms/iter | vs in memory | mean log-lik. rel. diff. | agree (1e-10) |"
        print(header)
        print("|" + "---|" * header.count(" | ") + "---|")
        results = compare_dask(repeats, budget)
        in_memory = results["in memory (numpy array)"][0]
        for name, (seconds, difference) in results.items():
            print(
                f"| {name} | {seconds * 1e3:.3g} | {seconds / in_memory:.2f}x | {difference:.1e} | "
                f"{'yes' if difference < 1e-10 else 'NO'} |",
                flush=True,
            )
    print(
        f"\nLoad average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"(a load above {os.cpu_count()} means other work shared the processors: timings are noisy)"
    )


if __name__ == "__main__":
    main()
