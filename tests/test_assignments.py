"""Course assignments (``assignments/``, issue 9): built, graded with feedback, contained, deterministic.

One build (``otter assign`` on every assignment) and two grading runs serve the grading tests: one run
over the solutions, the student notebooks, a solution with another seed and every typical wrong
implementation in ``tests/assignments_submissions/<assignment>/``; one, with short time limits,
over the misbehaving submissions in ``tests/assignments_submissions/containment/``. Each fixture file
there replaces one cell of the instructor's solution (the cell defining the same function, or the
cell holding ``REPLACE``) or adds a cell after the parameters, and says which question must lose
points (``QUESTION``, or ``QUESTIONS`` for a misbehaving one) with which feedback (``FEEDBACK``), and
optionally the points it keeps there (``POINTS``: a mistake costs points once, not on every test it touches).
The student notebooks also run top to bottom in a Jupyter kernel, as a student runs them.
"""

import ast
import contextlib
import csv
import hashlib
import importlib.util
import json
import pathlib
import re
import shutil
import subprocess
import sys
import time
from types import SimpleNamespace

import nbformat
import numpy as np
import papermill
import psutil
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments" / "tools" / "course.py"
FIXTURES = ROOT / "tests" / "assignments_submissions"
ASSIGNMENTS = sorted(path.stem for path in (ROOT / "assignments").glob("A[0-9]*_*.ipynb"))
WRONG = sorted(path for name in ASSIGNMENTS for path in (FIXTURES / name).glob("*.py"))
CONTAINMENT = sorted((FIXTURES / "containment").glob("*.py"))


