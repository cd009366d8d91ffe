"""An E-step that never returns."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTION = "e_step"
FEEDBACK = "so the grader stopped it"
# fit_em calls e_step: its visible check (run without a stand-in e_step) is stopped too.
ALSO_AFFECTED = {"fit_em": "ran for more than"}
CELL = '''
def e_step(X, weights, means, covariances):
    """Responsibilities gamma_ik and the log-likelihood sum_i log p(x_i)."""
    while True:
        pass
'''
