"""Build, hand out and grade the course assignments; ``make assignments`` and ``make grade`` call this.

    python assignments/tools/course.py build
    python assignments/tools/course.py handout ROSTER
    python assignments/tools/course.py grade SUBMISSION.ipynb | FOLDER [--jobs N] [limits]

``build`` runs ``otter assign`` on every ``assignments/A<n>_*.ipynb`` and lays out its output in
``assignments/build/``: ``student/<assignment>/`` (the notebook to hand out, its visible tests and
data module; also zipped), ``autograder/<assignment>/`` (otter's ``autograder.zip``, the solution
notebook with the model answers and rubrics, and ``questions.json``). ``handout`` reads a roster
(one student name per line) and writes ``handout/<student>/<assignment>/``, each student's copy with
their own seed set by papermill, and ``handout/seeds.csv``, the list of seeds.

``grade`` grades each notebook in a child process (``run_submission.py``, which runs the notebook and
otter's tests itself, without a Jupyter kernel) in a fresh temporary folder, in PID and network
namespaces of its own where ``unshare`` works, with a wall-clock limit, resource limits, a limit per
notebook cell, per visible test and per call of a graded function, and a cap on the output kept; the
child sends its results through a pipe. It writes
``assignments/build/graded/<stem>.json`` per submission and, for a folder, a CSV gradebook per
assignment; it flags submissions that share a seed, and, after ``handout``, a file named after a
student (``ada_A1_em_from_scratch.ipynb``) whose seed is not the one handed out to them. See
``assignments/README.md`` for what this does and does not protect against.
"""

import argparse
import ast
import concurrent.futures
import csv
import hashlib
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile

import yaml

from gmmlib.outputs import claim_file, copy_generated, generated_folder, is_generated, write_generated_file

TOOLS = pathlib.Path(__file__).resolve().parent
SOURCES = TOOLS.parent
DEFAULT_BUILD = SOURCES / "build"
TOKEN_VARIABLE = "GMM_GRADING_TOKEN"
#: Characters a notebook cell, or one call of a graded function, may print.
OUTPUT_LIMIT = 1_000_000
#: Characters of a child's output kept (the rest is counted and dropped).
OUTPUT_KEPT = 64_000
#: Characters of feedback kept per failed test case.
FEEDBACK_KEPT = 1_000
#: Characters of a question's first feedback line that ``make grade`` prints (the JSON holds them all).
FEEDBACK_PRINTED = 200
#: Bytes of a child's results read (more is refused as not the grader's).
RESULT_KEPT = 16_000_000
#: Runs a command in its own user, PID and network namespaces, with its own /proc; every process in
#: them ends with the command, even one that left its session (see ``isolation``).
UNSHARE = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--net", "--mount-proc", "--kill-child"]
#: ``otter`` on the command line. otter imports nbformat, which imports jsonschema, which imports
#: rfc3987_syntax (when installed) only to offer an "iri" format check that otter never uses; compiling
#: its grammar takes seconds. Marked absent, it is skipped (jsonschema guards that import).
OTTER = [sys.executable, "-c", "import sys; sys.modules['rfc3987_syntax'] = None; from otter.cli import cli; cli()"]


def source_notebooks():
    """The instructor's notebooks, ``assignments/A<n>_<topic>.ipynb``, in order."""
    return sorted(SOURCES.glob("A[0-9]*_*.ipynb"))


def questions_of(notebook_path):
    """``[{"name", "points", "manual"}]`` from the ``# BEGIN QUESTION`` cells of an instructor notebook."""
    notebook = json.loads(pathlib.Path(notebook_path).read_text(encoding="utf-8"))
    questions = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "raw" and re.match(r"#\s*BEGIN\s+QUESTION", source, flags=re.IGNORECASE):
            config = yaml.safe_load(source.split("\n", 1)[1])
            questions.append(
                {"name": config["name"], "points": float(config["points"]), "manual": bool(config.get("manual", False))}
            )
    return questions


# build ----------------------------------------------------------------------------------------


