"""BLAS threads: a context that limits them to one, for code that runs many small products.

OpenBLAS threads spin-wait for a while after each call; between thousands of tiny factorisations,
or beside gmmlib's own chunk threads, they compete for the processors instead of helping (as in
scikit-learn, which limits them the same way with threadpoolctl).
"""

import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_THREADPOOL_CONTROLLER = None
# single_threaded_blas: how many threads are inside it, and the limit they share.
_BLAS_LOCK = threading.Lock()
_BLAS_USERS = 0
_BLAS_LIMIT = None


@contextmanager
def single_threaded_blas():
    """Limit BLAS to one thread inside the ``with`` block.

    ``GaussianMixture.fit`` (initialisation and EM) and its scoring methods run inside this
    context, as do the tracker's frames (:mod:`gmmlib.tracking`): the chunks already run in
    parallel, one per processor, and the tracker's products are too small to share.

    The limit is process-wide, so entries from several threads at once (dask's threads, each
    computing a block) are counted: the first sets it, the last to leave restores the original.
    """
    global _THREADPOOL_CONTROLLER, _BLAS_LIMIT, _BLAS_USERS
    with _BLAS_LOCK:
        if _BLAS_USERS == 0:
            if _THREADPOOL_CONTROLLER is None:
                _THREADPOOL_CONTROLLER = ThreadpoolController()
            _BLAS_LIMIT = _THREADPOOL_CONTROLLER.limit(limits=1, user_api="blas")
        _BLAS_USERS += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_USERS -= 1
            if _BLAS_USERS == 0:
                _BLAS_LIMIT.restore_original_limits()
