"""Peak memory of fitting 2,000,000 x 13 float64 samples with 32 diagonal components.

Each fit runs in a fresh child process, which reports its resident memory after the imports (the
baseline), after creating the data, and at its peak (VmHWM from /proc/self/status; on systems
without it, ru_maxrss). The data are created in chunks, and the peak counter is reset after
creating them where Linux allows it, so the peak is that of the fit. Goal: gmmlib's peak at most
1.5 times the data plus 300 MB above the baseline.

Usage: python benchmarks/bench_memory.py [--quick] [--n-samples N]
(--quick skips scikit-learn, whose k-means start and float64 responsibilities take a while.)
"""

import argparse
import json
import os
import subprocess
import sys

N_FEATURES, N_COMPONENTS = 13, 32
MB = 1024 * 1024

CHILD = """
import json, resource, sys, time, warnings
import numpy as np
{imports}

def status_kb(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux

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


def measure(library, n, max_iter):
    imports, estimator = LIBRARIES[library]
    code = CHILD.format(
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


if __name__ == "__main__":
    main()
