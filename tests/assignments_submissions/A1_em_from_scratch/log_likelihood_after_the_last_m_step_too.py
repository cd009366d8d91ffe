"""fit_em that also appends the log-likelihood after the last M-step: n_iter + 1 values, the first n_iter right.

The number of values is one mistake: it costs the two tests that count them (the visible one, 3 points,
and the hidden one, 3 points), not the hidden test of what the values are.
"""

QUESTION = "fit_em"
FEEDBACK = "the extra value is probably the log-likelihood after the final M-step"
POINTS = 9
CELL = '''
def fit_em(X, n_components, n_iter, seed):
    """EM from a random start: the final parameters and the log-likelihood of every iteration."""
    rng = np.random.default_rng(seed)
    weights = np.full(n_components, 1.0 / n_components)
    means = X[rng.choice(len(X), size=n_components, replace=False)]
    covariances = np.tile(np.cov(X.T, bias=True), (n_components, 1, 1))
    log_likelihoods = []
    for _ in range(n_iter):
        resp, log_likelihood = e_step(X, weights, means, covariances)
        log_likelihoods.append(log_likelihood)
        weights, means, covariances = m_step(X, resp)
    log_likelihoods.append(e_step(X, weights, means, covariances)[1])
    return weights, means, covariances, log_likelihoods
'''
