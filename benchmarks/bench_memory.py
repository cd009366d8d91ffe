"""Peak memory of fitting 2,000,000 x 13 float64 samples with 32 diagonal components; and out of core.

Each fit runs in a fresh child process, which reports its resident memory after the imports (the
baseline), after creating the data, and at its peak (VmHWM from /proc/self/status; on systems
without it, ru_maxrss). The data are created in chunks, and the peak counter is reset after
creating them where Linux allows it, so the peak is that of the fit. Goal: gmmlib's peak at most
1.5 times the data plus 300 MB above the baseline.

Out of core: the child writes 10^8 x 13 float32 rows (5.2 GB; --out-of-core-rows to change) from
the same kind of mixture to an uncompressed zarr array in a temporary folder (--store-dir to
choose where; removed afterwards), then fits 32 diagonal components to the zarr array itself
(gmmlib reads it block by block through dask's threaded scheduler) from a given start, for 3 EM
iterations. It reports the peak above the baseline and the time per iteration (the fit's time
over its iterations: with a given start there is no seeding pass). Goal: a peak of a few blocks
(gmmlib.blocks.BLOCK_BYTES each) per dask thread, at most 4 per thread + 100 MB, whatever the
number of rows. The operating system may keep the array in its page cache; that is not the
process's memory.

Usage: python benchmarks/bench_memory.py [--quick] [--n-samples N] [--out-of-core-rows N] [--store-dir DIR]
(--quick skips scikit-learn, whose k-means start and float64 responsibilities take a while, and the
out-of-core fit.)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

N_FEATURES, N_COMPONENTS = 13, 32
MB = 1024 * 1024

STATUS_KB = """
def status_kb(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
"""

CHILD = """
import json, resource, sys, time, warnings
import numpy as np
{imports}

{status_kb}

n, d, k = {n}, {d}, {k}
baseline = status_kb("VmRSS")
rng = np.random.default_rng(0)
centres = rng.normal(scale=3.0, size=(k, d))
X = np.empty((n, d))
for start in range(0, n, 100_000):
    rows = X[start:start + 100_000]
    rows[:] = rng.standard_normal(rows.shape)
    rows += centres[rng.integers(k, size=len(rows))]
with_data = status_kb("VmRSS")
try:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset VmHWM to the current resident size
    reset = True
except OSError:
    reset = False
warnings.simplefilter("ignore")
began = time.perf_counter()
model = {estimator}.fit(X)
seconds = time.perf_counter() - began
print(json.dumps(dict(baseline=baseline, with_data=with_data, peak=status_kb("VmHWM"), reset=reset,
                      seconds=seconds, n_iter=int(model.n_iter_), data_bytes=X.nbytes)))
"""

LIBRARIES = {
    "gmmlib": (
        "from gmmlib import GaussianMixture",
        "GaussianMixture({k}, covariance_type='diag', max_iter={max_iter}, random_state=0)",
    ),
    "sklearn": (
        "from sklearn.mixture import GaussianMixture",
        "GaussianMixture({k}, covariance_type='diag', max_iter={max_iter}, random_state=0)",
    ),
}


OUT_OF_CORE_CHILD = """
import json, resource, time, warnings
import numpy as np
import dask
import zarr
from gmmlib import GaussianMixture
from dask.system import CPU_COUNT
from gmmlib.blocks import BLOCK_BYTES

{status_kb}

n, d, k, max_iter, store = {n}, {d}, {k}, {max_iter}, {store!r}
baseline = status_kb("VmRSS")
rng = np.random.default_rng(0)
centres = rng.normal(scale=3.0, size=(k, d)).astype(np.float32)
stored = zarr.create_array(store, shape=(n, d), chunks=(262_144, d), dtype="float32", compressors=None)
began = time.perf_counter()
for start in range(0, n, 1_048_576):
    rows = min(1_048_576, n - start)
    slab = rng.standard_normal((rows, d), dtype=np.float32)
    slab += centres[rng.integers(k, size=rows)]
    stored[start : start + rows] = slab
    del slab
write_seconds = time.perf_counter() - began
try:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    reset = True
except OSError:
    reset = False
warnings.simplefilter("ignore")
start = dict(
    weights_init=np.full(k, 1 / k),
    means_init=centres + rng.normal(scale=0.5, size=(k, d)),
    precisions_init=np.full((k, d), 0.5),
)
model = GaussianMixture(k, covariance_type="diag", tol=0, max_iter=max_iter, **start)
began = time.perf_counter()
with dask.config.set(scheduler="threads"):
    model.fit(stored)
seconds = time.perf_counter() - began
print(json.dumps(dict(baseline=baseline, peak=status_kb("VmHWM"), reset=reset, seconds=seconds,
                      write_seconds=write_seconds, n_iter=int(model.n_iter_), data_bytes=n * d * 4,
                      block_bytes=BLOCK_BYTES, threads=CPU_COUNT)))
"""


def measure_out_of_core(n, store_dir, max_iter=3):
    with tempfile.TemporaryDirectory(dir=store_dir, prefix="gmmlib-bench-") as folder:
        code = OUT_OF_CORE_CHILD.format(
            status_kb=STATUS_KB, n=n, d=N_FEATURES, k=N_COMPONENTS, max_iter=max_iter, store=f"{folder}/X.zarr"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(library, n, max_iter):
    imports, estimator = LIBRARIES[library]
    code = CHILD.format(
        status_kb=STATUS_KB,
        imports=imports,
        n=n,
        d=N_FEATURES,
        k=N_COMPONENTS,
        estimator=estimator.format(k=N_COMPONENTS, max_iter=max_iter),
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="gmmlib only")
    parser.add_argument("--n-samples", type=int, default=2_000_000)
    parser.add_argument("--out-of-core-rows", type=int, default=100_000_000)
    parser.add_argument("--store-dir", default=None, help="where the out-of-core zarr array is written (a temp folder)")
    args = parser.parse_args()
    runs = [("gmmlib", 10)] + ([] if args.quick else [("sklearn", 3)])
    print(
        f"Fitting {args.n_samples} x {N_FEATURES} float64 with {N_COMPONENTS} diagonal components "
        f"(default initialisation), each in a fresh process.\n"
    )
    header = (
        "| library | EM iterations | data MB | peak above baseline MB | of which the data MB | "
        "goal: 1.5 x data + 300 MB | fit seconds |"
    )
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    met = True
    for library, max_iter in runs:
        result = measure(library, args.n_samples, max_iter)
        data = result["data_bytes"] / MB
        peak = (result["peak"] - result["baseline"]) * 1024 / MB
        limit = 1.5 * data + 300
        verdict = f"{limit:.0f}: {'met' if peak <= limit else 'MISSED'}" if library == "gmmlib" else f"{limit:.0f}"
        met &= library != "gmmlib" or peak <= limit
        print(
            f"| {library} | {result['n_iter']} | {data:.0f} | {peak:.0f} | "
            f"{(result['with_data'] - result['baseline']) * 1024 / MB:.0f} | {verdict} | {result['seconds']:.1f} |",
            flush=True,
        )
        if not result["reset"]:
            print("  (the peak counter could not be reset after creating the data: the peak may include it)")
    print(
        f"\n{'Goal met.' if met else 'Goal missed.'} Peak = VmHWM of the child minus its resident size "
        f"after the imports; {os.cpu_count()} processors."
    )
    if args.quick:
        return
    print(
        f"\nOut of core: {args.out_of_core_rows} x {N_FEATURES} float32 written to an uncompressed zarr array, "
        f"fitted from it with {N_COMPONENTS} diagonal components from a given start (dask threads). "
        f"Load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    header = (
        "| rows | data on disk MB | block MB | dask threads | peak above baseline MB | goal: 4 blocks per thread "
        "+ 100 MB | EM iterations | s/iteration | writing s |"
    )
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    result = measure_out_of_core(args.out_of_core_rows, args.store_dir)
    block = result["block_bytes"] / MB
    peak = (result["peak"] - result["baseline"]) * 1024 / MB
    limit = 4 * block * result["threads"] + 100
    print(
        f"| {args.out_of_core_rows} | {result['data_bytes'] / MB:.0f} | {block:.0f} | {result['threads']} | "
        f"{peak:.0f} | "
        f"{limit:.0f}: {'met' if peak <= limit else 'MISSED'} | {result['n_iter']} | "
        f"{result['seconds'] / result['n_iter']:.1f} | {result['write_seconds']:.0f} |",
        flush=True,
    )
    if not result["reset"]:
        print("  (the peak counter could not be reset after writing the data: the peak may include it)")
    print(f"\nLoad average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
