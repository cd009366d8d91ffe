"""A cell that, for 3 s, kills every other grading process it can see (those started by the same grader):
the submissions graded beside it (--jobs 2) keep their grades."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = []
FEEDBACK = ""
CELL = """
import os
import time

import psutil

end = time.monotonic() + 3
while time.monotonic() < end:
    for process in psutil.process_iter():
        try:
            if process.pid != os.getpid() and process.ppid() == os.getppid() != 0:
                process.kill()
        except psutil.Error:
            pass
    time.sleep(0.05)
"""
