"""GaussianMixture on dask arrays and on-disk arrays (gmmlib.blocks) gives the in-memory results.

From the same start, a fit on a dask array equals the in-memory fit to 1e-10 relative in float64
(1e-5 in float32): any chunking, any scheduler, sample weights as a dask array too. For a given
chunking the result is the same bit for bit on every scheduler, a multi-process dask.distributed
cluster included: the blocks' sums are added in a fixed order.
"""

import os
import re
import subprocess
import sys
import textwrap
import tracemalloc
import warnings

import dask
import dask.array as da
import h5py
import numpy as np
import pytest
import zarr
from conftest import COVARIANCE_TYPES, given_start, random_parameters
from distributed import Client, LocalCluster

from gmmlib import EmptyComponentWarning, GaussianMixture, blocks, map_adapt

pytestmark = pytest.mark.filterwarnings("ignore::gmmlib.ConvergenceWarning")

TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}
FITTED = ("weights_", "means_", "covariances_")


@pytest.fixture(scope="module")
def threaded_cluster():
    """Two workers in this process (threads): the distributed scheduler without process start-up."""
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def process_cluster():
    """Two worker processes: blocks, forms and sums pickled between processes."""
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


def mixture(rng, covariance_type, n_samples=3000, n_components=3, n_features=3, dtype=np.float64):
    weights, means, covariances = random_parameters(rng, covariance_type, n_components, n_features)
    X = means[rng.choice(n_components, size=n_samples, p=weights)] + rng.normal(size=(n_samples, n_features))
    start = given_start(means + rng.normal(scale=0.5, size=means.shape), covariance_type, weights, covariances)
    return X.astype(dtype), start


