"""Responsibilities left as pi_k N(x_i | mu_k, Sigma_k), never divided by p(x_i)."""

QUESTION = "e_step"
FEEDBACK = "rows of resp do not sum to 1"
CELL = '''
def e_step(X, weights, means, covariances):
    """Responsibilities gamma_ik and the log-likelihood sum_i log p(x_i)."""
    log_joint = np.column_stack(
        [np.log(weights[k]) + log_gaussian_density(X, means[k], covariances[k]) for k in range(len(weights))]
    )
    largest = log_joint.max(axis=1, keepdims=True)
    log_evidence = largest[:, 0] + np.log(np.sum(np.exp(log_joint - largest), axis=1))
    return np.exp(log_joint), float(np.sum(log_evidence))
'''
