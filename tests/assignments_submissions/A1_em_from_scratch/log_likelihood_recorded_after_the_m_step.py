"""fit_em that records the log-likelihood of the parameters after each M-step (one iteration late)."""

QUESTION = "fit_em"
FEEDBACK = "recorded after the M-step"
CELL = '''
def fit_em(X, n_components, n_iter, seed):
    """EM from a random start: the final parameters and the log-likelihood of every iteration."""
    rng = np.random.default_rng(seed)
    weights = np.full(n_components, 1.0 / n_components)
    means = X[rng.choice(len(X), size=n_components, replace=False)]
    covariances = np.tile(np.cov(X.T, bias=True), (n_components, 1, 1))
    log_likelihoods = []
    for _ in range(n_iter):
        resp, _ = e_step(X, weights, means, covariances)
        weights, means, covariances = m_step(X, resp)
        log_likelihoods.append(e_step(X, weights, means, covariances)[1])
    return weights, means, covariances, log_likelihoods
'''