def build(build_dir, check_solutions=True):
    """Student notebooks and autograders of every assignment, under ``build_dir`` (its ``graded/`` is kept).

    With ``check_solutions`` (the default), otter assign also grades each solution and fails unless it
    passes every test.
    """
    build_dir = generated_folder(build_dir)
    student_root = generated_folder(build_dir / "student", clear=True)
    autograder_root = generated_folder(build_dir / "autograder", clear=True)
    with tempfile.TemporaryDirectory(prefix="gmm-assign-") as work:
        for notebook in source_notebooks():
            name = notebook.stem
            print(f"otter assign {notebook.relative_to(SOURCES.parent)}", flush=True)
            result = pathlib.Path(work) / name
            completed = subprocess.run(
                [
                    *OTTER,
                    "assign",
                    "--no-pdfs",
                    *([] if check_solutions else ["--no-run-tests"]),
                    str(notebook),
                    str(result),
                ],
                capture_output=True,
                text=True,
                cwd=SOURCES,
            )
            if completed.returncode != 0:
                raise SystemExit(
                    f"otter assign failed for {notebook.name}:\n{completed.stdout[-3000:]}{completed.stderr[-6000:]}"
                )
            copy_generated(result / "student", student_root / name)
            zip_folder(result / "student", student_root / f"{name}.zip", name)
            autograder = generated_folder(autograder_root / name)
            (archive,) = (result / "autograder").glob(f"{name}-autograder_*.zip")
            shutil.copyfile(archive, claim_file(autograder / "autograder.zip"))
            shutil.copyfile(result / "autograder" / f"{name}.ipynb", claim_file(autograder / f"{name}-solution.ipynb"))
            manifest = {"assignment": name, "questions": questions_of(notebook)}
            write_generated_file(autograder / "questions.json", json.dumps(manifest, indent=2) + "\n")
    print(f"built {len(source_notebooks())} assignments: hand out {os.path.relpath(student_root)}/<assignment>")


def zip_folder(folder, archive, name):
    """Zip the files of ``folder`` under the folder name ``name`` into ``archive``, a generated file."""
    with zipfile.ZipFile(claim_file(archive), "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.rglob("*")):
            zipped.write(path, pathlib.Path(name) / path.relative_to(folder))
    return archive


def student_seed(student, assignment):
    """A seed in [0, 2^32) from the student's name and the assignment (the same on every machine)."""
    return int.from_bytes(hashlib.sha256(f"{assignment}/{student}".encode()).digest()[:4], "big")


def handout(roster, build_dir):
    """Each student's copy of every student notebook, with their own ``seed`` (papermill --prepare-only)."""
    import papermill

    students = [line.strip() for line in pathlib.Path(roster).read_text(encoding="utf-8").splitlines()]
    students = [student for student in students if student and not student.startswith("#")]
    bad = [student for student in students if not re.fullmatch(r"[\w.@+-]+", student)]
    if bad or len(set(students)) != len(students):
        raise SystemExit(
            f"roster {roster}: one distinct name per line, letters, digits and ._@+- only; check {bad or students}"
        )
    out = generated_folder(pathlib.Path(build_dir) / "handout", clear=True)
    rows = ["student,assignment,seed"]
    for student in students:
        for folder in sorted(p for p in (pathlib.Path(build_dir) / "student").iterdir() if p.is_dir()):
            seed = student_seed(student, folder.name)
            copy = copy_generated(folder, generated_folder(out / student) / folder.name)
            notebook = copy / f"{folder.name}.ipynb"
            papermill.execute_notebook(
                notebook,
                notebook,
                parameters={"seed": seed},
                prepare_only=True,
                kernel_name="python3",
                progress_bar=False,
            )
            rows.append(f"{student},{folder.name},{seed}")
    write_generated_file(out / "seeds.csv", "\n".join(rows) + "\n")
    print(f"handed out {len(students)} copies of each assignment: {os.path.relpath(out)}/<student>")


# grade ----------------------------------------------------------------------------------------


def notebook_seed(notebook):
    """The value the submission's code cells last assign to ``seed`` as a literal (papermill's cell included)."""
    seed = None
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse("".join(cell.get("source", "")))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "seed" for t in node.targets):
                try:
                    seed = ast.literal_eval(node.value)
                except ValueError:
                    seed = None
    return seed if isinstance(seed, int) else None


def assignment_of(notebook, path, known):
    """The assignment a submission belongs to: otter's metadata, else the start of the file name."""
    name = notebook.get("metadata", {}).get("otter", {}).get("assignment_name")
    if name in known:
        return name
    for candidate in known:
        if path.stem.startswith(candidate) or path.stem.endswith(candidate):
            return candidate
    return None


