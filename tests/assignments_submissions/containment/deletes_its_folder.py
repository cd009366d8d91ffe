"""A cell that deletes everything in its working folder: the grader keeps its tests and data outside it, so no
question is affected."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = []
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
