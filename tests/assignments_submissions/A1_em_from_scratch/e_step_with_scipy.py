"""A correct E-step that borrows scipy's logsumexp, where the assignment asks for numpy only."""

QUESTION = "e_step"
FEEDBACK = "this assignment asks for numpy only"
CELL = '''
from scipy.special import logsumexp


def e_step(X, weights, means, covariances):
    """Responsibilities gamma_ik and the log-likelihood sum_i log p(x_i)."""
    log_joint = np.column_stack(
        [np.log(weights[k]) + log_gaussian_density(X, means[k], covariances[k]) for k in range(len(weights))]
    )
    log_evidence = logsumexp(log_joint, axis=1)
    return np.exp(log_joint - log_evidence[:, None]), float(np.sum(log_evidence))
'''
