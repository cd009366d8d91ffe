"""Constant-velocity motion and the Kalman equations the tracker's MAP-EM uses.

The state of an object in ``d`` dimensions (``d = 2`` in the notebook) is ``x = (p, v)``, the
position's ``d`` coordinates first, so that the measurement matrix is ``H = [I 0]`` (Stone Soup
orders ``(p_x, v_x, p_y, v_y)``; the model is the same). The motion model is Stone Soup's
``ConstantVelocity`` in each coordinate,

    x_t = F x_{t-1} + w_t,   F = [[I, dt I], [0, I]],
    w_t ~ N(0, Q),           Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]],

with ``q`` the process-noise (acceleration) intensity. Derived in
``notebooks/05_multi_object_tracking.ipynb``.
"""

import numpy as np

from .._validation import check_scalar


def constant_velocity_model(process_noise, dt=1.0, n_dimensions=2):
    """Transition matrix ``F`` and process-noise covariance ``Q`` of constant velocity.

    Parameters
    ----------
    process_noise : float
        Non-negative intensity ``q`` of the white-noise acceleration, in position units squared
        per time unit cubed.
    dt : float, default=1.0
        Time between frames.
    n_dimensions : int, default=2
        Dimension ``d`` of the position; the state has ``2 d`` entries.

    Returns
    -------
    transition : ndarray of shape (2 d, 2 d)
    process_covariance : ndarray of shape (2 d, 2 d)

    Examples
    --------
    >>> from gmmlib.tracking import constant_velocity_model
    >>> transition, process_covariance = constant_velocity_model(0.1, n_dimensions=1)
    >>> transition
    array([[1., 1.],
           [0., 1.]])
    >>> process_covariance.round(4)
    array([[0.0333, 0.05  ],
           [0.05  , 0.1   ]])
    """
    check_scalar(process_noise, "process_noise", float, minimum=0)
    check_scalar(dt, "dt", float, minimum=0, include_minimum=False)
    check_scalar(n_dimensions, "n_dimensions", int, minimum=1)
    identity = np.eye(n_dimensions)
    transition = np.block([[identity, dt * identity], [np.zeros_like(identity), identity]])
    process_covariance = process_noise * np.block(
        [[dt**3 / 3 * identity, dt**2 / 2 * identity], [dt**2 / 2 * identity, dt * identity]]
    )
    return transition, process_covariance


def kalman_predict(means, covariances, transition, process_covariance):
    """Kalman prediction of a stack of states: ``F x`` and ``F P F^T + Q``.

    Parameters
    ----------
    means : ndarray of shape (n_tracks, n_state)
    covariances : ndarray of shape (n_tracks, n_state, n_state)
    transition, process_covariance : ndarray of shape (n_state, n_state)

    Returns
    -------
    means : ndarray of shape (n_tracks, n_state)
    covariances : ndarray of shape (n_tracks, n_state, n_state)
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
    means : ndarray of shape (n_tracks, n_state)
        Prior (predicted) states ``m``, the ``d`` position coordinates first.
    covariances : ndarray of shape (n_tracks, n_state, n_state)
        Prior covariances ``P``.
    counts : ndarray of shape (n_tracks,)
        ``N_k``, non-negative.
    sums : ndarray of shape (n_tracks, d)
        ``s_k``.
    measurement_covariance : ndarray of shape (d, d)
        ``R``, the covariance of one detection about the object's position.

    Returns
    -------
    means : ndarray of shape (n_tracks, n_state)
        Posterior (MAP) states.
    covariances : ndarray of shape (n_tracks, n_state, n_state)
        Posterior covariances, symmetric.

    Examples
    --------
    A 1-D track at 0 of variance 1, and two points of variance 1 whose mean is 2: the update is the
    Kalman update by the measurement 2 of variance 1/2.

    >>> import numpy as np
    >>> from gmmlib.tracking import kalman_update_weighted_mean
    >>> means, covariances = kalman_update_weighted_mean(
    ...     np.zeros((1, 2)), np.eye(2)[None], np.array([2.0]), np.array([[4.0]]), np.eye(1)
    ... )
    >>> means.round(3), covariances[0, 0, 0].round(3)
    (array([[1.333, 0.   ]]), np.float64(0.333))
    """
    n_position = len(measurement_covariance)
    cross = covariances[:, :, :n_position]  # P H^T, (k, n_state, d)
    innovation_covariance = counts[:, None, None] * cross[:, :n_position, :] + measurement_covariance
    innovation = sums - counts[:, None] * means[:, :n_position]
    # S_k^{-1} [innovation | H P] in one solve per component.
    right = np.concatenate([innovation[:, :, None], np.swapaxes(cross, 1, 2)], axis=2)
    gained = cross @ np.linalg.solve(innovation_covariance, right)  # P H^T S_k^{-1} [innovation | H P]
    updated_means = means + gained[:, :, 0]
    updated_covariances = covariances - counts[:, None, None] * gained[:, :, 1:]
    updated_covariances = 0.5 * (updated_covariances + np.swapaxes(updated_covariances, 1, 2))
    return updated_means, updated_covariances


