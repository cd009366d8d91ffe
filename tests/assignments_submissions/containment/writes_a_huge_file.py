"""A log-density that writes 100 MB to a file on every call (and to the grader's output stream)."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = ["log_gaussian_density"]
FEEDBACK = "File too large (the grader lets a submission write files of at most 64 MiB)"
# The visible checks of e_step and fit_em call log_gaussian_density too.
ALSO_AFFECTED = {"e_step": "File too large", "fit_em": "File too large"}
CELL = '''
def log_gaussian_density(X, mean, covariance):
    """log N(x_i | mean, covariance) for every row x_i of X."""
    import os

    os.write(1, b"noise " * 200_000)
    with open("cache.bin", "wb") as cache:
        cache.write(bytes(100 * 2**20))
    lower = np.linalg.cholesky(covariance)
    whitened = np.linalg.solve(lower, (np.asarray(X, dtype=float) - mean).T)
    d = whitened.shape[0]
    return -0.5 * d * np.log(2 * np.pi) - np.sum(np.log(np.diag(lower))) - 0.5 * np.sum(whitened**2, axis=0)
'''
