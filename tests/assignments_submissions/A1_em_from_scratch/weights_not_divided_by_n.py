"""The weights left as the soft counts N_k."""

QUESTION = "m_step"
FEEDBACK = "weights are not divided by N"
CELL = '''
def m_step(X, resp):
    """The weights, means and covariances that maximise Q for the responsibilities resp."""
    counts = resp.sum(axis=0)
    weights = counts
    means = resp.T @ X / counts[:, None]
    covariances = np.empty((len(counts), X.shape[1], X.shape[1]))
    for k in range(len(counts)):
        centred = X - means[k]
        covariances[k] = (resp[:, k, None] * centred).T @ centred / counts[k]
    return weights, means, covariances
'''
