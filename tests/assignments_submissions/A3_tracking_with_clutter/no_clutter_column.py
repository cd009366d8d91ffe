"""Responsibilities of the tracks only: no clutter column (K columns, not K + 1)."""

QUESTION = "e_step_with_clutter"
FEEDBACK = "a column for each of the K = "
CELL = '''
def e_step_with_clutter(Z, positions, measurement_covariance, clutter_weight, area):
    """Responsibilities of the K tracks, and sum_i log p(z_i)."""
    Z, positions = np.asarray(Z, dtype=float), np.asarray(positions, dtype=float)
    lower = np.linalg.cholesky(measurement_covariance)
    log_joint = np.empty((len(Z), len(positions) + 1))
    for k, position in enumerate(positions):
        whitened = np.linalg.solve(lower, (Z - position).T)
        log_density = -np.log(2 * np.pi) - np.sum(np.log(np.diag(lower))) - 0.5 * np.sum(whitened**2, axis=0)
        log_joint[:, k] = np.log((1 - clutter_weight) / len(positions)) + log_density
    log_joint[:, -1] = np.log(clutter_weight) - np.log(area)
    largest = log_joint.max(axis=1, keepdims=True)
    log_evidence = largest[:, 0] + np.log(np.sum(np.exp(log_joint - largest), axis=1))
    return np.exp(log_joint[:, :-1] - log_evidence[:, None]), float(np.sum(log_evidence))
'''
