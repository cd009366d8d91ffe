"""The covariances centred on the means of the starting point (the notebook's data.means), not the new ones."""

QUESTION = "m_step"
FEEDBACK = "covariances are not centred on the new means"
CELL = '''
def m_step(X, resp):
    """The weights, means and covariances that maximise Q for the responsibilities resp."""
    counts = resp.sum(axis=0)
    weights = counts / len(X)
    means = resp.T @ X / counts[:, None]
    covariances = np.empty((len(counts), X.shape[1], X.shape[1]))
    for k in range(len(counts)):
        centred = X - data.means[k]
        covariances[k] = (resp[:, k, None] * centred).T @ centred / counts[k]
    return weights, means, covariances
'''
