"""A broken E-step, and an exit hook that writes a full score where the grader's results are (the file the
grader once read, or the pipe it reads now): the grader reads its results before any exit hook could run."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = ["e_step"]
FEEDBACK = "broken on purpose"
ALSO_AFFECTED = {"fit_em": "broken on purpose"}  # its visible test calls the notebook's e_step
CELL = """
import atexit
import json
import os
import sys


def e_step(X, weights, means, covariances):
    raise ValueError("broken on purpose")


def full_score():
    names = ["log_gaussian_density", "e_step", "m_step", "fit_em"]
    case = {"points": 100.0, "hidden": True, "passed": True, "message": ""}
    fake = json.dumps({"questions": {name: [{"name": name, **case}] for name in names}, "failure": None})
    with open(os.path.join("..", "result.json"), "w") as file:
        file.write(fake)
    if sys.argv[-1].isdigit():
        os.write(int(sys.argv[-1]), fake.encode())


atexit.register(full_score)
"""