def relative_difference(model, reference):
    return max(
        np.max(np.abs(getattr(model, name) - getattr(reference, name))) / np.max(np.abs(getattr(reference, name)))
        for name in FITTED
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_fit_on_a_dask_array_equals_the_in_memory_fit(covariance_type, dtype):
    rng = np.random.default_rng(1)
    X, start = mixture(rng, covariance_type, dtype=dtype)
    sample_weight = rng.uniform(0, 2, size=len(X))
    settings = dict(tol=0, max_iter=8, **start)
    reference = GaussianMixture(3, **settings).fit(X, sample_weight=sample_weight)
    # Uneven row blocks, split columns (rechunked to whole rows), weights in other blocks.
    X_blocks = da.from_array(X, chunks=((700, 1300, 999, 1), (2, 1)))
    weight_blocks = da.from_array(sample_weight, chunks=1000)
    with dask.config.set(scheduler="threads"):
        model = GaussianMixture(3, **settings).fit(X_blocks, sample_weight=weight_blocks)
    assert all(getattr(model, name).dtype == dtype for name in FITTED)
    assert relative_difference(model, reference) < TOLERANCE[dtype]
    assert model.lower_bound_ == pytest.approx(reference.lower_bound_, rel=TOLERANCE[dtype])
    assert model.n_iter_ == reference.n_iter_ == 8


def test_any_chunking_and_any_scheduler_give_the_in_memory_fit(threaded_cluster, process_cluster):
    rng = np.random.default_rng(2)
    X, start = mixture(rng, "full", n_samples=4000)
    sample_weight = rng.integers(0, 3, size=len(X)).astype(float)
    settings = dict(tol=0, max_iter=6, **start)
    reference = GaussianMixture(3, **settings).fit(X, sample_weight=sample_weight)
    schedulers = {
        "threads": "threads",
        "synchronous": "synchronous",
        "distributed, threads": threaded_cluster,
        "distributed, 2 processes": process_cluster,
    }
    for chunks in (4000, 1000, 333):  # one block, even blocks, many blocks with a short one last
        X_blocks, weight_blocks = da.from_array(X, chunks=(chunks, 3)), da.from_array(sample_weight, chunks=chunks)
        fits = {}
        for name, scheduler in schedulers.items():
            with dask.config.set(scheduler=scheduler):
                fits[name] = GaussianMixture(3, **settings).fit(X_blocks, sample_weight=weight_blocks)
        first = fits["threads"]
        assert relative_difference(first, reference) < 1e-10, chunks
        for name, model in fits.items():  # the same sums in the same order: bit for bit
            for attribute in (*FITTED, "lower_bounds_"):
                np.testing.assert_array_equal(getattr(model, attribute), getattr(first, attribute), err_msg=name)
    assert relative_difference(fits["threads"], reference) > 0  # block boundaries change the rounding


@pytest.mark.parametrize("background_volume", [None, 5000.0], ids=["plain", "background"])
def test_scoring_methods_return_dask_arrays_of_the_in_memory_results(background_volume, threaded_cluster):
    rng = np.random.default_rng(3)
    X, start = mixture(rng, "diag")
    if background_volume is not None:
        X[:200] = rng.uniform(-10, 10, size=(200, 3))
        start["weights_init"] = np.append(0.9 * start["weights_init"], 0.1)
    model = GaussianMixture(3, max_iter=5, background_volume=background_volume, **start).fit(X)
    X_blocks = da.from_array(X, chunks=(700, 3))
    sample_weight = rng.uniform(0, 2, size=len(X))
    for scheduler in ("threads", threaded_cluster):
        with dask.config.set(scheduler=scheduler):
            for method in ("score_samples", "predict_proba", "predict"):
                lazy = getattr(model, method)(X_blocks)
                assert blocks.is_dask_array(lazy) and lazy.chunks[0] == X_blocks.chunks[0], method
                computed, expected = lazy.compute(), getattr(model, method)(X)
                assert computed.dtype == expected.dtype and computed.shape == expected.shape, method
                np.testing.assert_allclose(computed, expected, rtol=1e-12, atol=1e-14, err_msg=method)
            weights = da.from_array(sample_weight, chunks=1000)
            assert model.score(X_blocks, sample_weight=weights) == pytest.approx(
                model.score(X, sample_weight=sample_weight), rel=1e-12
            )
            assert model.bic(X_blocks) == pytest.approx(model.bic(X), rel=1e-12)
            assert model.aic(X_blocks) == pytest.approx(model.aic(X), rel=1e-12)
    if background_volume is not None:
        assert np.any(model.predict(X_blocks).compute() == -1)


@pytest.mark.parametrize("init_params", ["kmeans++", "kmeans", "random", "random_from_data"])
def test_up_to_the_sample_size_the_start_is_the_in_memory_one(init_params):
    # Below seeding_sample_size rows the seeding sees every row, in order, with the same generator,
    # rows of zero weight included.
    rng = np.random.default_rng(4)
    X, _ = mixture(rng, "full", n_samples=2000)
    sample_weight = rng.integers(0, 3, size=len(X)).astype(float)
    settings = dict(n_components=3, init_params=init_params, random_state=7, max_iter=0)
    for weights in (None, sample_weight):
        in_memory = GaussianMixture(**settings).fit(X, sample_weight=weights)
        with dask.config.set(scheduler="threads"):
            blocked = GaussianMixture(**settings).fit(
                da.from_array(X, chunks=(300, 3)), sample_weight=None if weights is None else da.from_array(weights)
            )
        assert relative_difference(blocked, in_memory) < 1e-12


@pytest.mark.parametrize("init_params", ["kmeans++", "kmeans", "random", "random_from_data"])
def test_the_seeding_sample_holds_the_rows_of_positive_weight(init_params, monkeypatch):
    # Three rows of positive weight among 6000 and a sample of 600: a uniform sample would miss them all
    # nine times in ten (a zero weight sum: NaN draws, or raw errors).
    monkeypatch.setattr(blocks, "SEED_SAMPLE_ROWS", 600)
    X = np.random.default_rng(13).normal(size=(6000, 2))
    positive = [10, 3000, 5990]
    sample_weight = np.zeros(len(X))
    sample_weight[positive] = [1.0, 2.0, 3.0]
    X_blocks, weight_blocks = da.from_array(X, chunks=(1000, 2)), da.from_array(sample_weight, chunks=1000)
    with dask.config.set(scheduler="threads"), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("error", EmptyComponentWarning)
        rows, weights = blocks.uniform_sample(X_blocks, weight_blocks, 3, np.random.default_rng(0))
        np.testing.assert_array_equal(rows, X[positive])
        np.testing.assert_array_equal(weights, [1.0, 2.0, 3.0])
        model = GaussianMixture(3, init_params=init_params, random_state=0, max_iter=20)
        model.fit(X_blocks, sample_weight=weight_blocks)
    if init_params != "random":  # each seed a weighted row, which it keeps: weights 1/6, 2/6, 3/6
        np.testing.assert_allclose(np.sort(model.weights_), [1 / 6, 2 / 6, 3 / 6], rtol=1e-6)
    assert np.isfinite(model.lower_bound_)


def test_with_many_positive_weights_the_sample_is_drawn_among_them(monkeypatch):
    monkeypatch.setattr(blocks, "SEED_SAMPLE_ROWS", 600)
    rng = np.random.default_rng(14)
    X = rng.normal(size=(6000, 2))
    sample_weight = np.where(rng.uniform(size=len(X)) < 0.2, rng.uniform(0.5, 2, size=len(X)), 0.0)  # about 1200
    rows, weights = blocks.uniform_sample(
        da.from_array(X, chunks=(700, 2)), da.from_array(sample_weight, chunks=700), 3, np.random.default_rng(0)
    )
    assert rows.shape == (600, 2) and np.all(weights > 0)
    index = np.flatnonzero(np.isin(X[:, 0], rows[:, 0]))  # the rows drawn, distinct, in row order
    assert len(index) == 600 and np.all(sample_weight[index] > 0)
    np.testing.assert_array_equal(X[index], rows)
    np.testing.assert_array_equal(sample_weight[index], weights)


def test_large_data_are_seeded_on_a_uniform_sample_and_fitted(monkeypatch):
    monkeypatch.setattr(blocks, "SEED_SAMPLE_ROWS", 600)
    rng = np.random.default_rng(5)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X = centres[rng.integers(3, size=6000)] + rng.normal(size=(6000, 2))
    X_blocks = da.from_array(X, chunks=(1000, 2))
    rows, weights = blocks.uniform_sample(X_blocks, da.ones(6000, chunks=1000), 3, np.random.default_rng(0))
    assert rows.shape == (600, 2) and weights.shape == (600,)
    assert len(np.unique(rows, axis=0)) == 600 and np.all(np.isin(rows[:, 0], X[:, 0]))  # distinct rows of X
    with dask.config.set(scheduler="threads"):
        model = GaussianMixture(3, covariance_type="diag", random_state=0).fit(X_blocks)
    in_memory = GaussianMixture(3, covariance_type="diag", random_state=0).fit(X)
    order, expected_order = (
        np.argsort(model.means_[:, 0] + 2 * model.means_[:, 1]),
        np.argsort(in_memory.means_[:, 0] + 2 * in_memory.means_[:, 1]),
    )
    np.testing.assert_allclose(model.means_[order], in_memory.means_[expected_order], atol=1e-4)
    assert model.converged_


def test_blocks_of_no_rows_left_by_boolean_indexing_are_dropped():
    rng = np.random.default_rng(12)
    X, start = mixture(rng, "diag", n_samples=1200)
    sample_weight = rng.uniform(0, 2, size=len(X))
    keep = np.arange(len(X)) < 450  # blocks 5 to 11 of 100 rows keep none
    X_blocks, weight_blocks = da.from_array(X, chunks=(100, 3)), da.from_array(sample_weight, chunks=100)
    X_kept, weights_kept = X_blocks[da.from_array(keep, chunks=100)], weight_blocks[da.from_array(keep, chunks=100)]
    X_kept.compute_chunk_sizes(), weights_kept.compute_chunk_sizes()
    assert X_kept.chunks[0][-1] == 0 and weights_kept.chunks[0][-1] == 0
    assert blocks.checked_block(np.empty((0, 3)), 0, len(X)).shape == (0, 3)
    with dask.config.set(scheduler="threads"):
        for settings in (start, dict(covariance_type="diag", random_state=0)):  # given start, or seeded
            model = GaussianMixture(3, tol=0, max_iter=3, **settings).fit(X_kept, sample_weight=weights_kept)
            reference = GaussianMixture(3, tol=0, max_iter=3, **settings).fit(
                X[keep], sample_weight=sample_weight[keep]
            )
            assert relative_difference(model, reference) < 1e-10
        np.testing.assert_allclose(model.predict_proba(X_kept).compute(), reference.predict_proba(X[keep]), rtol=1e-12)
        assert model.score(X_kept, sample_weight=weights_kept) == pytest.approx(
            reference.score(X[keep], sample_weight=sample_weight[keep]), rel=1e-12
        )
        assert model.bic(X_kept) == pytest.approx(reference.bic(X[keep]), rel=1e-12)


def test_integer_sample_weights_on_blocks_equal_repeated_rows():
    rng = np.random.default_rng(6)
    X, start = mixture(rng, "tied", n_samples=1000)
    counts = rng.integers(0, 4, size=len(X))
    settings = dict(tol=0, max_iter=5, **start)
    with dask.config.set(scheduler="threads"):
        weighted = GaussianMixture(3, **settings).fit(
            da.from_array(X, chunks=(250, 3)), sample_weight=da.from_array(counts, chunks=250)
        )
        repeated = GaussianMixture(3, **settings).fit(da.from_array(np.repeat(X, counts, axis=0), chunks=(400, 3)))
    assert relative_difference(weighted, repeated) < 1e-10


def test_bad_blocks_are_named_by_their_row_in_the_whole_array():
    X = np.random.default_rng(7).normal(size=(1000, 2))
    X[777, 1] = np.nan
    X_blocks = da.from_array(X, chunks=(300, 2))
    start = given_start([[0.0, 0.0], [1.0, 1.0]], "diag")
    with dask.config.set(scheduler="threads"):
        for settings in (dict(covariance_type="diag", random_state=0), start):  # seeding pass, or the first E-step
            with pytest.raises(ValueError, match=r"X must contain only finite values .* nan at row 777, column 1"):
                GaussianMixture(2, **settings).fit(X_blocks)
        model = GaussianMixture(2, covariance_type="diag", max_iter=1, random_state=0).fit(X[:700])
        with pytest.raises(ValueError, match="at row 777, column 1"):
            model.predict(X_blocks).compute()


def test_bad_dask_inputs_get_named_errors():
    X = da.from_array(np.random.default_rng(8).normal(size=(100, 2)), chunks=(30, 2))
    model = GaussianMixture(2, random_state=0)
    with pytest.raises(ValueError, match=r"X must be 2-D of shape \(n_samples, n_features\), got 1-D"):
        model.fit(X[:, 0])
    with pytest.raises(ValueError, match="Complex data not supported"):
        model.fit(X.astype(complex))
    with pytest.raises(ValueError, match=r"unknown chunk sizes .* X.compute_chunk_sizes\(\)"):
        model.fit(X[X[:, 0] > 0])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(100,\) to match X, got shape \(99,\)"):
        model.fit(X, sample_weight=da.ones(99, chunks=30))
    with pytest.raises(ValueError, match=r"sample_weight must be non-negative, found minimum -1\.0"):
        model.fit(X, sample_weight=da.from_array(np.r_[np.ones(99), -1.0], chunks=30))
    with pytest.raises(ValueError, match="sample_weight has 1 positive entries; n_components=2 needs at least"):
        model.fit(X, sample_weight=da.from_array(np.r_[np.zeros(99), 1.0], chunks=30))
    with pytest.raises(TypeError, match=r"X must be numeric, got an array of shape \(100, 2\) and dtype <U"):
        model.fit(X.astype(str))
    fitted = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but GaussianMixture is expecting 2 features"):
        fitted.predict(da.zeros((10, 3), chunks=5))


@pytest.mark.parametrize(
    "bad_weights",
    [np.full(100, "1"), np.full(100, "a", dtype=object), np.ones(100, dtype=complex), np.ones((100, 1))],
    ids=["strings", "objects", "complex", "2-D"],
)
def test_bad_dask_sample_weights_get_the_in_memory_error(bad_weights):
    X = np.random.default_rng(8).normal(size=(100, 2))
    model = GaussianMixture(2, random_state=0)
    with pytest.raises((TypeError, ValueError)) as in_memory:
        model.fit(X, sample_weight=bad_weights)
    with pytest.raises(in_memory.type, match=re.escape(str(in_memory.value))):
        model.fit(da.from_array(X, chunks=(30, 2)), sample_weight=da.from_array(bad_weights, chunks=30))


def test_dask_arrays_of_objects_are_converted_as_in_memory():
    rng = np.random.default_rng(15)
    X, start = mixture(rng, "diag", n_samples=300)
    sample_weight = rng.uniform(0, 2, size=len(X))
    settings = dict(tol=0, max_iter=3, **start)
    reference = GaussianMixture(3, **settings).fit(X.astype(object), sample_weight=sample_weight.astype(object))
    with dask.config.set(scheduler="threads"):
        model = GaussianMixture(3, **settings).fit(
            da.from_array(X.astype(object), chunks=(100, 3)),
            sample_weight=da.from_array(sample_weight.astype(object), chunks=100),
        )
    assert relative_difference(model, reference) < 1e-10


def test_a_zarr_group_or_an_hdf5_file_is_refused_naming_its_arrays(tmp_path):
    X = np.random.default_rng(16).normal(size=(100, 2))
    group = zarr.open_group(tmp_path / "x.zarr", mode="w")
    group.create_array("features", shape=X.shape, dtype="float64")[:] = X
    model = GaussianMixture(2, random_state=0)
    with h5py.File(tmp_path / "x.h5", "w") as file:
        file.create_dataset("x", data=X)
        for store, (member,) in ((group, group.keys()), (file, file.keys())):
            expected = r"must be an array \(a dask array, a zarr array or an h5py Dataset\), got an object of type .*"
            with pytest.raises(TypeError, match=rf"^X {expected}; pass one of its arrays, e.g. X\['{member}'\]"):
                model.fit(store)
            with pytest.raises(TypeError, match=rf"^sample_weight {expected}"):
                model.fit(da.from_array(X), sample_weight=store)
        assert model.fit(file["x"]).converged_


def test_float32_scores_are_summed_in_float64():
    # 200 000 float32 log-densities summed in float32 lose about 1e-7 of the mean; in float64, none.
    rng = np.random.default_rng(17)
    X = (100 + 3 * rng.normal(size=(200_000, 2))).astype(np.float32)
    sample_weight = rng.uniform(0, 2, size=len(X))
    model = GaussianMixture(2, covariance_type="diag", max_iter=2, random_state=0).fit(X[:2000])
    with dask.config.set(scheduler="threads"):
        for data, weights in ((X, sample_weight), (da.from_array(X, chunks=(7000, 2)), da.from_array(sample_weight))):
            log_density = np.asarray(model.score_samples(data), dtype=np.float64)
            assert model.score(data) == pytest.approx(np.mean(log_density), rel=1e-12)
            # Up to the weights' rounding to float32 (about 1e-11 here).
            weighted_mean = np.sum(sample_weight * log_density) / np.sum(sample_weight)
            assert model.score(data, sample_weight=weights) == pytest.approx(weighted_mean, rel=1e-9)


def test_zarr_hdf5_and_memmap_arrays_fit_through_the_blocks(tmp_path):
    rng = np.random.default_rng(9)
    X, start = mixture(rng, "full", n_samples=2500, dtype=np.float32)
    settings = dict(tol=0, max_iter=4, **start)
    reference = GaussianMixture(3, **settings).fit(X)
    stored = zarr.create_array(tmp_path / "x.zarr", shape=X.shape, chunks=(400, 3), dtype="float32")
    stored[:] = X
    with h5py.File(tmp_path / "x.h5", "w") as file:
        file.create_dataset("x", data=X, chunks=(500, 3))
    np.save(tmp_path / "x.npy", X)
    memmap = np.load(tmp_path / "x.npy", mmap_mode="r")
    with h5py.File(tmp_path / "x.h5", "r") as file, dask.config.set(scheduler="threads"):
        for name, array in (("zarr", stored), ("hdf5", file["x"]), ("memmap", memmap)):
            assert blocks.is_blocked(array), name
            model = GaussianMixture(3, **settings).fit(array)
            assert relative_difference(model, reference) < 1e-5, name
            assert model.means_.dtype == np.float32
            # Only a dask array gives dask arrays back; these give ndarrays, computed block by block.
            labels = model.predict(array)
            assert isinstance(labels, np.ndarray) and not blocks.is_dask_array(labels), name
            np.testing.assert_array_equal(labels, reference.predict(X), err_msg=name)


def test_a_memmap_is_read_from_its_file_block_by_block(tmp_path, monkeypatch):
    X = np.arange(3000.0).reshape(1000, 3)
    np.save(tmp_path / "x.npy", np.asfortranarray(X))
    memmap = np.load(tmp_path / "x.npy", mmap_mode="r")
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 2400)  # blocks of 100 rows
    for view in (memmap, memmap[::-3, ::-1], memmap[250:, 1:]):  # a Fortran-ordered file; views of it
        wrapped = blocks.as_dask_array(view)
        assert wrapped.numblocks[0] > 1 and not isinstance(wrapped.compute(), np.memmap)
        np.testing.assert_array_equal(wrapped.compute(), view)
    # Not blocked: a copy-on-write memmap (its writes are not in its file), or an ndarray viewing a memmap.
    assert not blocks.is_blocked(np.load(tmp_path / "x.npy", mmap_mode="c"))
    assert not blocks.is_blocked(np.asarray(memmap))