def course(build_dir, *arguments):
    completed = subprocess.run(
        [sys.executable, str(COURSE), "--build-dir", str(build_dir), *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout + completed.stderr


def fixture_constants(path):
    """The module-level constants of a fixture file (it is read, never imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }


def submission_from(solution_path, constants):
    """The solution notebook with one cell replaced (or added) as the fixture says."""
    notebook = nbformat.read(solution_path, as_version=4)
    cell_source = constants["CELL"].strip() + "\n"
    defined = [node.name for node in ast.parse(cell_source).body if isinstance(node, ast.FunctionDef)]
    marker = constants.get("REPLACE") or (f"def {defined[0]}(" if defined else None)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    matching = [cell for cell in code_cells if marker and marker in cell.source]
    if matching:
        matching[0].source = cell_source
    else:
        parameters = next(i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", []))
        notebook.cells.insert(parameters + 1, nbformat.v4.new_code_cell(cell_source))
    return notebook


def digest(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    build = tmp_path_factory.mktemp("assignments") / "build"
    course(build, "build", "--no-solution-check")  # the grading tests below grade every solution
    return build


def solution(build_dir, assignment):
    return build_dir / "autograder" / assignment / f"{assignment}-solution.ipynb"


@pytest.fixture(scope="module")
def graded(build_dir, tmp_path_factory):
    """Grade every prepared submission in one run; return ``(reports by stem, printed output, folder)``."""
    folder = tmp_path_factory.mktemp("submissions")
    for assignment in ASSIGNMENTS:
        shutil.copy(solution(build_dir, assignment), folder / f"{assignment}-solution.ipynb")
        shutil.copy(build_dir / "student" / assignment / f"{assignment}.ipynb", folder / f"{assignment}-student.ipynb")
    papermill.execute_notebook(
        solution(build_dir, ASSIGNMENTS[0]),
        folder / f"{ASSIGNMENTS[0]}-solution-seed-7.ipynb",
        parameters={"seed": 7},
        prepare_only=True,
        kernel_name="python3",
        progress_bar=False,
    )
    for path in WRONG:
        notebook = submission_from(solution(build_dir, path.parent.name), fixture_constants(path))
        nbformat.write(notebook, folder / f"{path.parent.name}-{path.stem}.ipynb")
    # The same submission twice, under two names: grading must give the same report.
    shutil.copy(folder / f"{ASSIGNMENTS[0]}-weights_not_divided_by_n.ipynb", folder / f"{ASSIGNMENTS[0]}-again.ipynb")
    printed = course(build_dir, "grade", folder, "--jobs", "3")
    reports = {path.stem: json.loads(path.read_text()) for path in (build_dir / "graded").glob("*.json")}
    return reports, printed, folder


@pytest.fixture(scope="module")
def contained(build_dir, tmp_path_factory):
    """Grade the misbehaving submissions, and a solution beside them, with short time limits (own build copy)."""
    build_dir = shutil.copytree(
        build_dir, tmp_path_factory.mktemp("contained") / "build", ignore=shutil.ignore_patterns("graded")
    )
    folder = tmp_path_factory.mktemp("misbehaving")
    shutil.copy(solution(build_dir, ASSIGNMENTS[0]), folder / "innocent-solution.ipynb")
    for path in CONTAINMENT:
        constants = fixture_constants(path)
        nbformat.write(
            submission_from(solution(build_dir, constants["ASSIGNMENT"]), constants), folder / f"{path.stem}.ipynb"
        )
    before = {path: digest(path) for path in [*folder.iterdir(), *(build_dir / "autograder").rglob("*.*")]}
    graded_dir = build_dir / "graded"
    started = time.time() - 1
    printed = course(
        build_dir, "grade", folder, "--jobs", "2", "--cell-time-limit", 8, "--call-time-limit", 3, "--time-limit", 300
    )
    after = {path: digest(path) for path in before}
    reports = {path.stem: json.loads((graded_dir / f"{path.stem}.json").read_text()) for path in folder.glob("*.ipynb")}
    logs = {path.stem: (graded_dir / f"{path.stem}.log").read_text() for path in folder.glob("*.ipynb")}
    notes = {
        row["submission"]: row["notes"]
        for row in csv.DictReader((graded_dir / f"gradebook_{ASSIGNMENTS[0]}.csv").open())
    }
    return reports, logs, notes, before == after, folder, printed, started


def survivors(started, marker):
    """The processes started since ``started`` with ``marker`` in their command line, now killed; zombies left out."""
    found = []
    for process in psutil.process_iter(["cmdline", "create_time", "status"]):
        if marker in (process.info["cmdline"] or []) and process.info["create_time"] >= started:
            if process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(process)
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
    return found


def coded(report):
    return {name: q for name, q in report["questions"].items() if q["points"] is not None}


# The build ------------------------------------------------------------------------------------


def test_there_are_three_assignments_with_enough_wrong_submissions():
    assert ASSIGNMENTS[:3] == ["A1_em_from_scratch", "A2_speaker_identification", "A3_tracking_with_clutter"]
    counts = {name: len(list((FIXTURES / name).glob("*.py"))) for name in ASSIGNMENTS}
    assert counts["A1_em_from_scratch"] >= 8 and counts["A2_speaker_identification"] >= 4, counts
    assert counts["A3_tracking_with_clutter"] >= 4, counts


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_build_holds_no_solution_and_no_hidden_test(build_dir, assignment):
    source = nbformat.read(ROOT / "assignments" / f"{assignment}.ipynb", as_version=4)
    solution_lines, other_lines, hidden_tests = set(), set(), []
    in_block = False  # between raw "# BEGIN SOLUTION" and "# END SOLUTION" cells
    for cell in source.cells:
        if cell.cell_type == "raw" and cell.source.startswith(("# BEGIN SOLUTION", "# END SOLUTION")):
            in_block = cell.source.startswith("# BEGIN SOLUTION")
            continue
        inside = in_block and cell.cell_type == "markdown"  # a model answer, whole
        for line in cell.source.splitlines():
            if cell.cell_type == "code" and "# BEGIN SOLUTION" in line:
                inside = True
            elif cell.cell_type == "code" and "# END SOLUTION" in line:
                inside = False
            elif len(line.strip()) >= 24 and not line.strip().startswith("#"):
                (solution_lines if inside else other_lines).add(line.strip())
        if cell.cell_type == "code" and re.search(r"^hidden:\s*true", cell.source, flags=re.MULTILINE):
            hidden_tests.append(re.search(r"def (test_\w+)", cell.source).group(1))
    other_text = "\n".join(other_lines)  # what the handout also shows (a prompt, the contract) is no solution
    solution_lines = {line for line in solution_lines if line not in other_text}
    assert len(solution_lines) >= 8 and len(hidden_tests) >= 4
    student = build_dir / "student" / assignment
    text = "\n".join(path.read_text(encoding="utf-8") for path in student.rglob("*") if path.is_file())
    leaked = [line for line in solution_lines if line in text]
    assert not leaked, f"solution lines in the student build: {leaked[:3]}"
    assert not [name for name in hidden_tests if name in text]
    assert not (student / "grading_checks.py").exists()
    # The autograder holds every hidden test.
    autograder = (build_dir / "autograder" / assignment / "autograder.zip").read_bytes()
    assert all(name.encode() in autograder for name in hidden_tests)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_notebook_runs_top_to_bottom(graded, build_dir, assignment, tmp_path):
    """In a Jupyter kernel, as handed out: no cell raises, and each cell showing results says why it is empty.

    Grading skips those cells (tagged ``otter_ignore``); the gradebook notes any other cell that raised.
    """
    rows = list(csv.DictReader((build_dir / "graded" / f"gradebook_{assignment}.csv").open()))
    notes = {row["submission"]: row["notes"] for row in rows}
    assert "cells that raised" not in notes[f"{assignment}-student.ipynb"]
    folder = shutil.copytree(build_dir / "student" / assignment, tmp_path / assignment)
    executed = papermill.execute_notebook(
        folder / f"{assignment}.ipynb", None, kernel_name="python3", cwd=folder, progress_bar=False
    )
    demonstrations = [cell for cell in executed.cells if "otter_ignore" in cell.metadata.get("tags", [])]
    assert demonstrations
    for cell in demonstrations:
        printed = "".join(output.get("text", "") for output in cell.outputs)
        assert "not written yet" in printed, (cell.source, printed)


def test_build_refuses_a_folder_it_did_not_create(tmp_path):
    (tmp_path / "notes.txt").write_text("the instructor's own file")
    completed = subprocess.run(
        [sys.executable, str(COURSE), "--build-dir", str(tmp_path), "build"], capture_output=True, text=True, cwd=ROOT
    )
    assert completed.returncode != 0 and "did not generate" in completed.stderr
    assert (tmp_path / "notes.txt").read_text() == "the instructor's own file"


def test_handout_gives_each_student_a_seed_of_their_own(build_dir, tmp_path):
    roster = tmp_path / "roster.txt"
    roster.write_text("ada\ngrace\n")
    handout_build = shutil.copytree(build_dir, tmp_path / "build", ignore=shutil.ignore_patterns("graded"))
    instructors_note = handout_build / "student" / ASSIGNMENTS[0] / "notes.txt"
    instructors_note.write_text("the instructor's own file")
    course(handout_build, "build", "--no-solution-check")  # a rebuild replaces what the first build wrote
    first_roster = tmp_path / "first_roster.txt"
    first_roster.write_text("ada\n")
    course(handout_build, "handout", first_roster)
    course(handout_build, "handout", roster)  # and so does a second handout
    assert instructors_note.read_text() == "the instructor's own file"  # and nothing else
    assert not list((handout_build / "handout").rglob("notes.txt"))
    rows = list(csv.DictReader((handout_build / "handout" / "seeds.csv").open()))
    assert len(rows) == 2 * len(ASSIGNMENTS) and len({row["seed"] for row in rows}) == len(rows)
    row = rows[0]
    notebook = nbformat.read(
        handout_build / "handout" / row["student"] / row["assignment"] / f"{row['assignment']}.ipynb", 4
    )
    injected = [cell for cell in notebook.cells if "injected-parameters" in cell.metadata.get("tags", [])]
    assert injected and f"seed = {row['seed']}" in injected[0].source
    # Grading flags a file named after a student whose seed is not the one handed out to them.
    assignment = "A3_tracking_with_clutter"
    seeds = {row["student"]: int(row["seed"]) for row in rows if row["assignment"] == assignment}
    collected = tmp_path / "collected"
    collected.mkdir()
    papermill.execute_notebook(
        solution(handout_build, assignment),
        collected / f"grace_{assignment}.ipynb",
        parameters={"seed": seeds["grace"]},
        prepare_only=True,
        kernel_name="python3",
        progress_bar=False,
    )
    shutil.copy(solution(handout_build, assignment), collected / f"ada_{assignment}.ipynb")  # seed 0
    printed = course(handout_build, "grade", collected, "--jobs", "2")
    assert f"seed 0, but ada was handed out seed {seeds['ada']}" in printed
    gradebook = csv.DictReader((handout_build / "graded" / f"gradebook_{assignment}.csv").open())
    notes = {row["submission"]: row["notes"] for row in gradebook}
    assert "handed out" in notes[f"ada_{assignment}.ipynb"] and "handed out" not in notes[f"grace_{assignment}.ipynb"]
    report = json.loads((handout_build / "graded" / f"grace_{assignment}.json").read_text())
    assert report["total"] == report["max_total"]  # the solution with a seed from the roster


# Grading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks_with_any_seed(graded, assignment):
    reports, _, _ = graded
    for stem in (f"{assignment}-solution", f"{assignment}-solution-seed-7")[: 2 if assignment == ASSIGNMENTS[0] else 1]:
        report = reports[stem]
        assert report["total"] == report["max_total"] > 0, report
        assert all(q["feedback"] == "all checks passed" for q in coded(report).values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_notebook_scores_zero_with_a_hint(graded, assignment):
    report = graded[0][f"{assignment}-student"]
    assert report["total"] == 0 and report["max_total"] > 0
    assert all(q["points"] == 0 and "NotImplementedError" in q["feedback"] for q in coded(report).values())
    manual = [q for q in report["questions"].values() if q["points"] is None]
    assert manual and all("graded by hand" in q["feedback"] for q in manual)


def test_report_schema_and_gradebook(graded, build_dir):
    reports, printed, folder = graded
    assert set(reports) >= {path.stem for path in folder.glob("*.ipynb")}
    for report in reports.values():
        assert list(report) == ["assignment", "total", "max_total", "questions"]
        assert all(set(q) == {"points", "max_points", "feedback"} for q in report["questions"].values())
        assert report["total"] == pytest.approx(sum(q["points"] for q in coded(report).values()))
    for assignment in ASSIGNMENTS:
        rows = list(csv.DictReader((build_dir / "graded" / f"gradebook_{assignment}.csv").open()))
        submissions = {path.name for path in folder.glob(f"{assignment}-*.ipynb")}
        assert {row["submission"] for row in rows} == submissions
        solution_row = next(row for row in rows if row["submission"] == f"{assignment}-solution.ipynb")
        assert (
            solution_row["seed"] == "0" and float(solution_row["total"]) == reports[f"{assignment}-solution"]["total"]
        )
        assert "same seed as" in solution_row["notes"]  # the student notebook and the wrong ones share seed 0
    assert "all checks passed" in printed and "NotImplementedError" in printed


@pytest.mark.parametrize("path", WRONG, ids=lambda path: f"{path.parent.name[:2]}-{path.stem}")
def test_wrong_submission_loses_points_on_its_question_with_its_feedback(graded, path):
    constants = fixture_constants(path)
    report = graded[0][f"{path.parent.name}-{path.stem}"]
    question = report["questions"][constants["QUESTION"]]
    assert question["points"] < question["max_points"]
    assert question["points"] == constants.get("POINTS", question["points"]), question
    first_line = question["feedback"].splitlines()[0]  # what make grade prints: the mistake, named
    assert constants["FEEDBACK"] in first_line, question["feedback"]
    others = {name: q for name, q in coded(report).items() if name != constants["QUESTION"]}
    assert all(q["points"] == q["max_points"] for q in others.values()), others


def test_printed_line_names_how_many_more_messages_the_json_holds(graded):
    """One line per question: the first message, cut at 200 characters, and how many more are in the JSON."""
    printed = graded[1].splitlines()
    stem = f"{ASSIGNMENTS[0]}-log_likelihood_after_the_last_m_step_too"
    start = next(i for i, line in enumerate(printed) if line.startswith(f"{stem}.ipynb "))
    end = next(i for i in range(start, len(printed)) if printed[i].startswith("  -> "))
    json_path = printed[end].removeprefix("  -> ")
    assert json_path.endswith(f"{stem}.json")
    lines = {line.split()[0]: line for line in printed[start + 1 : end]}
    assert "the extra value is probably" in lines["fit_em"]
    assert lines["fit_em"].endswith(f" (+1 more, see {json_path})"), lines["fit_em"]
    assert "all checks passed" in lines["m_step"] and "more, see" not in lines["m_step"]
    assert max(len(line) for line in lines.values()) < 200 + len(json_path) + 60


def test_grading_is_deterministic(build_dir, graded):
    first = (build_dir / "graded" / f"{ASSIGNMENTS[0]}-weights_not_divided_by_n.json").read_bytes()
    assert (build_dir / "graded" / f"{ASSIGNMENTS[0]}-again.json").read_bytes() == first
    assert b"weights are not divided by N" in first


# Containment ----------------------------------------------------------------------------------


def test_misbehaving_submissions_lose_the_affected_questions_only(contained):
    reports = contained[0]
    for path in CONTAINMENT:
        constants = fixture_constants(path)
        report = reports[path.stem]
        affected = constants["QUESTIONS"]
        also = constants.get("ALSO_AFFECTED", {})
        for name, question in coded(report).items():
            if name in affected:  # every hidden test of the question fails (a visible one may pass)
                assert question["points"] < question["max_points"] / 2, (path.stem, question)
                assert constants["FEEDBACK"] in question["feedback"], (path.stem, question)
            elif name in also:  # its visible test calls the misbehaving function
                assert question["points"] == question["max_points"] or also[name] in question["feedback"], question
            else:
                assert question["points"] == question["max_points"], (path.stem, name, question)
    assert reports["innocent-solution"]["total"] == reports["innocent-solution"]["max_total"]


def test_misbehaving_submissions_change_no_file_outside_their_folder(contained):
    _, logs, notes, unchanged, folder, _, _ = contained
    assert (
        "cells that raised" in notes["raises_at_import.ipynb"]
        and "ModuleNotFoundError" in notes["raises_at_import.ipynb"]
    )
    assert unchanged  # the submitted notebooks and the autograders
    assert not list(folder.glob("cache.bin"))
    assert max(len(log) for log in logs.values()) < 70_000
    assert "more characters of output dropped" in logs["writes_a_huge_file"]


def test_the_endless_loop_is_stopped_in_time(contained):
    """Each visible test and the first hidden call get the call time limit (3 s here); later calls fail at once."""
    questions = contained[0]["endless_loop"]["questions"]
    assert "e_step did not return within 3 s" in questions["e_step"]["feedback"]
    assert "visible test e_step - 1 did not finish within 3 s" in questions["e_step"]["feedback"]
    assert "visible test fit_em - 1 did not finish within 3 s" in questions["fit_em"]["feedback"]


def test_a_submission_that_defeats_the_cell_limit_is_stopped_with_everything_it_started(build_dir, tmp_path):
    """The wall-clock limit per submission is the last resort: the child and every process it started end."""
    cell = """
import signal
import subprocess
import sys
import time

signal.signal(signal.SIGALRM, signal.SIG_IGN)  # no more time limits per cell
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "helper-of-a-stopped-submission"])
print("helper started", flush=True)
time.sleep(600)
"""
    assignment = ASSIGNMENTS[0]
    nbformat.write(submission_from(solution(build_dir, assignment), {"CELL": cell}), tmp_path / f"{assignment}.ipynb")
    build = shutil.copytree(build_dir, tmp_path / "build", ignore=shutil.ignore_patterns("graded"))
    started = time.time() - 1
    printed = course(build, "grade", tmp_path / f"{assignment}.ipynb", "--time-limit", 15)
    report = json.loads((build / "graded" / f"{assignment}.json").read_text())
    assert report["total"] == 0, report
    assert all("did not finish within 15 s, so the grader stopped it" in q["feedback"] for q in coded(report).values())
    assert "did not finish within 15 s" in printed
    assert "helper started" in (build / "graded" / f"{assignment}.log").read_text()
    assert not survivors(started, "helper-of-a-stopped-submission")


def test_no_process_a_submission_leaves_behind_outlives_its_grading(contained):
    """Where unshare works, each grading has its own PID namespace, which ends with it; else the grader says so."""
    logs, printed, started = contained[1], contained[5], contained[6]
    assert "left a process behind" in logs["leaves_a_process_behind"]
    left = survivors(started, "left-behind-by-a-submission")
    assert not left or "warning: grading without PID and network namespaces" in printed


def test_without_namespaces_a_submission_killed_by_another_is_graded_again_alone(build_dir, tmp_path):
    assignment = ASSIGNMENTS[0]
    killer = fixture_constants(FIXTURES / "containment" / "kills_its_siblings.py")
    folder = tmp_path / "collected"
    folder.mkdir()
    nbformat.write(submission_from(solution(build_dir, assignment), killer), folder / "a_kills_its_siblings.ipynb")
    shutil.copy(solution(build_dir, assignment), folder / "b_innocent.ipynb")
    build = shutil.copytree(build_dir, tmp_path / "build", ignore=shutil.ignore_patterns("graded"))
    printed = course(build, "grade", folder, "--jobs", "2", "--no-namespaces")
    assert (
        "warning: grading without PID and network namespaces (`unshare --user --pid --net` was turned off)" in printed
    )
    assert "b_innocent.ipynb: ended by a signal while others were graded; grading it again alone" in printed
    for stem in ("a_kills_its_siblings", "b_innocent"):
        report = json.loads((build / "graded" / f"{stem}.json").read_text())
        assert report["total"] == report["max_total"], report


def test_submissions_of_the_same_name_from_two_folders_keep_their_own_results(build_dir, tmp_path):
    assignment = ASSIGNMENTS[0]
    build = shutil.copytree(build_dir, tmp_path / "build", ignore=shutil.ignore_patterns("graded"))
    submissions = {
        "first": build / "student" / assignment / f"{assignment}.ipynb",
        "second": solution(build, assignment),
    }
    for folder, source in submissions.items():
        (tmp_path / folder).mkdir()
        shutil.copy(source, tmp_path / folder / f"{assignment}.ipynb")
        course(build, "grade", tmp_path / folder / f"{assignment}.ipynb")
    printed = course(build, "grade", tmp_path / "first" / f"{assignment}.ipynb")  # graded again: its own name
    assert f"{assignment}.json" in printed
    first, second = (
        json.loads((build / "graded" / f"{stem}.json").read_text()) for stem in (assignment, f"{assignment}-2")
    )
    assert first["total"] == 0 and second["total"] == second["max_total"] > 0
    assert sorted(path.name for path in (build / "graded").glob("*.json")) == [
        f"{assignment}-2.json",
        f"{assignment}.json",
    ]
    sources = (build / "graded" / "submissions.csv").read_text()
    assert f"{assignment}-2,{tmp_path / 'second' / assignment}.ipynb" in sources


def test_assignment_data_differs_between_seeds():
    spec = importlib.util.spec_from_file_location("assignment_data", ROOT / "assignments" / "assignment_data.py")
    assignment_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(assignment_data)
    assert not np.allclose(assignment_data.mixture_data(0).X, assignment_data.mixture_data(1).X)
    assert np.array_equal(assignment_data.mixture_data(3).X, assignment_data.mixture_data(3).X)
    assert not np.allclose(assignment_data.tracking_scene(0).truth, assignment_data.tracking_scene(1).truth)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        assignment_data.mixture_data(-1)


def test_dotted_names_read_the_opcodes_of_newer_pythons(monkeypatch):
    """3.13 loads two locals in one instruction and 3.14 borrows them; other opcodes carry numbers or nothing."""
    spec = importlib.util.spec_from_file_location("grading_checks", ROOT / "assignments" / "grading_checks.py")
    grading_checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(grading_checks)
    instructions = [
        ("LOAD_FAST_LOAD_FAST", ("X", "gm")),
        ("LOAD_ATTR", "e_step"),
        ("LOAD_FAST_BORROW", "np"),
        ("LOAD_ATTR", "linalg"),
        ("LOAD_ATTR", "norm"),
        ("LOAD_SMALL_INT", 3),
        ("LOAD_ATTR", "real"),
        ("AN_OPCODE_OF_PYTHON_3_20", None),
        ("LOAD_GLOBAL", "gmmlib"),
    ]
    monkeypatch.setattr(
        grading_checks.dis,
        "get_instructions",
        lambda code: [SimpleNamespace(opname=opname, argval=argval) for opname, argval in instructions],
    )
    assert list(grading_checks._dotted_names(None)) == [
        ("local", "X"),
        ("local", "gm.e_step"),
        ("local", "np.linalg.norm"),
        ("global", "gmmlib"),
    ]
