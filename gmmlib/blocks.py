"""Data beyond one machine's memory: ``GaussianMixture`` on dask arrays and on-disk arrays, block by block.

An E-step is a map-reduce. The sufficient statistics of :mod:`gmmlib.statistics` are sums over
rows, so each block of rows computes its own (:func:`gmmlib.statistics.sum_over_chunks`) where the
block lives, on whichever dask worker holds or reads it, and only those sums travel: ``O(K d^2)``
numbers per block, whatever its number of rows. They are added in a fixed tree, :data:`SPLIT_EVERY`
at a time in block order, so the result depends on the chunking but not on the scheduler, the
number of workers or their timing. The M-step, on those few numbers, runs where ``fit`` was called.
Whichever dask scheduler is active computes the blocks: threads, processes or a
``dask.distributed`` cluster.

``GaussianMixture`` calls these functions when it is given a dask array, a zarr array, an HDF5
(h5py) dataset or, with dask installed, a numpy memmap of a file; the last three are wrapped as dask
arrays (:func:`as_dask_array`), so that memory holds a few blocks at a time. A memmap is wrapped
through :class:`MemmapFile`, not given to ``dask.array.from_array`` itself, which copies any array
with a ``copy`` method into memory whole; it is read from its file only while the file's name still
names the file it maps (:func:`mapped_file`).

Each block's values are checked (finite, not too large for EM) inside the block's own computation,
with the row numbers of the whole array in the messages. For a dask array the scoring methods
return dask arrays, computed block by block when asked for; for the others, ndarrays.

gmmlib imports dask only here, and only when it is given such an array: dask, distributed, zarr
and h5py are the optional ``dask`` extra. The map-reduce, its cost per iteration and a cluster
are shown in ``notebooks/06_scaling.ipynb``; the statistics are derived in
``notebooks/02_em_derivation.ipynb``.
"""

import dataclasses
import importlib.util
import itertools
import os

import numpy as np

from . import _validation as check
from .initialization import nearest_centre
from .statistics import (
    background_term,
    choose_forms,
    label_means,
    label_scatter,
    label_sums,
    parameters_from_label_statistics,
    reassemble,
    score_chunks,
    sum_over_chunks,
)

#: Partial sums added at each node of the reduction tree, in block order.
SPLIT_EVERY = 8
#: Size of a block when a zarr array or HDF5 dataset is wrapped (rounded to whole stored chunks).
BLOCK_BYTES = 1 << 26
#: The seeding of a dask fit runs on a uniform sample of max(SEED_SAMPLE_ROWS,
#: SEED_ROWS_PER_COMPONENT * n_components) rows (all rows when there are fewer).
SEED_SAMPLE_ROWS = 100_000
SEED_ROWS_PER_COMPONENT = 200

_ON_DISK_MODULES = ("zarr", "h5py")


def _package(value):
    return type(value).__module__.partition(".")[0]


def is_dask_array(X):
    """Whether ``X`` is a dask array (told by its type's module, without importing dask)."""
    return _package(X) == "dask" and hasattr(X, "chunks") and hasattr(X, "to_delayed")


def is_blocked(X):
    """Whether ``X`` is fitted block by block: a dask array, a zarr array, an HDF5 dataset or a memmap of a file.

    A memmap only with dask installed (without it, a memmap is an ndarray, fitted in memory), not one
    opened with ``mode="c"``, whose writes stay in memory and are not in its file, and only while its
    file name still names the file it maps (:func:`mapped_file`).
    """
    if isinstance(X, np.memmap):
        return (
            X.filename is not None
            and X.mode != "c"
            and importlib.util.find_spec("dask") is not None
            and mapped_file(X) is not None
        )
    return is_dask_array(X) or _package(X) in _ON_DISK_MODULES


def _file_identity(status):
    return status.st_dev, status.st_ino


