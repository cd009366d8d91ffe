"""The means left as the weighted sums sum_i gamma_ik x_i (the covariances use the correct means)."""

QUESTION = "m_step"
FEEDBACK = "means are not divided by N_k"
CELL = '''
def m_step(X, resp):
    """The weights, means and covariances that maximise Q for the responsibilities resp."""
    counts = resp.sum(axis=0)
    weights = counts / len(X)
    sums = resp.T @ X
    covariances = np.empty((len(counts), X.shape[1], X.shape[1]))
    for k in range(len(counts)):
        centred = X - sums[k] / counts[k]
        covariances[k] = (resp[:, k, None] * centred).T @ centred / counts[k]
    return weights, sums, covariances
'''
