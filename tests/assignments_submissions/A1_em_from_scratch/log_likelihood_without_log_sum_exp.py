"""Densities exponentiated and summed directly: p(x_i) underflows to 0 far from every mean."""

QUESTION = "e_step"
FEEDBACK = "log-likelihood underflows for points far from every mean: use log-sum-exp"
CELL = '''
def e_step(X, weights, means, covariances):
    """Responsibilities gamma_ik and the log-likelihood sum_i log p(x_i)."""
    joint = np.column_stack(
        [weights[k] * np.exp(log_gaussian_density(X, means[k], covariances[k])) for k in range(len(weights))]
    )
    evidence = joint.sum(axis=1)
    return joint / evidence[:, None], float(np.sum(np.log(evidence)))
'''
