"""The log-density without its normalising constant -d/2 log(2 pi)."""

QUESTION = "log_gaussian_density"
FEEDBACK = "the constant -d/2 log(2 pi) is missing"
CELL = '''
def log_gaussian_density(X, mean, covariance):
    """log N(x_i | mean, covariance) for every row x_i of X."""
    lower = np.linalg.cholesky(covariance)
    whitened = np.linalg.solve(lower, (np.asarray(X, dtype=float) - mean).T)
    return -np.sum(np.log(np.diag(lower))) - 0.5 * np.sum(whitened**2, axis=0)
'''
