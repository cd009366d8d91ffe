"""Only the variances: (x_i - mu_k)**2 elementwise instead of the outer product."""

QUESTION = "m_step"
FEEDBACK = "covariances hold only the variances"
CELL = '''
def m_step(X, resp):
    """The weights, means and covariances that maximise Q for the responsibilities resp."""
    counts = resp.sum(axis=0)
    weights = counts / len(X)
    means = resp.T @ X / counts[:, None]
    covariances = np.empty((len(counts), X.shape[1], X.shape[1]))
    for k in range(len(counts)):
        variances = resp[:, k] @ (X - means[k]) ** 2 / counts[k]
        covariances[k] = np.diag(variances)
    return weights, means, covariances
'''
