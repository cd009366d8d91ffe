"""fit_em that records a single log-likelihood, after the loop, instead of one per iteration."""

QUESTION = "fit_em"
FEEDBACK = "log_likelihoods must hold one value per iteration"
CELL = '''
def fit_em(X, n_components, n_iter, seed):
    """EM from a random start: the final parameters and the log-likelihood of every iteration."""
    rng = np.random.default_rng(seed)
    weights = np.full(n_components, 1.0 / n_components)
    means = X[rng.choice(len(X), size=n_components, replace=False)]
    covariances = np.tile(np.cov(X.T, bias=True), (n_components, 1, 1))
    for _ in range(n_iter):
        resp, log_likelihood = e_step(X, weights, means, covariances)
        weights, means, covariances = m_step(X, resp)
    return weights, means, covariances, [log_likelihood]
'''