def test_a_memmap_whose_file_name_names_another_file_is_fitted_from_its_own_values(tmp_path):
    rng = np.random.default_rng(11)
    path = tmp_path / "x.npy"
    np.save(path, rng.normal(size=(300, 2)))
    replaced = np.load(path, mmap_mode="r")
    np.save(tmp_path / "new.npy", rng.normal(100.0, 1.0, size=(300, 2)))
    os.replace(tmp_path / "new.npy", path)  # the memmap still maps the old file
    np.save(tmp_path / "gone.npy", rng.normal(size=(300, 2)))
    removed = np.load(tmp_path / "gone.npy", mmap_mode="r")
    os.remove(tmp_path / "gone.npy")
    for memmap in (replaced, removed):
        assert not blocks.is_blocked(memmap)
        model = GaussianMixture(1).fit(memmap)
        np.testing.assert_allclose(model.means_[0], np.mean(memmap, axis=0), rtol=1e-12)


def test_without_proc_a_memmap_is_still_read_block_by_block(tmp_path, monkeypatch):
    np.save(tmp_path / "x.npy", np.arange(600.0).reshape(300, 2))
    memmap = np.load(tmp_path / "x.npy", mmap_mode="r")

    def open_without_proc(path, *args, **kwargs):  # as on a system without /proc (macOS, Windows)
        if str(path).startswith("/proc/"):
            raise FileNotFoundError(path)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(blocks, "open", open_without_proc, raising=False)
    assert blocks.is_blocked(memmap)
    np.testing.assert_array_equal(blocks.as_dask_array(memmap).compute(), memmap)