def kill_tagged(token):
    """End every process that carries ``token`` in its environment (a grading child and anything it started)."""
    import psutil

    for process in psutil.process_iter():
        try:
            if process.environ().get(TOKEN_VARIABLE) == token:
                process.kill()
        except (psutil.Error, OSError):
            continue


def isolation():
    """``UNSHARE`` if it works on this machine (unprivileged user namespaces allowed), else ``[]``."""
    try:
        works = subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        works = False
    return UNSHARE if works else []


def run_limited(command, cwd, env, time_limit):
    """Run ``command`` with the write end of a pipe as its last argument, for its results.

    Returns ``(exit code or None if it ran out of time, kept output, characters dropped, bytes read
    from the pipe)``: what the process sent before it ended, which nothing it leaves behind can change.
    """
    results_read, results_write = os.pipe()
    process = subprocess.Popen(
        [*command, str(results_write)], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(results_write,),
    )  # fmt: skip
    os.close(results_write)
    kept, dropped, results = io.StringIO(), [0], bytearray()

    def collect():
        with open(results_read, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                results.extend(chunk[: RESULT_KEPT + 1 - len(results)])

    def drain():
        reader = io.TextIOWrapper(process.stdout, encoding="utf-8", errors="replace")
        while chunk := reader.read(8192):
            room = OUTPUT_KEPT - kept.tell()
            kept.write(chunk[:room])
            dropped[0] += max(len(chunk) - room, 0)

    readers = [threading.Thread(target=target, daemon=True) for target in (drain, collect)]
    for reader in readers:
        reader.start()
    try:
        code = process.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        code = None
    kill_tagged(env[TOKEN_VARIABLE])
    process.kill()
    process.wait()
    for reader in readers:
        reader.join(timeout=5)
    return code, kept.getvalue(), dropped[0], bytes(results)


def read_outcome(code, results, time_limit):
    """The child's outcome from the bytes it sent: exactly one JSON object, sent by a child that ended cleanly."""
    try:
        if code != 0 or len(results) > RESULT_KEPT:
            raise ValueError("not the grader's results")
        outcome = json.loads(results.decode("utf-8"))
        if not isinstance(outcome, dict):
            raise ValueError("not a JSON object")
        return outcome
    except ValueError:
        if code is None:
            reason = f"grading did not finish within {time_limit:g} s, so the grader stopped it"
        elif code == 0 and results:
            reason = "grading sent results the grader cannot read (did the notebook write to the grader's pipe?)"
        else:
            reason = (
                f"grading ended without results (exit code {code}): the notebook ended or crashed the Python "
                "process running it (os._exit, the memory or CPU limit, a signal, ...)"
            )
        return {"questions": {}, "failure": reason, "cell_errors": []}


def clean_message(message, temporary, limits):
    """A test case's failure as the student should read it: the exception's text, not otter's frame.

    A failure that comes from one of the grader's limits on files and memory says so.
    """
    message = message.replace(str(temporary), ".")
    lines = message.splitlines()
    if lines and lines[0].startswith("❌") and len(lines) > 1 and lines[1].startswith("Error at line"):
        lines = lines[3:]  # otter's header, "Error at line N in test X:" and the test's source line
    text = "\n".join(lines).strip()
    text = re.sub(r"^(AssertionError|GradingLimitExceeded): ", "", text)
    if "[Errno 27] File too large" in text:
        text += f" (the grader lets a submission write files of at most {limits['file_size_limit'] / 2**20:g} MiB)"
    if re.search(r"\bMemoryError\b", text):
        text += f" (the grader gives a submission at most {limits['memory_limit'] / 2**30:g} GiB of memory)"
    return text if len(text) <= FEEDBACK_KEPT else text[:FEEDBACK_KEPT] + " [...]"


def grade_one(path, build_dir, limits):
    """Grade one notebook in a child process; return ``(report, details)``.

    ``details["signalled"]`` says whether the child was ended by a signal (by itself, or by another
    submission graded at the same time without the namespaces of ``isolation``).
    """
    path = pathlib.Path(path)
    known = sorted(p.name for p in (build_dir / "autograder").iterdir() if p.is_dir())
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(notebook, dict):
            raise ValueError("not a notebook")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, {"submission": path.name, "failure": f"cannot read {path.name} as a notebook: {error}"}
    assignment = assignment_of(notebook, path, known)
    if assignment is None:
        return None, {"submission": path.name, "failure": f"{path.name} is none of the assignments {', '.join(known)}"}
    autograder = build_dir / "autograder" / assignment
    manifest = json.loads((autograder / "questions.json").read_text(encoding="utf-8"))
    token = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="gmm-grade-") as temporary:
        temporary = pathlib.Path(temporary)
        for folder in ("home", "tmp", "work"):
            (temporary / folder).mkdir()
        (temporary / "work" / f"{assignment}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        shutil.copy(autograder / "autograder.zip", temporary / "autograder.zip")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(temporary / "home"),
            "TMPDIR": str(temporary / "tmp"),
            "LANG": "C.UTF-8",
            "IPYTHONDIR": str(temporary / "home" / ".ipython"),
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": limits["matplotlib_dir"],
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            TOKEN_VARIABLE: token,
            "GRADING_CELL_TIME_LIMIT": str(limits["cell_time_limit"]),
            "GRADING_CALL_TIME_LIMIT": str(limits["call_time_limit"]),
            "GRADING_OUTPUT_LIMIT": str(OUTPUT_LIMIT),
            "GRADING_MEMORY_LIMIT": str(limits["memory_limit"]),
            "GRADING_FILE_SIZE_LIMIT": str(limits["file_size_limit"]),
            "GRADING_CPU_LIMIT": str(2 * limits["time_limit"]),
        }
        submission = f"work/{assignment}.ipynb"
        command = [*limits["isolation"], sys.executable, str(TOOLS / "run_submission.py"), submission, "autograder.zip"]
        code, output, dropped, results = run_limited(command, temporary, env, limits["time_limit"])
        outcome = read_outcome(code, results, limits["time_limit"])
        report = {"assignment": assignment, "total": 0.0, "max_total": 0.0, "questions": {}}
        messages = {}  # question -> how many distinct messages its feedback holds
        failure = outcome.get("failure")
        for question in manifest["questions"]:
            name, max_points = question["name"], question["points"]
            if question["manual"]:
                report["questions"][name] = {
                    "points": None,
                    "max_points": max_points,
                    "feedback": f"written answer, graded by hand with the rubric in {assignment}-solution.ipynb",
                }
                continue
            cases = outcome.get("questions", {}).get(name)
            if not isinstance(cases, list) or not cases:
                points = 0.0
                feedback = clean_message(str(failure or "no test of this question ran"), temporary, limits)
            else:
                points = sum(float(case.get("points", 0)) for case in cases if case.get("passed") is True)
                failed = [  # the hidden tests' messages first: they name the mistake, the visible ones its symptom
                    clean_message(str(case.get("message", "")), temporary, limits)
                    for case in sorted(cases, key=lambda case: case.get("hidden") is not True)
                    if case.get("passed") is not True
                ]
                distinct = list(dict.fromkeys(failed))
                messages[name] = len(distinct)
                feedback = "\n".join(distinct) if distinct else "all checks passed"
            points = round(min(max(points, 0.0), max_points), 6)
            report["questions"][name] = {"points": points, "max_points": max_points, "feedback": feedback}
            report["total"] = round(report["total"] + points, 6)
            report["max_total"] += max_points
    details = {
        "submission": path.name,
        "seed": notebook_seed(notebook),
        "failure": failure,
        "cell_errors": [clean_message(str(error), temporary, limits) for error in outcome.get("cell_errors", [])][:20],
        "log": output + (f"\n[{dropped} more characters of output dropped]\n" if dropped else ""),
        "signalled": code is not None and code < 0,
        "messages": messages,
    }
    return report, details


