"""The clutter weight taken from the first column of resp (a track) instead of the last (the clutter): a
mistake the grader does not list, so its feedback states the expected value."""

QUESTION = "kalman_m_step"
FEEDBACK = "the number of detections (got "
CELL = '''
def kalman_m_step(Z, resp, prior_means, prior_covariances, measurement_covariance):
    """The MAP states of the tracks (a Kalman update by the weighted mean each) and the clutter weight."""
    H = np.hstack([np.eye(2), np.zeros((2, 2))])
    state_means, state_covariances = np.array(prior_means, dtype=float), np.array(prior_covariances, dtype=float)
    for k in range(len(state_means)):
        count = resp[:, k].sum()
        if count <= 1e-12:
            continue
        weighted_mean = resp[:, k] @ Z / count
        m, P = state_means[k], state_covariances[k]
        S = H @ P @ H.T + measurement_covariance / count
        gain = np.linalg.solve(S, H @ P).T
        state_means[k] = m + gain @ (weighted_mean - H @ m)
        state_covariances[k] = (np.eye(4) - gain @ H) @ P
    return state_means, state_covariances, float(resp[:, 0].sum() / len(Z))
'''
