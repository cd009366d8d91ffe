"""A cell that leaves a process behind: forked twice, in a session of its own, without the grader's
environment. It must not outlive the grading (where unshare's PID namespaces work)."""

ASSIGNMENT = "A1_em_from_scratch"
QUESTIONS = []
FEEDBACK = ""
CELL = """
import os
import sys

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        command = [sys.executable, "-c", "import time; time.sleep(600)", "left-behind-by-a-submission"]
        os.execve(sys.executable, command, {})
    os._exit(0)
os.wait()
print("left a process behind", flush=True)
"""
