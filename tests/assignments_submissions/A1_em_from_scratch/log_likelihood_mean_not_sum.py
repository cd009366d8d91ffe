"""fit_em that records the mean log-likelihood per point instead of the total (a factor n too small)."""

QUESTION = "fit_em"
FEEDBACK = "the mean log-likelihood per point, a factor n = "
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
        log_likelihoods.append(log_likelihood / len(X))
        weights, means, covariances = m_step(X, resp)
    return weights, means, covariances, log_likelihoods
'''