def mapped_file(memmap):
    """The (device, inode) of the file ``memmap`` maps, if its file name still names that file; else None.

    On Linux the mapping is looked up in ``/proc/self/maps``: a file replaced under the same name, or
    removed, after it was mapped gives None, and the memmap is then an ndarray fitted in memory, not
    read again from a name that no longer gives its values. Without ``/proc`` the name is taken to
    name the mapped file, as it does unless the file was replaced between mapping and fitting.
    """
    try:
        named = _file_identity(os.stat(memmap.filename))
    except OSError:
        return None
    address = memmap.ctypes.data
    try:
        with open("/proc/self/maps", encoding="ascii") as maps:
            mapping = next((line.split() for line in maps if _holds(line, address)), None)
    except OSError:  # no /proc: not Linux
        return named
    if mapping is None:
        return None
    major, minor = (int(number, 16) for number in mapping[3].split(":"))
    return named if (os.makedev(major, minor), int(mapping[4])) == named else None


def _holds(maps_line, address):
    start, end = (int(bound, 16) for bound in maps_line.split(maxsplit=1)[0].split("-"))
    return start <= address < end


class MemmapFile:
    """The array of a numpy memmap, read from its file block by block: what :func:`as_dask_array` wraps.

    It holds where the array lies in its file (the name, the file's identity, the byte position of its
    first element, its dtype, shape and strides), so it pickles in a few bytes, and each block opens
    the file, checks it is still the one mapped, maps it, copies its rows out and unmaps it: memory
    holds the blocks being computed, not the pages read before. A file's identity belongs to its
    machine: the workers that read a memmap run on the machine that mapped it (a zarr array for a
    cluster of machines).
    """

    def __init__(self, memmap, name="X"):
        mapped = memmap  # the memmap numpy mapped the file for: its data start at byte `offset` of the file
        while isinstance(mapped.base, np.memmap):
            mapped = mapped.base
        self.filename, self.identity, self.name = memmap.filename, mapped_file(memmap), name
        self.position = memmap.offset + memmap.ctypes.data - mapped.ctypes.data
        self.dtype, self.shape, self.strides, self.ndim = memmap.dtype, memmap.shape, memmap.strides, memmap.ndim

    def __getitem__(self, key):
        try:
            with open(self.filename, "rb") as file:
                same_file = _file_identity(os.fstat(file.fileno())) == self.identity
                mapped = np.memmap(file, dtype=np.uint8, mode="r") if same_file else None
        except OSError:
            mapped = None
        if mapped is None:
            raise ValueError(
                f"the file of the memmap {self.name}, {self.filename}, was removed or replaced while "
                f"{self.name} was read, or is read on another machine than the one that mapped it (use a zarr "
                "array there); fit again from a memmap of the file as it is now"
            )
        array = np.ndarray(self.shape, self.dtype, buffer=mapped, offset=self.position, strides=self.strides)
        return np.array(array[key])