def test_a_memmap_file_replaced_while_it_is_read_is_refused_by_name(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((300, 2)))
    wrapped = blocks.as_dask_array(np.load(tmp_path / "x.npy", mmap_mode="r"), name="X")
    np.save(tmp_path / "new.npy", np.ones((300, 2)))
    os.replace(tmp_path / "new.npy", tmp_path / "x.npy")
    with pytest.raises(ValueError, match=r"the file of the memmap X, .*x\.npy, was removed or replaced while X"):
        wrapped.compute()


def test_a_memmap_with_missing_values_is_fitted_in_memory(tmp_path):
    X = np.random.default_rng(12).normal(size=(300, 3))
    X[::7, 1] = np.nan
    np.save(tmp_path / "x.npy", X)
    memmap = np.load(tmp_path / "x.npy", mmap_mode="r")
    settings = dict(missing_values="em", random_state=0, max_iter=5, tol=0)
    model, reference = GaussianMixture(2, **settings).fit(memmap), GaussianMixture(2, **settings).fit(X)
    np.testing.assert_array_equal(model.means_, reference.means_)
    np.testing.assert_array_equal(model.score_samples(memmap), reference.score_samples(X))


def test_without_dask_a_memmap_is_fitted_in_memory(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).normal(size=(200, 2)))
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules["dask"] = None  # as if dask were not installed
        import numpy as np
        from gmmlib import GaussianMixture
        X = np.load({str(tmp_path / "x.npy")!r}, mmap_mode="r")
        assert GaussianMixture(2, random_state=0).fit(X).converged_
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def write_zarr(path, n_samples, n_features):
    stored = zarr.create_array(path, shape=(n_samples, n_features), chunks=(4096, n_features), dtype="float64")
    rng = np.random.default_rng(10)
    for start in range(0, n_samples, 100_000):
        stored[start : start + 100_000] = rng.normal(size=(min(100_000, n_samples - start), n_features))
    return stored


