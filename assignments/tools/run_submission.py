"""Grade one submission with otter, in the child process that ``course.py grade`` starts for it.

    python run_submission.py SUBMISSION.ipynb AUTOGRADER.zip RESULT.json

First it caps its own resources (inherited by the notebook's kernel): address space, size of any
file written, CPU time, no core files. Then ``otter run`` (:func:`otter.run.main`) executes the
notebook and its tests, and the outcome of every test case is written to ``RESULT.json``:

    {"questions": {name: [{"name", "points", "passed", "message"}, ...]},
     "failure": null or why otter produced no results,
     "cell_errors": ["cell 12: NameError: ...", ...]}
"""

import json
import os
import resource
import sys


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


def cell_errors(notebook):
    """``"cell N: Name: message"`` for each executed cell that raised (N counts code cells from 1)."""
    errors, number = [], 0
    for cell in notebook.cells if notebook is not None else []:
        if cell.cell_type != "code":
            continue
        number += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"cell {number}: {output.get('ename')}: {str(output.get('evalue'))[:200]}")
    return errors


def main(submission, autograder, result_path):
    limit_resources()
    sys.modules.setdefault("rfc3987_syntax", None)  # a slow import grading never uses: see kernel_startup.py
    from otter.run import main as otter_run

    outcome = {"questions": {}, "failure": None, "cell_errors": []}
    try:
        results = otter_run(submission, autograder=autograder, output_dir=None, no_logo=True)
    except Exception as error:  # the submission may break the grading in any way: report it, whatever it is
        outcome["failure"] = f"otter could not grade the notebook: {type(error).__name__}: {error}"
    else:
        if results.has_catastrophic_failure():
            outcome["failure"] = f"the notebook's tests did not run to the end: {results.summary()}"
        for name, test_file in results.results.items():
            outcome["questions"][name] = [
                {
                    "name": result.test_case.name,
                    "points": float(result.test_case.points or 0),
                    "passed": bool(result.passed),
                    "message": str(result.message or ""),
                }
                for result in test_file.test_case_results
            ]
        outcome["cell_errors"] = cell_errors(results.notebook)
    with open(result_path, "w", encoding="utf-8") as file:
        json.dump(outcome, file)


if __name__ == "__main__":
    main(*sys.argv[1:4])