def as_dask_array(X, name="X"):
    """``X`` itself if a dask array; a zarr array, HDF5 dataset or memmap (:class:`MemmapFile`) wrapped as one.

    Its blocks are whole numbers of the stored chunks along the rows, about :data:`BLOCK_BYTES`
    each, and span all columns. A zarr group or HDF5 file or group (arrays by name) gets a TypeError
    naming ``name`` and its first members.
    """
    import dask.array as da

    if is_dask_array(X):
        return X
    if not hasattr(X, "dtype"):
        members = list(itertools.islice(X.keys(), 5)) if hasattr(X, "keys") else []
        hint = (
            f"; pass one of its arrays, e.g. {name}[{members[0]!r}] (its first members: {members})" if members else ""
        )
        raise TypeError(
            f"{name} must be an array (a dask array, a zarr array or an h5py Dataset), got an object of type "
            f"{_package(X)}.{type(X).__name__}{hint}"
        )
    if isinstance(X, np.memmap):
        X = MemmapFile(X, name)
    row_bytes = X.dtype.itemsize * int(np.prod(X.shape[1:]))
    rows = max(1, BLOCK_BYTES // max(row_bytes, 1))
    stored = getattr(X, "chunks", None)  # zarr: always; h5py: None for a contiguous dataset
    if stored:
        rows = max(1, rows // stored[0]) * stored[0]
    return da.from_array(X, chunks=(rows,) + (-1,) * (len(X.shape) - 1))


def check_data(X, name="X", min_samples=1):
    """``X`` as a float dask array of shape (n_samples, n_features) whose blocks span all features.

    The rules of :func:`gmmlib._validation.check_data` for type and shape: float32 stays float32,
    other real numbers become float64. The values are checked block by block when they are
    computed (:func:`checked_block`), so that checking reads nothing twice. Blocks of no rows (left
    by boolean indexing and ``compute_chunk_sizes()``) are dropped: every block holds rows.
    """
    X = real_array(as_dask_array(X, name), name)
    check.check_shape(X.shape, name, min_samples)
    _check_known_chunks(X, name)
    return X.astype(check.float_type(X.dtype)).rechunk({0: tuple(rows for rows in X.chunks[0] if rows), 1: -1})


def real_array(array, name):
    """A dask array of real numbers: its dtype checked as in memory, entries of dtype object converted block by block.

    :func:`gmmlib._validation.check_numeric_dtype` refuses other dtypes at once; objects are
    converted to float64 as :func:`gmmlib._validation.check_data` converts them, with its
    messages, when each block is computed.
    """
    if array.dtype.kind == "O":
        return array.map_blocks(check._numeric_array, name, dtype=np.float64, meta=np.empty((0,) * array.ndim))
    check.check_numeric_dtype(array.dtype, array.shape, name)
    return array


def _check_known_chunks(array, name):
    if any(np.isnan(size) for size in array.chunks[0]):
        raise ValueError(
            f"{name} is a dask array with unknown chunk sizes along its rows; call {name}.compute_chunk_sizes() first"
        )


def checked_block(block, first_row, n_samples, name="X"):
    """One block of rows checked as :func:`gmmlib._validation.check_data` checks all data.

    ``first_row`` is the block's first row in the whole array (for the messages) and ``n_samples``
    the whole array's rows (the overflow limit depends on it).
    """
    return check.check_values(np.ascontiguousarray(block), name, first_row, n_samples)


def check_sample_weight(sample_weight, X):
    """Sample weights as a dask array with ``X``'s row blocks, checked and scaled to mean 1.

    As :func:`gmmlib._validation.check_sample_weight`: None gives ones; in-memory weights are
    checked there; a dask array is checked from its extremes (one pass) and scaled (a second).
    """
    import dask
    import dask.array as da

    n_samples, row_blocks = X.shape[0], (X.chunks[0],)
    if sample_weight is None:
        return da.ones(n_samples, dtype=X.dtype, chunks=row_blocks)
    if not is_blocked(sample_weight):
        return da.from_array(check.check_sample_weight(sample_weight, n_samples, X.dtype), chunks=row_blocks)
    weights = real_array(as_dask_array(sample_weight, "sample_weight"), "sample_weight")
    check.check_sample_weight_shape(weights.shape, n_samples)
    _check_known_chunks(weights, "sample_weight")
    weights = weights.astype(np.float64).rechunk(row_blocks)
    all_finite, smallest, largest = dask.compute(da.isfinite(weights).all(), weights.min(), weights.max())
    check.check_sample_weight_values(bool(all_finite), smallest, largest)
    return check.scaled_to_mean_one(weights, largest, X.dtype)


def _row_blocks(X, sample_weight):
    """``(block, its sample weights, its first row)`` for every block of rows; the first two dask delayed.

    ``sample_weight`` is a dask array with ``X``'s row blocks, or in memory (as checked by
    :func:`gmmlib._validation.check_sample_weight`, e.g. in :func:`gmmlib.map_adapt`).
    """
    import dask.array as da

    if not is_dask_array(sample_weight):
        sample_weight = da.from_array(np.asarray(sample_weight), chunks=(X.chunks[0],))
    first_rows = np.cumsum((0, *X.chunks[0][:-1])).tolist()
    return zip(X.to_delayed().ravel(), sample_weight.to_delayed().ravel(), first_rows)


def _added(total, partial):
    """Nested tuples and lists of arrays and numbers, added element by element."""
    if isinstance(total, (tuple, list)):
        return type(total)(_added(a, b) for a, b in zip(total, partial))
    return total + partial


def _add_in_order(*partials):
    total = partials[0]
    for partial in partials[1:]:
        total = _added(total, partial)
    return total


def sum_in_fixed_order(partials):
    """Compute the blocks' partial sums and add them up in a fixed tree; return the total.

    :data:`SPLIT_EVERY` partial sums per node, in block order: the same additions in the same order
    whichever scheduler, workers and timing compute them, so the total is the same bit for bit.
    """
    import dask

    add = dask.delayed(_add_in_order)
    while len(partials) > 1:
        partials = [add(*partials[start : start + SPLIT_EVERY]) for start in range(0, len(partials), SPLIT_EVERY)]
    return dask.compute(partials[0])[0]


@dataclasses.dataclass
class Blocks:
    """Rows of a dask array and their weights: what ``GaussianMixture.fit``'s E-step runs over.

    The blocked counterpart of :class:`gmmlib.statistics.Rows`, with the same :meth:`statistics`.
    """

    X: object
    sample_weight: object

    def statistics(self, weights, means, precisions_cholesky, covariance_type, background_log_density):
        """The E-step's :class:`gmmlib.statistics.SufficientStatistics` (:func:`accumulate_statistics`)."""
        return accumulate_statistics(
            self.X, self.sample_weight, weights, means, precisions_cholesky, covariance_type, background_log_density
        )


def accumulate_statistics(
    X, sample_weight, weights, means, precisions_cholesky, covariance_type, background_log_density=None
):
    """:func:`gmmlib.statistics.accumulate_statistics` of a dask array: the E-step block by block.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features)
        From :func:`check_data`.
    sample_weight : dask array of shape (n_samples,)
        From :func:`check_sample_weight`.
    weights, means, precisions_cholesky, covariance_type, background_log_density
        As for :func:`gmmlib.statistics.accumulate_statistics`.

    Returns
    -------
    SufficientStatistics
    """
    import dask

    order, parts = choose_forms(weights, means, precisions_cholesky, covariance_type, X.dtype)
    shared_parts = dask.delayed(parts, traverse=False)  # sent once per worker, not once per block
    block_statistics = dask.delayed(_block_statistics)
    partials = [
        block_statistics(
            block,
            block_weight,
            first_row,
            X.shape[0],
            shared_parts,
            len(weights),
            background_term(weights, background_log_density),
        )
        for block, block_weight, first_row in _row_blocks(X, sample_weight)
    ]
    log_likelihood, totals, total_weight = sum_in_fixed_order(partials)
    return reassemble(totals, order, parts, log_likelihood, total_weight, X.dtype)


def _block_statistics(block, sample_weight, first_row, n_samples, parts, n_columns, background):
    block = checked_block(block, first_row, n_samples)
    # One thread per block: dask runs the blocks in parallel.
    log_likelihood, totals = sum_over_chunks(
        block, sample_weight, parts, n_columns, background, n_threads=1, first_row=first_row
    )
    return log_likelihood, totals, float(np.sum(sample_weight, dtype=np.float64))


def score_blocks(
    X, weights, means, precisions_cholesky, covariance_type, background_log_density=None, output="log_density"
):
    """:func:`gmmlib.statistics.score_over_chunks` of a dask array, as a dask array (computed when asked).

    Returns
    -------
    dask array of shape (n_samples,), or (n_samples, n_columns) for ``output="responsibilities"``
    """
    import dask

    order, parts = choose_forms(weights, means, precisions_cholesky, covariance_type, X.dtype)
    n_columns = len(weights)
    dtype = np.dtype(np.intp) if output == "labels" else X.dtype
    if output == "responsibilities":
        chunks, dropped = (X.chunks[0], (n_columns,)), []
    else:
        chunks, dropped = (X.chunks[0],), 1
    return X.map_blocks(
        _block_scores,
        dask.delayed(parts, traverse=False),
        order,
        n_columns,
        background_term(weights, background_log_density),
        output,
        X.shape[0],
        chunks=chunks,
        drop_axis=dropped,
        dtype=dtype,
        meta=np.empty((0,) * len(chunks), dtype=dtype),
    )


def _block_scores(block, parts, order, n_columns, background, output, n_samples, block_info=None):
    first_row = block_info[0]["array-location"][0][0]
    block = checked_block(block, first_row, n_samples)
    return score_chunks(block, order, parts, n_columns, background, output, n_threads=1, first_row=first_row)


def seeding_sample_size(n_samples, n_components):
    """Rows of the uniform sample that seeds a dask fit: max(100 000, 200 K), at most all rows."""
    return min(n_samples, max(SEED_SAMPLE_ROWS, SEED_ROWS_PER_COMPONENT * n_components))


def uniform_sample(X, sample_weight, n_components, rng):
    """A uniform random sample of ``X``'s rows of positive weight, and their weights, in memory, for seeding a dask fit.

    All rows when ``X`` has no more than :func:`seeding_sample_size` (so that the seeding is the
    in-memory one); otherwise that many rows drawn without replacement among those of positive
    weight (all of them when there are no more), kept in row order. Rows of zero weight can be
    neither seeds nor part of the first M-step, and a sample blind to the weights could miss the
    few rows that carry them. A pass over the weights counts each block's positive ones (only
    when sampling); one pass over the blocks reads the sample and checks every block's values.

    Returns
    -------
    rows : ndarray of shape (n_rows, n_features)
    weights : ndarray of shape (n_rows,)
    """
    import dask

    n_samples = X.shape[0]
    n_rows = seeding_sample_size(n_samples, n_components)
    row_blocks = list(_row_blocks(X, sample_weight))
    positive_only = n_rows < n_samples
    if positive_only:  # the rows eligible in each block: those of positive weight
        count = dask.delayed(np.count_nonzero)
        eligible = np.array(dask.compute(*[count(block_weight) for _, block_weight, _ in row_blocks]), dtype=np.intp)
    else:
        eligible = np.array(X.chunks[0], dtype=np.intp)
    n_eligible = int(eligible.sum())
    # Ranks among the eligible rows of all blocks, then each block's ranks among its own.
    chosen = np.arange(n_eligible) if n_rows >= n_eligible else np.sort(rng.choice(n_eligible, n_rows, replace=False))
    first_ranks = np.cumsum((0, *eligible))
    bounds = np.searchsorted(chosen, first_ranks)
    take = dask.delayed(_block_sample)
    pieces = dask.compute(
        *[
            take(
                block,
                block_weight,
                first_row,
                n_samples,
                chosen[bounds[index] : bounds[index + 1]] - first_ranks[index],
                positive_only,
            )
            for index, (block, block_weight, first_row) in enumerate(row_blocks)
        ]
    )
    return np.concatenate([rows for rows, _ in pieces]), np.concatenate([weights for _, weights in pieces])


def _block_sample(block, sample_weight, first_row, n_samples, ranks, positive_only):
    """The block's rows of ``ranks`` among its rows (among those of positive weight if ``positive_only``), weights."""
    block = checked_block(block, first_row, n_samples)
    rows = np.flatnonzero(sample_weight > 0)[ranks] if positive_only else ranks
    return block[rows], sample_weight[rows]


def parameters_from_nearest_centres(X, sample_weight, centres, covariance_type, reg_covar):
    """The M-step from each row's nearest centre, block by block: the start of a dask fit.

    :func:`gmmlib.statistics.parameters_from_labels` with ``labels = nearest_centre(X, centres)``,
    its two passes (the means, then the scatter about them) each a map-reduce over the blocks.

    Returns
    -------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray, scikit-learn's shape for ``covariance_type``
    """
    import dask

    n_samples = X.shape[0]
    shared_centres = dask.delayed(centres)
    block_sums = dask.delayed(_block_label_sums)
    counts, sums, total_weight = sum_in_fixed_order(
        [
            block_sums(block, w, first_row, n_samples, shared_centres)
            for block, w, first_row in _row_blocks(X, sample_weight)
        ]
    )
    means = label_means(counts, sums, X.dtype)
    shared_means = dask.delayed(means)
    block_scatter = dask.delayed(_block_label_scatter)
    scatter = sum_in_fixed_order(
        [
            block_scatter(block, w, first_row, n_samples, shared_centres, shared_means, covariance_type)
            for block, w, first_row in _row_blocks(X, sample_weight)
        ]
    )
    return parameters_from_label_statistics(counts, means, scatter, total_weight, covariance_type, reg_covar)


def _block_label_sums(block, sample_weight, first_row, n_samples, centres):
    block = checked_block(block, first_row, n_samples)
    counts, sums = label_sums(block, nearest_centre(block, centres), len(centres), sample_weight)
    return counts, sums, float(np.sum(sample_weight, dtype=np.float64))


def _block_label_scatter(block, sample_weight, first_row, n_samples, centres, means, covariance_type):
    block = checked_block(block, first_row, n_samples)
    return label_scatter(block, nearest_centre(block, centres), means, sample_weight, covariance_type)
