"""IPython startup file of the grading kernel: limits per notebook cell, and a faster ``import otter``.

The grader copies this file into the kernel's profile (``IPYTHONDIR/profile_default/startup``), so it
runs before the submission's first cell. A cell that runs past ``GRADING_CELL_TIME_LIMIT`` seconds
gets an exception, as if it had raised one itself; the grader executes the notebook with errors
allowed, so the next cell runs and only the questions that depend on that cell lose points. What a
cell prints beyond ``GRADING_OUTPUT_LIMIT`` characters is dropped, so that the executed notebook stays
small whatever the submission prints.
"""

import sys

# otter imports nbformat, which imports jsonschema, which imports rfc3987_syntax (when installed) only
# to offer an "iri" format check that grading never uses; compiling its grammar takes over a second
# in every kernel. Marking it absent makes jsonschema skip it (it guards that import).
sys.modules.setdefault("rfc3987_syntax", None)


def _install_cell_limits():
    import os
    import signal

    from IPython import get_ipython

    limit = float(os.environ.get("GRADING_CELL_TIME_LIMIT", "0"))
    output_limit = int(os.environ.get("GRADING_OUTPUT_LIMIT", "0"))
    printed = [0]

    def bounded(write):
        def write_within_limit(text):
            before, printed[0] = printed[0], printed[0] + len(text)
            if printed[0] <= output_limit:
                return write(text)
            if before <= output_limit:
                note = f"[the grader dropped this cell's output beyond {output_limit:,} characters]"
                write(f"{text[: output_limit - before]}\n{note}\n")
            return len(text)

        return write_within_limit

    if output_limit > 0:
        for stream in (sys.stdout, sys.stderr):
            stream.write = bounded(stream.write)  # on the instance: the kernel's stream objects stay in place

    class CellTimeLimitExceeded(Exception):
        """A notebook cell ran past the grader's time limit."""

    def expire(signum, frame):
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # again, if the cell swallows the exception
        raise CellTimeLimitExceeded(
            f"this cell ran for more than {limit:g} s, so the grader stopped it (an endless loop?)"
        )

    def start(*args):
        printed[0] = 0
        if limit > 0:
            signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, limit)

    def stop(*args):
        if limit > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)

    shell = get_ipython()
    shell.events.register("pre_run_cell", start)
    shell.events.register("post_run_cell", stop)


_install_cell_limits()
del _install_cell_limits
