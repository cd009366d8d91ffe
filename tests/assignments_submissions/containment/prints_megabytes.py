"""An M-step that prints megabytes on every call."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = ["m_step"]
FEEDBACK = "m_step printed more than"
CELL = '''
def m_step(X, resp):
    """The weights, means and covariances that maximise Q for the responsibilities resp."""
    print("debugging " * 300_000)
    counts = resp.sum(axis=0)
    weights = counts / len(X)
    means = resp.T @ X / counts[:, None]
    covariances = np.empty((len(counts), X.shape[1], X.shape[1]))
    for k in range(len(counts)):
        centred = X - means[k]
        covariances[k] = (resp[:, k, None] * centred).T @ centred / counts[k]
    return weights, means, covariances
'''
