"""The tracker's model learned by EM: the smoother, each closed-form update, and the learned values."""

from dataclasses import replace

import numpy as np
import pytest

from gmmlib.tracking import (
    EMTracker,
    LearningWarning,
    constant_velocity_model,
    kalman_predict,
    kalman_update_weighted_mean,
    learning,
    rts_smooth,
    scenario_from_trajectories,
    simulate_detections,
    simulate_scenario,
)


def test_rts_smoother_is_the_batch_posterior():
    # A 1-D constant-velocity chain with a Gaussian prior on x_0 and one measurement per step: the
    # smoothed means and covariances are the joint Gaussian posterior's marginals.
    rng = np.random.default_rng(0)
    transition, process = constant_velocity_model(0.3, n_dimensions=1)
    prior_mean, prior_covariance = np.array([0.0, 1.0]), np.diag([4.0, 1.0])
    n_steps, noise = 6, 0.5
    z = np.cumsum(rng.normal(1.0, 0.7, n_steps))
    filtered_means, filtered_covariances = [], []
    mean, covariance = prior_mean[None], prior_covariance[None]
    for t in range(n_steps):
        if t:
            mean, covariance = kalman_predict(mean, covariance, transition, process)
        mean, covariance = kalman_update_weighted_mean(mean, covariance, np.ones(1), z[[t]][None], np.eye(1) * noise)
        filtered_means.append(mean[0])
        filtered_covariances.append(covariance[0])
    means, covariances, lag_one = rts_smooth(
        np.array(filtered_means), np.array(filtered_covariances), transition, process
    )
    # Joint information form over (x_0, ..., x_T-1).
    n = 2 * n_steps
    information, vector = np.zeros((n, n)), np.zeros(n)
    information[:2, :2] += np.linalg.inv(prior_covariance)
    vector[:2] += np.linalg.solve(prior_covariance, prior_mean)
    process_information = np.linalg.inv(process)
    block = np.block(
        [
            [transition.T @ process_information @ transition, -transition.T @ process_information],
            [-process_information @ transition, process_information],
        ]
    )
    for t in range(1, n_steps):
        information[2 * t - 2 : 2 * t + 2, 2 * t - 2 : 2 * t + 2] += block
    for t in range(n_steps):
        information[2 * t, 2 * t] += 1 / noise
        vector[2 * t] += z[t] / noise
    posterior_covariance = np.linalg.inv(information)
    posterior_mean = posterior_covariance @ vector
    np.testing.assert_allclose(means.ravel(), posterior_mean, rtol=1e-9, atol=1e-9)
    for t in range(n_steps):
        np.testing.assert_allclose(
            covariances[t], posterior_covariance[2 * t : 2 * t + 2, 2 * t : 2 * t + 2], atol=1e-10
        )
    for t in range(n_steps - 1):  # Cov(x_t+1, x_t)
        np.testing.assert_allclose(
            lag_one[t], posterior_covariance[2 * t + 2 : 2 * t + 4, 2 * t : 2 * t + 2], atol=1e-10
        )


@pytest.fixture(scope="module")
def pass_and_statistics():
    scenario = simulate_scenario(60, 6, detection_probability=0.8, clutter_per_frame=30.0, random_state=4)
    tracker = EMTracker(scenario.background_volume, learning_max_iter=1)
    tracker.run(scenario.detections)
    result = tracker.track(scenario.detections, tracker.model_)
    return scenario, tracker, result, learning.sequence_statistics(result)


PARAMETERS = {
    "measurement": ["measurement_variance"],
    "process": ["process_noise"],
    "clutter": ["clutter_rate"],
    "detection": ["detection_probability", "points_per_object"],
    "birth_velocity": ["birth_velocity_variance"],
    "survival": ["survival_probability"],
}


@pytest.mark.parametrize("term", list(PARAMETERS))
def test_each_update_maximises_its_term(pass_and_statistics, term):
    _, _, result, statistics = pass_and_statistics
    old = result.model
    new = replace(old, **learning.model_updates(statistics))
    # The model's q and sigma_v^2 come from EM to convergence (motion_em); one step maximises the term.
    if term == "process":
        new = replace(old, process_noise=learning.process_noise_update(statistics))
    if term == "birth_velocity":
        new = replace(old, birth_velocity_variance=learning.birth_velocity_variance_update(statistics))
    value = learning.expected_log_likelihood_terms(statistics, new)[term]
    assert value >= learning.expected_log_likelihood_terms(statistics, old)[term] - 1e-9 * abs(value)
    for name in PARAMETERS[term]:
        for factor in (0.98, 0.999, 1.001, 1.02):
            moved = getattr(new, name) * factor
            if name.endswith("probability") and moved >= 1:
                continue
            perturbed = learning.expected_log_likelihood_terms(statistics, replace(new, **{name: moved}))[term]
            assert perturbed < value, (name, factor)


def test_learned_model_is_close_to_the_simulated_one(pass_and_statistics):
    scenario, _, _, _ = pass_and_statistics
    tracker = EMTracker(scenario.background_volume)
    tracker.run(scenario.detections)
    assert tracker.measurement_sigma_ == pytest.approx(1.0, rel=0.15)
    assert tracker.points_per_object_ == pytest.approx(4.0, rel=0.15)
    assert tracker.detection_probability_ == pytest.approx(0.8, abs=0.1)
    assert tracker.clutter_rate_ == pytest.approx(30.0, rel=0.1)
    assert 0.005 / 4 < tracker.process_noise_ < 0.005 * 4
    assert 0.5 < tracker.birth_velocity_sigma_ < 1.5  # speeds 0.6 to 1.4 per frame, random headings
    assert len(tracker.learning_lower_bounds_) == tracker.n_learning_iter_ >= 1
    assert np.all(np.isfinite(tracker.learning_lower_bounds_))


