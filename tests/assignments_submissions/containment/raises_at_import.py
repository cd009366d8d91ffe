"""The set-up cell fails at its first import, so numpy is never imported and no function can run."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = ["log_gaussian_density", "e_step", "m_step", "fit_em"]
FEEDBACK = "name 'np' is not defined"
REPLACE = "from assignment_data import mixture_data"
CELL = """
import numpy_misspelled as np

from assignment_data import mixture_data

data = mixture_data(seed)
X = data.X
"""
