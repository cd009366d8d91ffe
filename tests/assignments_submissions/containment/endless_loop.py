"""An E-step that never returns, and swallows every ``Exception`` raised in its loop (the grader's time
limit is a ``BaseException``)."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = ["e_step"]
FEEDBACK = "e_step did not return within"
# fit_em calls e_step: its visible test (run without a stand-in e_step) is stopped too.
ALSO_AFFECTED = {"fit_em": "did not finish within"}
CELL = '''
import time


def e_step(X, weights, means, covariances):
    """Responsibilities gamma_ik and the log-likelihood sum_i log p(x_i)."""
    while True:
        try:
            time.sleep(1)  # where the grader's alarm strikes, inside the try
        except Exception:
            pass
'''