def handed_out_seeds(build_dir):
    """``{(student, assignment): seed}`` from ``handout/seeds.csv``; empty before any ``handout``."""
    path = pathlib.Path(build_dir) / "handout" / "seeds.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as file:
        return {(row["student"], row["assignment"]): int(row["seed"]) for row in csv.DictReader(file)}


def seed_note(submission, assignment, seed, handed_out):
    """What is wrong with the submission's seed, if its file is named after a student of the roster; else None.

    Downloads from a learning platform name the files after the student (``ada_A1_em_from_scratch.ipynb``):
    the student is the longest roster name that the file name starts with, followed by ``_`` or ``-``.
    """
    stem = pathlib.Path(submission).stem
    students = [s for s, a in handed_out if a == assignment and re.match(rf"{re.escape(s)}[_-]", stem)]
    if not students:
        return None
    student = max(students, key=len)
    expected = handed_out[(student, assignment)]
    return None if seed == expected else f"seed {seed}, but {student} was handed out seed {expected}"


def print_report(report, details, json_path):
    if report is None:
        print(f"{details['submission']}: not graded: {details['failure']}")
        return
    manual = {name: q for name, q in report["questions"].items() if q["points"] is None}
    written = (
        f" (+ {sum(q['max_points'] for q in manual.values()):g} for written answers, graded by hand)" if manual else ""
    )
    print(
        f"{details['submission']}  [{report['assignment']}, seed {details['seed']}]  "
        f"{report['total']:g} / {report['max_total']:g}{written}"
    )
    width = max(len(name) for name in report["questions"])
    for name, question in report["questions"].items():
        points = "-" if question["points"] is None else f"{question['points']:g}"
        first_line = question["feedback"].splitlines()[0] if question["feedback"] else ""
        if len(first_line) > FEEDBACK_PRINTED:
            first_line = first_line[: FEEDBACK_PRINTED - 3] + "..."
        more = details["messages"].get(name, 0) - 1
        if more > 0:
            first_line += f" (+{more} more, see {json_path})"
        print(f"  {name:<{width}}  {points:>5} / {question['max_points']:<3g}  {first_line}")
    if details["seed_note"]:
        print(f"  seed: {details['seed_note']}")
    if details["failure"]:
        print(f"  grading: {details['failure'][:300]}")
    if details["cell_errors"]:
        print(f"  cells that raised an error: {'; '.join(details['cell_errors'])[:300]}")
    print(f"  -> {json_path}")


