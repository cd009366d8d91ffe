"""BLAS threads: a context that limits them to one, for code that runs many small products.

OpenBLAS threads spin-wait for a while after each call; between thousands of tiny factorisations,
or beside gmmlib's own chunk threads, they compete for the processors instead of helping (as in
scikit-learn, which limits them the same way with threadpoolctl).
"""

from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_THREADPOOL_CONTROLLER = None


@contextmanager
def single_threaded_blas():
    """Limit BLAS to one thread inside the ``with`` block.

    ``GaussianMixture.fit`` (initialisation and EM) and its scoring methods run inside this
    context, as do the tracker's frames (:mod:`gmmlib.tracking`): the chunks already run in
    parallel, one per processor, and the tracker's products are too small to share.
    """
    global _THREADPOOL_CONTROLLER
    if _THREADPOOL_CONTROLLER is None:
        _THREADPOOL_CONTROLLER = ThreadpoolController()
    with _THREADPOOL_CONTROLLER.limit(limits=1, user_api="blas"):
        yield
