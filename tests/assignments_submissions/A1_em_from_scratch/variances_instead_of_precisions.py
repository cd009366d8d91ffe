"""An E-step that evaluates the densities itself, with Sigma_k in the quadratic form instead of its inverse."""

QUESTION = "e_step"
FEEDBACK = "uses the covariance Sigma_k where the precision Sigma_k^-1 belongs"
CELL = '''
def e_step(X, weights, means, covariances):
    """Responsibilities gamma_ik and the log-likelihood sum_i log p(x_i)."""
    n, d = X.shape
    log_joint = np.empty((n, len(weights)))
    for k in range(len(weights)):
        centred = X - means[k]
        quadratic = np.einsum("ij,jk,ik->i", centred, covariances[k], centred)
        log_det = np.linalg.slogdet(covariances[k])[1]
        log_joint[:, k] = np.log(weights[k]) - 0.5 * d * np.log(2 * np.pi) - 0.5 * log_det - 0.5 * quadratic
    largest = log_joint.max(axis=1, keepdims=True)
    log_evidence = largest[:, 0] + np.log(np.sum(np.exp(log_joint - largest), axis=1))
    return np.exp(log_joint - log_evidence[:, None]), float(np.sum(log_evidence))
'''
