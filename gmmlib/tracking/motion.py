"""Constant-velocity motion and the Kalman equations the tracker's MAP-EM uses.

The state of an object is ``x = (p_x, p_y, v_x, v_y)``: position first, so that the measurement
matrix is ``H = [I 0]`` (Stone Soup orders ``(p_x, v_x, p_y, v_y)``; the model is the same). The
motion model is Stone Soup's ``ConstantVelocity`` in each coordinate,

    x_t = F x_{t-1} + w_t,   F = [[I, dt I], [0, I]],
    w_t ~ N(0, Q),           Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]],

with ``q`` the process-noise (acceleration) intensity. Derived in
``notebooks/05_multi_object_tracking.ipynb``.
"""

import numpy as np

from .._validation import check_scalar

#: Dimension of the position (the measured part of the state).
N_POSITION = 2


def constant_velocity_model(process_noise, dt=1.0):
    """Transition matrix ``F`` and process-noise covariance ``Q`` of 2-D constant velocity.

    Parameters
    ----------
    process_noise : float
        Non-negative intensity ``q`` of the white-noise acceleration, in position units squared
        per time unit cubed.
    dt : float, default=1.0
        Time between frames.

    Returns
    -------
    transition : ndarray of shape (4, 4)
    process_covariance : ndarray of shape (4, 4)
    """
    check_scalar(process_noise, "process_noise", float, minimum=0)
    check_scalar(dt, "dt", float, minimum=0, include_minimum=False)
    identity = np.eye(N_POSITION)
    transition = np.block([[identity, dt * identity], [np.zeros_like(identity), identity]])
    process_covariance = process_noise * np.block(
        [[dt**3 / 3 * identity, dt**2 / 2 * identity], [dt**2 / 2 * identity, dt * identity]]
    )
    return transition, process_covariance


def kalman_predict(means, covariances, transition, process_covariance):
    """Kalman prediction of a stack of states: ``F x`` and ``F P F^T + Q``.

    Parameters
    ----------
    means : ndarray of shape (n_tracks, 4)
    covariances : ndarray of shape (n_tracks, 4, 4)
    transition, process_covariance : ndarray of shape (4, 4)

    Returns
    -------
    means : ndarray of shape (n_tracks, 4)
    covariances : ndarray of shape (n_tracks, 4, 4)
    """
    return means @ transition.T, transition @ covariances @ transition.T + process_covariance


def kalman_update_weighted_mean(means, covariances, counts, sums, measurement_covariance):
    """The MAP mean update of EM under a Gaussian prior: a Kalman update by the weighted mean.

    Component ``k`` has ``N_k = sum_i gamma_ik`` (``counts``) and ``s_k = sum_i gamma_ik z_i``
    (``sums``). Maximising ``sum_i gamma_ik log N(z_i | H x, R) + log N(x | m, P)`` over ``x``
    is the Kalman update with measurement ``zbar_k = s_k / N_k`` and noise ``R / N_k``. Written
    with ``N_k`` multiplied through, it stays exact for ``N_k = 0`` (no update):

        S_k = N_k H P H^T + R,
        x_k = m + P H^T S_k^{-1} (s_k - N_k H m),
        P_k = P - N_k P H^T S_k^{-1} H P.

    Parameters
    ----------
    means : ndarray of shape (n_tracks, 4)
        Prior (predicted) states ``m``.
    covariances : ndarray of shape (n_tracks, 4, 4)
        Prior covariances ``P``.
    counts : ndarray of shape (n_tracks,)
        ``N_k``, non-negative.
    sums : ndarray of shape (n_tracks, 2)
        ``s_k``.
    measurement_covariance : ndarray of shape (2, 2)
        ``R``, the covariance of one detection about the object's position.

    Returns
    -------
    means : ndarray of shape (n_tracks, 4)
        Posterior (MAP) states.
    covariances : ndarray of shape (n_tracks, 4, 4)
        Posterior covariances, symmetric.
    """
    cross = covariances[:, :, :N_POSITION]  # P H^T, (k, 4, 2)
    innovation_covariance = counts[:, None, None] * cross[:, :N_POSITION, :] + measurement_covariance
    innovation = sums - counts[:, None] * means[:, :N_POSITION]
    # S_k^{-1} [innovation | H P] in one solve per component.
    right = np.concatenate([innovation[:, :, None], np.swapaxes(cross, 1, 2)], axis=2)
    solved = np.linalg.solve(innovation_covariance, right)
    updated_means = means + (cross @ solved[:, :, :1])[:, :, 0]
    updated_covariances = covariances - counts[:, None, None] * (cross @ solved[:, :, 1:])
    updated_covariances = 0.5 * (updated_covariances + np.swapaxes(updated_covariances, 1, 2))
    return updated_means, updated_covariances
