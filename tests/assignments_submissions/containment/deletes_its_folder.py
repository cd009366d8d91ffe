"""A cell that deletes everything in its working folder (the grader's copy of the tests included)."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTION = None  # every coded question
FEEDBACK = ""
CELL = """
import pathlib
import shutil

for path in pathlib.Path(".").iterdir():
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
"""