def rts_smooth(filtered_means, filtered_covariances, transition, process_covariance):
    """Rauch-Tung-Striebel smoother: smoothed states and lag-one covariances, of one track or a stack.

    With the filtered ``x_t|t, P_t|t`` and the prediction ``x_t+1|t = F x_t|t``,
    ``P_t+1|t = F P_t|t F^T + Q``, backwards from the last frame:

        J_t = P_t|t F^T P_t+1|t^{-1},
        x_t|T = x_t|t + J_t (x_t+1|T - x_t+1|t),
        P_t|T = P_t|t + J_t (P_t+1|T - P_t+1|t) J_t^T,

    and ``Cov(x_t+1, x_t | all) = P_t+1|T J_t^T``, which the process-noise update needs.

    Parameters
    ----------
    filtered_means : ndarray of shape (..., n_frames, n_state)
    filtered_covariances : ndarray of shape (..., n_frames, n_state, n_state)
    transition, process_covariance : ndarray of shape (n_state, n_state)

    Returns
    -------
    means : ndarray of shape (..., n_frames, n_state)
    covariances : ndarray of shape (..., n_frames, n_state, n_state)
    lag_one_covariances : ndarray of shape (..., n_frames - 1, n_state, n_state)
        ``Cov(x_t+1, x_t | all)`` for ``t = 0 .. n_frames - 2``.

    Examples
    --------
    Two frames of a 1-D object at 0, then measured exactly at 1: the smoother keeps the first
    position and takes the displacement as the first frame's velocity.

    >>> import numpy as np
    >>> from gmmlib.tracking import constant_velocity_model, rts_smooth
    >>> transition, process_covariance = constant_velocity_model(0.01, n_dimensions=1)
    >>> filtered_means = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> filtered_covariances = np.array([np.eye(2), np.diag([1e-9, 1.0])])
    >>> means, _, _ = rts_smooth(filtered_means, filtered_covariances, transition, process_covariance)
    >>> means[0].round(2)
    array([0.  , 0.99])
    """
    means, covariances = filtered_means.copy(), filtered_covariances.copy()
    # The gains J_t depend on the filtered states only: every frame's in one batched solve.
    propagated = transition @ filtered_covariances[..., :-1, :, :]  # F P_t|t
    predicted_means = filtered_means[..., :-1, :] @ transition.T
    predicted_covariances = propagated @ transition.T + process_covariance
    gains = np.swapaxes(np.linalg.solve(predicted_covariances, propagated), -1, -2)
    for t in range(means.shape[-2] - 2, -1, -1):
        gain = gains[..., t, :, :]
        means[..., t, :] += (gain @ (means[..., t + 1, :] - predicted_means[..., t, :])[..., None])[..., 0]
        covariances[..., t, :, :] += (
            gain @ (covariances[..., t + 1, :, :] - predicted_covariances[..., t, :, :]) @ np.swapaxes(gain, -1, -2)
        )
    lag_one = covariances[..., 1:, :, :] @ np.swapaxes(gains, -1, -2)
    return means, covariances, lag_one