def write_memmap(path, n_samples, n_features):
    written = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n_samples, n_features))
    rng = np.random.default_rng(10)
    for start in range(0, n_samples, 100_000):
        written[start : start + 100_000] = rng.normal(size=(min(100_000, n_samples - start), n_features))
    written.flush()
    del written
    return np.load(path, mmap_mode="r")


def fit_peak_memory(array, **settings):
    """Peak memory (bytes traced) of a two-iteration fit of two components (diagonal, seeded, unless ``settings``)."""
    model = GaussianMixture(2, **{"covariance_type": "diag", "max_iter": 2, "random_state": 0, **settings})
    tracemalloc.start()
    with dask.config.set(scheduler="threads", num_workers=2):
        model.fit(array)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


@pytest.mark.parametrize("write", [write_zarr, write_memmap], ids=["zarr", "memmap"])
def test_an_on_disk_fit_holds_a_few_blocks_whatever_the_number_of_rows(write, tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 1 << 20)  # 1 MiB blocks: 16 384 rows of 8 float64
    given = given_start(np.eye(2, 8), "diag")
    small, large = (fit_peak_memory(write(tmp_path / f"{n}", n, 8), **given) for n in (150_000, 600_000))
    # Per worker thread: a block, its chunk's working arrays and the reader's buffers. 29 MB more data
    # (9.6 and 38 MB in all) add no more than the few blocks in flight, which vary with the timing.
    assert large < 12 * 2**20, f"peak {large / 2**20:.1f} MiB for 38 MB of data"
    assert large < small + 4 * 2**20, f"peaks {small / 2**20:.1f} and {large / 2**20:.1f} MiB"


