"""The clutter column given pi_0 instead of the density pi_0 / V."""

QUESTION = "e_step_with_clutter"
FEEDBACK = "the clutter column must be pi_0 / V"
CELL = '''
def e_step_with_clutter(Z, positions, measurement_covariance, clutter_weight, area):
    """Responsibilities of K tracks and the clutter (last column), and sum_i log p(z_i)."""
    Z, positions = np.asarray(Z, dtype=float), np.asarray(positions, dtype=float)
    lower = np.linalg.cholesky(measurement_covariance)
    track_weight = (1 - clutter_weight) / len(positions)
    log_joint = np.empty((len(Z), len(positions) + 1))
    for k, position in enumerate(positions):
        whitened = np.linalg.solve(lower, (Z - position).T)
        log_density = -np.log(2 * np.pi) - np.sum(np.log(np.diag(lower))) - 0.5 * np.sum(whitened**2, axis=0)
        log_joint[:, k] = np.log(track_weight) + log_density
    log_joint[:, -1] = np.log(clutter_weight)
    largest = log_joint.max(axis=1, keepdims=True)
    log_evidence = largest[:, 0] + np.log(np.sum(np.exp(log_joint - largest), axis=1))
    return np.exp(log_joint - log_evidence[:, None]), float(np.sum(log_evidence))
'''
