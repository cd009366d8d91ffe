"""The M-step delegated to gmmlib.tracking.kalman_update_weighted_mean: right numbers, no credit."""

QUESTION = "kalman_m_step"
FEEDBACK = "kalman_m_step calls kalman_update_weighted_mean (gmmlib.tracking"
CELL = '''
from gmmlib.tracking import kalman_update_weighted_mean


def kalman_m_step(Z, resp, prior_means, prior_covariances, measurement_covariance):
    """The MAP states of the tracks (a Kalman update by the weighted mean each) and the clutter weight."""
    counts, sums = resp[:, :-1].sum(axis=0), resp[:, :-1].T @ Z
    means, covariances = kalman_update_weighted_mean(
        prior_means, prior_covariances, counts, sums, measurement_covariance
    )
    return means, covariances, float(resp[:, -1].sum() / len(Z))
'''