def test_the_default_start_of_an_on_disk_fit_holds_its_sample_whatever_the_number_of_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 1 << 20)
    small, large = (fit_peak_memory(write_zarr(tmp_path / f"{n}", n, 8)) for n in (150_000, 600_000))
    # The seeding's sample of 10^5 rows (6.4 MB, held twice while its blocks' pieces are joined) and
    # k-means++ on it, then blocks as above.
    assert large < 24 * 2**20, f"peak {large / 2**20:.1f} MiB for 38 MB of data, seeded"
    assert large < small + 4 * 2**20, f"seeded peaks {small / 2**20:.1f} and {large / 2**20:.1f} MiB"


def test_a_ubm_trains_from_a_zarr_feature_store_and_adapts(tmp_path):
    # A store laid out as gmmlib.speech writes one: a zarr group holding a float32 "features" array.
    rng = np.random.default_rng(11)
    frames, start = mixture(rng, "diag", n_samples=5000, n_components=4, n_features=13, dtype=np.float32)
    group = zarr.open_group(tmp_path / "features.zarr", mode="w")
    group.create_array("features", shape=frames.shape, chunks=(1024, 13), dtype="float32")[:] = frames
    features = da.from_zarr(tmp_path / "features.zarr", component="features")
    settings = dict(tol=0, max_iter=5, **start)
    with dask.config.set(scheduler="threads"):
        ubm = GaussianMixture(4, **settings).fit(features)
        speaker = map_adapt(ubm, features[:700])
    reference_ubm = GaussianMixture(4, **settings).fit(frames)
    assert relative_difference(ubm, reference_ubm) < 1e-5
    reference_speaker = map_adapt(reference_ubm, frames[:700])
    np.testing.assert_allclose(speaker.means_, reference_speaker.means_, rtol=1e-5, atol=1e-5)


def test_gmmlib_imports_dask_only_when_given_a_dask_array():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        from gmmlib import GaussianMixture
        X = np.random.default_rng(0).normal(size=(200, 2))
        model = GaussianMixture(2, random_state=0).fit(X)
        model.predict(X), model.score(X)
        assert not any(name.split(".")[0] in ("dask", "distributed", "zarr", "h5py") for name in sys.modules)
        import dask.array as da
        model.fit(da.from_array(X, chunks=50))
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
