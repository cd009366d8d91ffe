"""log_gaussian_density from np.linalg.inv and np.linalg.det: right in 2-D, +inf when |Sigma| underflows.

The handout says never to form Sigma^-1 or |Sigma|. With 50 features of variance about 1e-8, |Sigma|
is about e^-900, which float64 rounds to 0; the Cholesky factor gives log|Sigma| without forming it.
"""

QUESTION = "log_gaussian_density"
FEEDBACK = "underflows to 0 in float64. Never form |Sigma|"
POINTS = 9
CELL = '''
def log_gaussian_density(X, mean, covariance):
    """log N(x_i | mean, covariance) for every row x_i of X."""
    X = np.asarray(X, dtype=float)
    centred = X - mean
    quadratic = np.einsum("ij,jk,ik->i", centred, np.linalg.inv(covariance), centred)
    return -0.5 * X.shape[1] * np.log(2 * np.pi) - 0.5 * np.log(np.linalg.det(covariance)) - 0.5 * quadratic
'''
