"""Grade one submission, in the child process that ``course.py grade`` starts for it.

    python run_submission.py SUBMISSION.ipynb AUTOGRADER.zip RESULT_FD

First it caps its own resources (inherited by anything the submission starts): address space, size
of any file written, CPU time, no core files. It unpacks the autograder's tests and files
(``assignment_data.py``, ``grading_checks.py``) into ``grader/`` beside ``AUTOGRADER.zip``,
on ``sys.path`` but outside the folder the submission works in, so that a submission that clears
its folder cannot delete them.

Then it grades as ``otter run`` does, without a Jupyter kernel: the notebook's code cells run in
this process, in an IPython shell (so magics work), in order, each within a time limit and with its
printed output capped; cells tagged ``otter_ignore`` (the demonstrations) are skipped. Otter is in
grading mode (:meth:`otter.Notebook.init_grading_mode`), so each ``grader.check(q)`` cell runs all
tests of ``q``, visible and hidden, against the notebook's namespace at that point, and otter's
:class:`~otter.execute.Checker` runs at the end the tests that no cell checked. Hidden tests limit
each call of a student's function themselves (``grading_checks.call``); visible tests call the
functions directly, so each visible test gets the same time limit here. The outcome of every test
case is written, once, as JSON to the pipe ``RESULT_FD`` that the grader reads:

    {"questions": {name: [{"name", "points", "hidden", "passed", "message"}, ...]},
     "failure": null or why no test results exist,
     "cell_errors": ["cell 12: NameError: ...", ...]}

and the process ends at once with ``os._exit``, so that no exit hook the submission registered
(``atexit``, a ``finally`` of its own) runs after the results are sent. The pipe is not inherited by
the programs the submission starts; the grader refuses anything but exactly one JSON object.
"""

import glob
import io
import json
import os
import pathlib
import resource
import sys
import zipfile

#: Seconds one notebook cell may run (the grader passes the values through the environment).
CELL_TIME_LIMIT = float(os.environ.get("GRADING_CELL_TIME_LIMIT", "120"))
#: Seconds one visible test may run.
CALL_TIME_LIMIT = float(os.environ.get("GRADING_CALL_TIME_LIMIT", "20"))
#: Characters one cell may print; the rest is dropped.
OUTPUT_LIMIT = int(os.environ.get("GRADING_OUTPUT_LIMIT", "1000000"))


def limit_resources():
    """Apply the limits the grader passes in the environment (bytes, bytes, seconds)."""
    for name, variable in (
        (resource.RLIMIT_AS, "GRADING_MEMORY_LIMIT"),
        (resource.RLIMIT_FSIZE, "GRADING_FILE_SIZE_LIMIT"),
        (resource.RLIMIT_CPU, "GRADING_CPU_LIMIT"),
    ):
        if os.environ.get(variable):
            value = int(float(os.environ[variable]))
            resource.setrlimit(name, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class CappedStream(io.TextIOBase):
    """``stream`` that drops what a cell prints beyond ``OUTPUT_LIMIT`` characters, with one note saying so."""

    def __init__(self, stream):
        self.stream, self.printed = stream, 0

    def write(self, text):
        before, self.printed = self.printed, self.printed + len(text)
        if self.printed <= OUTPUT_LIMIT:
            return self.stream.write(text)
        if before <= OUTPUT_LIMIT:
            self.stream.write(f"{text[: OUTPUT_LIMIT - before]}\n[the grader dropped this cell's output beyond ")
            self.stream.write(f"{OUTPUT_LIMIT:,} characters]\n")
        return len(text)

    def writable(self):
        return True

    def flush(self):
        self.stream.flush()

    def fileno(self):
        return self.stream.fileno()

    @property
    def encoding(self):
        return self.stream.encoding


def grading_shell():
    """An IPython shell for a notebook's cells outside Jupyter, with no history, colours or event loop."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class GradingShell(InteractiveShell):
        def enable_gui(self, gui=None):
            """No event loop to integrate: ``%matplotlib inline`` draws with the grader's Agg backend."""

        def ask_exit(self):
            """``exit()`` in a cell does not end the grading."""

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    return GradingShell.instance(config=config)


def limit_visible_tests(time_limit):
    """Give every visible test case ``CALL_TIME_LIMIT`` seconds.

    otter 7.0.0 (pinned in pyproject.toml) runs each test case of an exception-based test file
    through ``test_case.call_func``; this wraps that method.
    """
    from grading_checks import GradingLimitExceeded
    from otter.test_files.exception_test import test_case

    run_test_case = test_case.call_func

    def call_func_within_limit(self, global_environment):
        if self.hidden:
            return run_test_case(self, global_environment)
        message = (
            f"the visible test {self.name} did not finish within {CALL_TIME_LIMIT:g} s, so the grader stopped it "
            "(does a function it calls loop forever?)"
        )
        try:
            with time_limit(CALL_TIME_LIMIT, message):
                return run_test_case(self, global_environment)
        except GradingLimitExceeded as stopped:  # a BaseException, which otter's test runner would not catch
            # otter finds the test's line in the traceback: the failure keeps the limit's traceback
            raise AssertionError(str(stopped)).with_traceback(stopped.__traceback__) from None

    test_case.call_func = call_func_within_limit


def execute(notebook, shell, time_limit, streams):
    """Run the notebook's code cells (not those tagged ``otter_ignore``); return ``"cell N: Name: message"`` per error.

    N counts the notebook's code cells from 1, skipped ones included.
    """
    from grading_checks import GradingLimitExceeded

    errors = []
    code_cells = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells, start=1):
        if "otter_ignore" in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        for stream in streams:
            stream.printed = 0
        message = f"this cell ran for more than {CELL_TIME_LIMIT:g} s, so the grader stopped it (an endless loop?)"
        try:
            with time_limit(CELL_TIME_LIMIT, message):
                result = shell.run_cell(source, store_history=False)
            error = result.error_before_exec or result.error_in_exec
        except (Exception, GradingLimitExceeded) as raised:  # the time limit struck outside the cell's own code
            error = raised
        if error is not None:
            errors.append(f"cell {number}: {type(error).__name__}: {str(error)[:200]}")
    return errors