def write_gradebooks(graded, graded_dir):
    """One CSV per assignment: a row per submission, a column per question; shared and wrong seeds are flagged."""
    by_assignment = {}
    for report, details in graded:
        if report is not None:
            by_assignment.setdefault(report["assignment"], []).append((report, details))
    paths = []
    for assignment, rows in sorted(by_assignment.items()):
        names = list(rows[0][0]["questions"])
        seeds = {}
        for _, details in rows:
            seeds.setdefault(details["seed"], []).append(details["submission"])
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["submission", "seed", *names, "total", "max_total", "notes"])
        for report, details in sorted(rows, key=lambda row: row[1]["submission"]):
            notes = []
            others = [s for s in seeds[details["seed"]] if s != details["submission"]]
            if others:
                notes.append(f"same seed as {', '.join(others)}")
            if details["seed_note"]:
                notes.append(details["seed_note"])
            if details["failure"]:
                notes.append(details["failure"][:200])
            if details["cell_errors"]:
                notes.append(f"cells that raised: {', '.join(details['cell_errors'])}"[:300])
            points = [
                "" if report["questions"][n]["points"] is None else f"{report['questions'][n]['points']:g}"
                for n in names
            ]
            writer.writerow(
                [
                    details["submission"],
                    details["seed"],
                    *points,
                    f"{report['total']:g}",
                    f"{report['max_total']:g}",
                    "; ".join(notes),
                ]
            )
        paths.append(write_generated_file(graded_dir / f"gradebook_{assignment}.csv", text.getvalue()))
    return paths


def result_stems(submissions, graded_dir):
    """The name of each submission's JSON and log in ``graded/``: its stem, or ``<stem>-2``, ``<stem>-3``, ...

    A name stays with the submission (its absolute path) that first got it, as ``graded/submissions.csv``
    records, so that a notebook with the same name from another folder never replaces its results.
    """
    sources_path = graded_dir / "submissions.csv"
    sources = {}
    if is_generated(sources_path):
        with sources_path.open(encoding="utf-8", newline="") as file:
            sources = {row["result"]: row["submission"] for row in csv.DictReader(file)}
    stems = []
    for path in submissions:
        source = str(path.resolve())
        stem = next((name for name, known in sources.items() if known == source), None)
        if stem is None:
            stem, number = path.stem, 2
            while stem in sources:
                stem, number = f"{path.stem}-{number}", number + 1
            sources[stem] = source
        stems.append(stem)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerows([("result", "submission"), *sorted(sources.items())])
    write_generated_file(sources_path, text.getvalue())
    return stems