def test_given_parameters_stay_as_given():
    scenario = simulate_scenario(20, 2, clutter_per_frame=5.0, random_state=0)
    tracker = EMTracker(scenario.background_volume, 2.0, detection_probability=0.9, survival_probability=0.95)
    tracker.run(scenario.detections)
    assert tracker.measurement_sigma_ == 2.0 and tracker.detection_probability_ == 0.9
    assert tracker.survival_probability_ == 0.95 and tracker.points_per_object_ != 3.0  # that one is learned
    learned = ("process_noise", "clutter_rate", "points_per_object", "birth_velocity_sigma")
    assert tracker.learned_parameters_ == learned
    everything = dict(points_per_object=4.0, process_noise=0.005, clutter_rate=5.0, birth_velocity_sigma=1.0)
    fixed = EMTracker(
        scenario.background_volume, 1.0, detection_probability=1.0, survival_probability=0.99, **everything
    )
    fixed.run(scenario.detections)
    assert fixed.n_learning_iter_ == 0 and fixed.learning_lower_bounds_ == [] and fixed.learning_converged_
    assert fixed.learned_parameters_ == ()


def test_a_sequence_without_an_established_track_learns_only_the_clutter_rate():
    # Two frames, each with an object seen only there: no track is reported in three frames, so no pass has
    # data for sigma, q, lambda, P_D, sigma_v or p_S. Their updates are skipped (they used to divide by zero).
    ids, positions = [np.array([0]), np.array([1])], [np.array([[10.0, 10.0]]), np.array([[30.0, 30.0]])]
    scenario = simulate_detections(ids, positions, ((0, 40), (0, 40)), clutter_per_frame=5.0, random_state=0)
    tracker = EMTracker(scenario.background_volume, learning_max_iter=2)
    with pytest.warns(LearningWarning, match="measurement_sigma, process_noise, points_per_object"):
        result = tracker.run(scenario.detections)
    statistics = learning.sequence_statistics(result)
    assert statistics.n_births == 0 and tracker.learned_parameters_ == ("clutter_rate",)
    skipped = (
        learning.measurement_variance_update,
        learning.process_noise_update,
        learning.detection_updates,
        learning.birth_velocity_variance_update,
        learning.survival_probability_update,
        learning.motion_em,
    )
    assert all(update(statistics) is None for update in skipped)
    assert list(learning.model_updates(statistics)) == ["clutter_rate"]
    start = tracker._initial_model(scenario.detections)
    assert replace(tracker.model_, clutter_rate=start.clutter_rate) == start  # the rest kept their start values
    assert tracker.clutter_rate_ != start.clutter_rate


def test_a_sigma_start_that_forms_no_track_warns(tmp_path):
    # A person standing still in a file: the clutter's region is its bounding box widened by 3 sigma (0.9 m
    # square), where the nearest-neighbour start is sigma / 5 and no track forms. run used to stop on a
    # division by zero; it now says that nothing was tracked or learned, and what to give.
    path = tmp_path / "standing.txt"
    path.write_text("".join(f"{10 * t} 1 3.0 2.0\n" for t in range(20)))
    scenario = scenario_from_trajectories(path, measurement_sigma=0.15, clutter_per_frame=0.0, random_state=0)
    tracker = EMTracker(scenario.background_volume)
    with pytest.warns(LearningWarning) as records:
        result = tracker.run(scenario.detections)
    messages = [str(record.message) for record in records]
    assert any(message.startswith("no learning pass established a track") for message in messages), messages
    assert any("no track was reported in any frame" in message for message in messages), messages
    assert not any(len(ids) for ids in result.track_ids) and "measurement_sigma" not in tracker.learned_parameters_
    given = EMTracker(scenario.background_volume, 0.15)
    assert sum(len(ids) for ids in given.run(scenario.detections).track_ids) >= 18


@pytest.mark.parametrize("sigma", [0.15, 1.0, 30.0])
def test_initial_measurement_sigma_is_the_right_scale(sigma):
    scenario = simulate_scenario(
        30,
        6,
        region=((0, 100 * sigma), (0, 100 * sigma)),
        speed=(0.6 * sigma, 1.4 * sigma),
        measurement_sigma=sigma,
        clutter_per_frame=30.0,
        random_state=0,
    )
    start = learning.initial_measurement_sigma(scenario.detections, scenario.background_volume)
    assert sigma / 2 < start < 2 * sigma


def test_motion_em_climbs_the_tracks_likelihood(pass_and_statistics):
    _, _, _, statistics = pass_and_statistics
    run = learning.motion_em(statistics, max_iter=300, tol=1e-7)
    bounds = np.array(run.lower_bounds)
    assert run.converged and len(bounds) > 2
    assert np.all(np.diff(bounds) >= -1e-9 * np.abs(bounds[1:]))
    # Its first step is the one-step updates of the pass's statistics.
    first = learning.motion_em(statistics, max_iter=1).parameters
    np.testing.assert_allclose(
        first,
        [learning.process_noise_update(statistics), learning.birth_velocity_variance_update(statistics)],
        rtol=1e-9,
    )