def send_and_exit(outcome, result_fd):
    """Write ``outcome`` to the grader's pipe and end this process at once, skipping every exit hook."""
    data = json.dumps(outcome).encode("utf-8")
    while data:
        data = data[os.write(result_fd, data) :]
    os.close(result_fd)
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def main(submission, autograder, result_fd):
    result_fd = int(result_fd)
    os.set_inheritable(result_fd, False)  # the programs a submission starts do not get the grader's pipe
    submission, autograder = (pathlib.Path(p).resolve() for p in (submission, autograder))
    limit_resources()
    grader = autograder.parent / "grader"
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(grader)
    for path in (grader / "files").iterdir():
        path.rename(grader / path.name)
    sys.path.append(str(grader))
    sys.modules.setdefault("rfc3987_syntax", None)  # a slow import otter never uses (see course.OTTER)

    from grading_checks import GradingLimitExceeded, time_limit
    from otter import Notebook
    from otter.execute import Checker
    from otter.test_files import GradingResults

    streams = [CappedStream(sys.stdout), CappedStream(sys.stderr)]
    sys.stdout, sys.stderr = streams
    shell = grading_shell()
    limit_visible_tests(time_limit)
    tests = str(grader / "tests")
    Notebook.init_grading_mode(tests)

    outcome = {"questions": {}, "failure": None, "cell_errors": []}
    os.chdir(submission.parent)
    try:
        notebook = json.loads(submission.read_text(encoding="utf-8"))
        outcome["cell_errors"] = execute(notebook, shell, time_limit, streams)
        for test_path in sorted(glob.glob(os.path.join(tests, "*.py"))):
            Checker.check_if_not_already_checked(test_path, shell.user_ns)
        results = GradingResults(Checker.get_results())
    except (Exception, GradingLimitExceeded) as error:  # the submission may break the grading in any way
        outcome["failure"] = f"the notebook's tests did not run to the end: {type(error).__name__}: {error}"
    else:
        for name, test_file in results.results.items():
            outcome["questions"][name] = [
                {
                    "name": result.test_case.name,
                    "points": float(result.test_case.points or 0),
                    "hidden": bool(result.test_case.hidden),
                    "passed": bool(result.passed),
                    "message": str(result.message or ""),
                }
                for result in test_file.test_case_results
            ]
    send_and_exit(outcome, result_fd)


if __name__ == "__main__":
    main(*sys.argv[1:4])