def grade(target, build_dir, jobs, limits):
    target, build_dir = pathlib.Path(target), pathlib.Path(build_dir)
    if not (build_dir / "autograder").is_dir():
        print(f"{build_dir / 'autograder'} does not exist: building the assignments first")
        build(build_dir)
    if target.is_dir():
        submissions = sorted(target.glob("*.ipynb"))
        if not submissions:
            raise SystemExit(f"{target} holds no .ipynb file")
    elif target.suffix == ".ipynb" and target.is_file():
        submissions = [target]
    else:
        raise SystemExit(f"{target} is neither a notebook (.ipynb) nor a folder of notebooks")
    graded_dir = generated_folder(build_dir / "graded")
    limits = {**limits, "isolation": [] if limits.get("no_namespaces") else isolation()}
    if not limits["isolation"]:
        print(
            "warning: grading without PID and network namespaces (`unshare --user --pid --net` "
            + ("was turned off" if limits.get("no_namespaces") else "does not work on this machine")
            + "): a process a submission detaches from its session and strips of its environment may outlive "
            "its grading, submissions may use the network, and with --jobs > 1 one may signal another "
            "(a submission ended by a signal is graded again alone); see assignments/README.md",
            file=sys.stderr,
            flush=True,
        )
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = list(pool.map(lambda path: grade_one(path, build_dir, limits), submissions))
    if jobs > 1 and not limits["isolation"]:
        for index, (path, (_, details)) in enumerate(zip(submissions, graded)):
            if details.get("signalled"):
                print(f"{details['submission']}: ended by a signal while others were graded; grading it again alone")
                graded[index] = grade_one(path, build_dir, limits)
    handed_out = handed_out_seeds(build_dir)
    for stem, (report, details) in zip(result_stems(submissions, graded_dir), graded):
        if report is not None:
            details["seed_note"] = seed_note(details["submission"], report["assignment"], details["seed"], handed_out)
        json_path = graded_dir / f"{stem}.json"
        if report is not None:
            write_generated_file(json_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
            write_generated_file(json_path.with_suffix(".log"), details["log"])
        print_report(report, details, os.path.relpath(json_path))
    if target.is_dir():
        for path in write_gradebooks(graded, graded_dir):
            print(f"gradebook: {os.path.relpath(path)}")
    print(f"graded {len(submissions)} submission(s) in {time.monotonic() - start:.0f} s")
    return graded


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=str(DEFAULT_BUILD), help="default: assignments/build")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="student notebooks and autograders")
    build_parser.add_argument(
        "--no-solution-check", action="store_true", help="skip otter's grading of each solution (the tests grade it)"
    )
    handout_parser = commands.add_parser("handout", help="each student's copy with their own seed (after build)")
    handout_parser.add_argument("roster", help="a file with one student name per line")
    grade_parser = commands.add_parser("grade", help="grade one notebook or a folder of notebooks")
    grade_parser.add_argument("target", help="a submitted .ipynb, or a folder of them")
    grade_parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    grade_parser.add_argument("--time-limit", type=float, default=600.0, help="seconds per submission (default 600)")
    grade_parser.add_argument(
        "--cell-time-limit", type=float, default=120.0, help="seconds per notebook cell (default 120)"
    )
    grade_parser.add_argument(
        "--call-time-limit", type=float, default=20.0, help="seconds per graded call (default 20)"
    )
    grade_parser.add_argument("--memory-limit", type=float, default=6.0, help="GiB of address space (default 6)")
    grade_parser.add_argument("--file-size-limit", type=float, default=64.0, help="MiB per file written (default 64)")
    grade_parser.add_argument(
        "--no-namespaces", action="store_true", help="grade without unshare's PID and network namespaces"
    )
    arguments = parser.parse_args(argv)
    if arguments.command == "build":
        build(arguments.build_dir, check_solutions=not arguments.no_solution_check)
    elif arguments.command == "handout":
        handout(arguments.roster, arguments.build_dir)
    else:
        import matplotlib

        limits = {
            "time_limit": arguments.time_limit,
            "cell_time_limit": arguments.cell_time_limit,
            "call_time_limit": arguments.call_time_limit,
            "memory_limit": int(arguments.memory_limit * 2**30),
            "file_size_limit": int(arguments.file_size_limit * 2**20),
            "matplotlib_dir": matplotlib.get_cachedir(),
            "no_namespaces": arguments.no_namespaces,
        }
        grade(arguments.target, arguments.build_dir, max(arguments.jobs, 1), limits)


if __name__ == "__main__":
    main()
