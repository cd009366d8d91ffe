"""The one EM loop (gmmlib.em_loop.run_em) that GaussianMixture, map_adapt and the tracker share."""

import numpy as np
import pytest

from gmmlib import ConvergenceWarning
from gmmlib.em_loop import run_em, warn_if_not_converged


def halving_steps(target=10.0):
    """A toy EM whose lower bound -|theta - target| halves its gap every iteration."""
    return (lambda theta: (theta, -abs(theta - target))), (lambda statistic, theta: (statistic + target) / 2)


def test_stops_after_the_iteration_whose_change_is_below_tol():
    e_step, m_step = halving_steps()
    run = run_em(e_step, m_step, 0.0, max_iter=100, tol=0.1, record_history=True)
    # Lower bounds -10, -5, -2.5, ...: the first change below 0.1 is -0.156 -> -0.078 (iteration 8).
    assert run.converged and run.n_iter == 8
    np.testing.assert_allclose(run.lower_bounds, -10 / 2 ** np.arange(8))
    assert run.lower_bound == run.lower_bounds[-1]
    assert len(run.history) == 9 and run.history[0] == 0.0 and run.history[-1] == run.parameters
    assert run.parameters == pytest.approx(10 - 10 / 2**8)


def test_a_negative_tol_runs_exactly_max_iter_and_zero_returns_the_start():
    e_step, m_step = halving_steps()
    run = run_em(e_step, m_step, 0.0, max_iter=4, tol=-np.inf)
    assert not run.converged and run.n_iter == 4 and len(run.lower_bounds) == 4
    start = run_em(e_step, m_step, 3.0, max_iter=0, tol=1.0, previous_lower_bound=-2.5)
    assert start.parameters == 3.0 and start.lower_bounds == [] and start.lower_bound == -2.5
    assert start.history is None


def test_the_first_change_is_measured_from_the_previous_lower_bound():
    e_step, m_step = halving_steps()
    # A warm start whose previous lower bound equals the first one converges at once.
    run = run_em(e_step, m_step, 0.0, max_iter=100, tol=1e-12, previous_lower_bound=-10.0)
    assert run.converged and run.n_iter == 1


def test_on_iteration_sees_every_iteration_and_warning_names_the_fit():
    e_step, m_step = halving_steps()
    seen = []
    run = run_em(e_step, m_step, 0.0, max_iter=3, tol=0.0, on_iteration=lambda *args: seen.append(args))
    assert [n for n, _, _ in seen] == [1, 2, 3]
    assert seen[1][2] == pytest.approx(5.0)
    with pytest.warns(ConvergenceWarning, match="the toy fit did not converge in max_iter=3"):
        warn_if_not_converged(run, "the toy fit", 3, 0.0)
