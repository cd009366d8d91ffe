"""Covariances from np.cov with the responsibilities as weights but without bias=True (unbiased normalisation).

np.cov(X.T, aweights=gamma_k) divides by N_k - sum_i gamma_ik^2 / N_k instead of N_k. It costs the
hidden covariance test (6 points), which names it, and the visible one-hot test (3 points).
"""

QUESTION = "m_step"
FEEDBACK = "np.cov's default normalisation is unbiased (divides by N_k - sum_i gamma_ik^2 / N_k)"
POINTS = 11
CELL = '''
def m_step(X, resp):
    """The weights, means and covariances that maximise Q for the responsibilities resp."""
    counts = resp.sum(axis=0)
    weights = counts / len(X)
    means = resp.T @ X / counts[:, None]
    covariances = np.stack([np.cov(X.T, aweights=resp[:, k]) for k in range(len(counts))])
    return weights, means, covariances
'''
