"""An E-step that never returns."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = ["e_step"]
FEEDBACK = "e_step did not return within"
# fit_em calls e_step: its visible test (run without a stand-in e_step) is stopped too.
ALSO_AFFECTED = {"fit_em": "did not finish within"}
CELL = '''
def e_step(X, weights, means, covariances):
    """Responsibilities gamma_ik and the log-likelihood sum_i log p(x_i)."""
    while True:
        pass
'''
