"""The report pipeline (``python -m gmmlib.report``): reproducible runs, parameter checks, failures.

Most tests run a tiny notebook written into ``tmp_path`` (it follows the notebook contract and runs
in about a second); one runs a real notebook with its small parameters from
``notebooks/index.yaml``.
"""

import html.parser
import json
import pathlib
import re
import shutil
import subprocess
import sys
import urllib.parse

import nbformat
import pytest
import yaml
from matplotlib import font_manager
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gmmlib import notebook_index, report
from gmmlib.outputs import MARKER, claim_file

font_manager.findfont("DejaVu Sans")  # builds the font cache outside any notebook output

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PARAMETER_FILES = sorted((ROOT / "reports" / "params").glob("*.yaml"))

TINY_PARAMETERS = 'seed = 0\nn_samples = 200\nscale = 1.5\nlabel = "tiny"\noutput_dir = "../reports/{stem}"'
TINY_CODE = [
    "import matplotlib.pyplot as plt\nimport numpy as np\n\n"
    "from gmmlib.notebook import check_parameter, prepare_output_dir, save_figure, write_summary\n\n"
    'check_parameter("seed", seed, kind=int, minimum=0)\n'
    'check_parameter("n_samples", n_samples, kind=int, minimum=10)\n'
    'check_parameter("scale", scale, kind=float, minimum=0)\n'
    'check_parameter("label", label, kind=str)\n'
    "rng = np.random.default_rng(seed)\noutput_dir = prepare_output_dir(output_dir)",
    "Draw $x_i \\sim \\mathcal{N}(0, s^2)$ and estimate $s$.",
    'x = rng.normal(scale=scale, size=n_samples)\nprint(f"mean {x.mean():.4f}, std {x.std():.4f}")',
    'fig, ax = plt.subplots(figsize=(3, 2))\n_ = ax.hist(x, bins=20)\nsave_figure(fig, output_dir, "histogram.png")\n'
    "plt.show()",
    "assert abs(x.std() - scale) < 0.5 * scale",
    '_ = write_summary({"mean": x.mean(), "std": x.std(), "label": label}, output_dir)',
]


def write_notebook(folder, stem, parameters=TINY_PARAMETERS, code=TINY_CODE):
    """Write ``folder/stem.ipynb``: title, tagged parameters cell, then ``code`` (``$`` strings are markdown)."""
    parameters_cell = new_code_cell(parameters.format(stem=stem))
    parameters_cell.metadata["tags"] = ["parameters"]
    cells = [
        new_markdown_cell(f"# Tiny notebook {stem}\n\nExercises the report pipeline in the tests."),
        parameters_cell,
    ]
    cells += [new_markdown_cell(text) if "$" in text else new_code_cell(text) for text in code]
    notebook = new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    path = folder / f"{stem}.ipynb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def write_yaml(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(yaml.safe_dump(content) if not isinstance(content, str) else content)
    return path


def snapshot(folder):
    """Every file (with its bytes) and folder under ``folder``, by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else "folder"
        for path in sorted(folder.rglob("*"))
    }


def run(*args):
    """``python -m gmmlib.report ARGS`` in this process; return its exit status."""
    return report.main([str(arg) for arg in args])


def files(folder):
    """Every file under ``folder`` by relative path, with its bytes (MathJax's files left out)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and report.MATHJAX_FOLDER not in path.relative_to(folder).parts
    }


class FetchedURLs(html.parser.HTMLParser):
    """The URLs a browser fetches by itself to show a page: scripts, styles, images, fonts, frames."""

    CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")

    def __init__(self):
        super().__init__()
        self.urls, self._in_style = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "data", "poster"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        self.urls += re.findall(r"(\S+)(?:\s+\S+)?(?:,|$)", attrs.get("srcset") or "")
        self._css(attrs.get("style") or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._css(data)
        else:  # dynamic imports in scripts (nbconvert loads mermaid.js this way)
            self.urls += re.findall(r"""\bimport\s*\(\s*['"]([^'"]+)""", data)

    def _css(self, text):
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)  # comments cite URLs they never fetch
        self.urls += [first or second for first, second in self.CSS_URL.findall(text)]


def check_renders_offline(page):
    """Assert that the HTML file ``page`` fetches nothing from the network and every file it loads exists."""
    parser = FetchedURLs()
    parser.feed(page.read_text(encoding="utf-8"))
    assert parser.urls, f"{page.name} loads nothing: the parser missed MathJax"
    for url in parser.urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "data":
            continue
        assert not parts.scheme and not parts.netloc, f"{page.name} fetches {url} from the network"
        target = page.parent / urllib.parse.unquote(parts.path)
        assert target.is_file(), f"{page.name} loads {url}, but {target} does not exist"
    return parser.urls


def text_outputs(path):
    """The text of every output of an executed notebook (streams, text/plain, errors)."""
    texts = []
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            elif output.output_type == "error":
                texts.append(f"{output.ename}: {output.evalue}")
            elif "text/plain" in output.get("data", {}):
                texts.append(output.data["text/plain"])
    return texts


@pytest.fixture
def tiny(tmp_path):
    """A tiny contract-following notebook in ``tmp_path/notebooks``; returns its path."""
    return write_notebook(tmp_path / "notebooks", "01_tiny")


USERS_FILES = {"README.md": b"mine", "params/small.yaml": b"seed: 1\n", "02_mine/data.csv": b"1,2\n"}


def test_two_runs_write_identical_files(tiny, tmp_path, capsys):
    params = write_yaml(tmp_path / "params.yaml", {"seed": 5, "01_tiny": {"n_samples": 300, "scale": 2}})
    reports = tmp_path / "reports"
    for name, content in USERS_FILES.items():  # like the repository's reports/, plus a folder of the user's
        (reports / name).parent.mkdir(parents=True, exist_ok=True)
        (reports / name).write_bytes(content)
    users = snapshot(reports)

    assert run("--params", params, "--reports-dir", reports, tiny) == 0
    first = files(reports)
    out = capsys.readouterr().out
    assert run("--params", params, "--reports-dir", reports, tiny) == 0
    second = files(reports)

    assert re.search(r"^01_tiny\s+ok\s+\d+\.\d s\s+\S+01_tiny\.html$", out, re.MULTILINE), out
    assert (reports / MARKER).read_text() == "index.html\nsummary.json\n"  # the user's entries are not listed
    expected = {
        "index.html",
        "summary.json",
        MARKER,
        *(
            f"01_tiny/{name}"
            for name in (
                MARKER,
                "01_tiny.ipynb",
                "01_tiny.html",
                "01_tiny_results.html",
                "histogram.png",
                "summary.json",
                "provenance.json",
            )
        ),
    }
    assert set(first) == expected | set(USERS_FILES)
    assert {name: first[name] for name in USERS_FILES} == USERS_FILES
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert not different, f"files that differ between two runs: {different}"

    summary = json.loads(first["summary.json"])
    assert summary == {"01_tiny": json.loads(first["01_tiny/summary.json"])}
    assert summary["01_tiny"]["label"] == "tiny"
    assert summary["01_tiny"]["std"] == pytest.approx(2.0, rel=0.15)  # scale=2 from the file was used
    provenance = json.loads(first["01_tiny/provenance.json"])
    assert provenance["parameters"] == {
        "seed": 5,
        "n_samples": 300,
        "scale": 2.0,
        "label": "tiny",
        "output_dir": "../reports/01_tiny",
    }
    assert isinstance(provenance["parameters"]["scale"], float)  # an int given for a float default
    assert provenance["injected"] == ["n_samples", "output_dir", "scale", "seed"]
    assert provenance["status"] == "ok"
    assert set(provenance["versions"]) >= {"python", "gmmlib", "numpy", "scipy", "matplotlib"}
    assert set(provenance["git"]) == {"commit", "dirty"}
    assert [text for text in text_outputs(reports / "01_tiny" / "01_tiny.ipynb") if "mean" in text]

    full, results = first["01_tiny/01_tiny.html"].decode(), first["01_tiny/01_tiny_results.html"].decode()
    assert "write_summary" in full and "write_summary" not in results  # code hidden in the results page
    assert "mean 0." in results or "mean -0." in results  # the printed output is still there
    for page in ("01_tiny.html", "01_tiny_results.html"):
        loaded = check_renders_offline(reports / "01_tiny" / page)
        assert report.MATHJAX_URL in loaded
        assert "$x_i \\sim \\mathcal{N}(0, s^2)$" in first[f"01_tiny/{page}"].decode()  # typeset by MathJax
    mathjax = reports / report.MATHJAX_FOLDER
    for name in ("config/TeX-AMS-MML_HTMLorMML-full.js", "config/Safe.js", "extensions/Safe.js"):
        assert (mathjax / name).is_file(), name
    # The pages select MathJax's STIX-Web fonts, the ones the package ships (not its default TeX fonts).
    assert 'webFont: "STIX-Web"' in first["01_tiny/01_tiny.html"].decode()
    assert list((mathjax / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").glob("*.woff"))
    assert (mathjax / ".copied-from").read_text().startswith("jupyter-server-mathjax ")  # copied once, kept
    index = first["index.html"].decode()
    for link in (
        "01_tiny/01_tiny.html",
        "01_tiny/01_tiny_results.html",
        "01_tiny/histogram.png",
        "01_tiny/summary.json",
        "01_tiny/provenance.json",
    ):
        assert f'href="{link}"' in index

    # `make clean` removes what the runner generated, and only that.
    clean = [sys.executable, "-P", ROOT / "gmmlib" / "outputs.py", "clean", reports]
    process = subprocess.run(clean, capture_output=True, text=True, cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert f"removed {reports / '01_tiny'}" in process.stdout.splitlines()
    assert snapshot(reports) == users


def test_stale_files_of_an_earlier_run_are_removed_and_a_users_file_kept(tiny, tmp_path, capsys):
    reports = tmp_path / "reports"
    assert run("--reports-dir", reports, tiny) == 0
    claim_file(reports / "01_tiny" / "old_figure.png").write_bytes(b"left by an earlier run")
    (reports / "01_tiny" / "my_notes.txt").write_text("the user's, dropped into the report folder")
    params = write_yaml(tmp_path / "params.yaml", {"01_tiny": {"n_samples": 1}})

    assert run("--params", params, "--reports-dir", reports, tiny) == 1
    assert not (reports / "01_tiny" / "old_figure.png").exists()
    assert not (reports / "01_tiny" / "summary.json").exists()
    assert (reports / "01_tiny" / "my_notes.txt").read_text() == "the user's, dropped into the report folder"
    assert json.loads((reports / "summary.json").read_text()) == {}


@pytest.mark.parametrize("place", ["01_tiny/notes.txt", "index.html", "summary.json", "_mathjax/notes.txt"])
def test_a_users_file_in_the_way_is_refused_before_any_notebook_runs(tiny, tmp_path, capsys, place):
    # E.g. --reports-dir . in a folder that holds the user's own 01_tiny/.
    reports = tmp_path / "reports"
    users_file = reports / place
    users_file.parent.mkdir(parents=True, exist_ok=True)
    users_file.write_text("keep me")
    before = snapshot(reports)

    assert run("--reports-dir", reports, tiny) == 2
    in_the_way = reports / place.split("/")[0]
    error = capsys.readouterr().err
    assert error.startswith(f"error: {in_the_way} ") and error.count("\n") == 1, error
    assert "gmmlib did not generate" in error
    assert snapshot(reports) == before  # nothing written, nothing removed, no notebook ran


@pytest.mark.parametrize("stem", [".", "-rf", "_mathjax", "my notes"])
def test_a_notebook_whose_name_is_not_a_plain_file_name_is_refused(tmp_path, capsys, stem):
    # "..ipynb" would have made its report folder the reports folder itself.
    notebook = write_notebook(tmp_path / "notebooks", stem)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "notes.txt").write_text("keep me")

    assert run("--reports-dir", reports, notebook) == 2
    error = capsys.readouterr().err
    assert error == (
        f"error: {notebook}: the name before .ipynb names the notebook's folder in the reports, so it must be a "
        "plain file name (letters, digits, _ and -, starting with a letter or digit)\n"
    )
    assert snapshot(reports) == {"notes.txt": b"keep me"}


def test_reports_dir_naming_a_file_is_one_line_and_exit_2(tiny, tmp_path, capsys):
    results = tmp_path / "results.txt"
    results.write_text("keep me")
    for reports in (results, results / "sub"):
        assert run("--reports-dir", reports, tiny) == 2
        assert capsys.readouterr().err == f"error: --reports-dir {reports}: {results} is not a folder\n"
    assert results.read_text() == "keep me"


@pytest.fixture
def tiny_pair(tmp_path):
    """Two tiny notebooks; the second declares only seed and output_dir."""
    folder = tmp_path / "notebooks"
    second = write_notebook(
        folder,
        "02_other",
        parameters='seed = 1\noutput_dir = "../reports/{stem}"',
        code=[
            "from gmmlib.notebook import prepare_output_dir, write_summary\n\n"
            "output_dir = prepare_output_dir(output_dir)",
            '_ = write_summary({"seed": seed}, output_dir)',
        ],
    )
    return write_notebook(folder, "01_tiny"), second


@pytest.mark.parametrize(
    "content, n_lines, expected",
    [
        (
            {"01_tiny": {"n_sample": 5}},
            1,
            [
                "01_tiny: unknown parameter 'n_sample' in section 01_tiny of",
                "(did you mean n_samples?)",
                "01_tiny declares: label, n_samples, output_dir, scale, seed",
            ],
        ),
        (
            {"sed": 5},
            1,
            [
                "unknown parameter 'sed' in the defaults of",
                "(did you mean seed?)",
                "declared by none of the notebooks run (01_tiny, 02_other)",
            ],
        ),
        (
            {"01_tiny": {"n_samples": 2.5}},
            1,
            ["01_tiny: parameter n_samples must be an int like its default 200; got 2.5 of type float"],
        ),
        (
            {"seed": True},
            2,
            [
                "01_tiny: parameter seed must be an int like its default 0; got True of type bool",
                "02_other: parameter seed must be an int like its default 1; got True",
            ],
        ),
        ({"label": 3}, 1, ['01_tiny: parameter label must be a str like its default "tiny"; got 3 of type int']),
        (
            "scale: 1e-3\n",
            1,
            [
                "01_tiny: parameter scale must be a float (or an int) like its default 1.5; got '1e-3' "
                "of type str (YAML reads a number like 1e-3 as a string: write 1.0e-3)"
            ],
        ),
        (
            {"01_tiny": {"output_dir": "elsewhere"}},
            1,
            ["01_tiny.output_dir is not allowed; the runner sets output_dir"],
        ),
        ({"03_tiny": {"seed": 1}}, 1, ["section 03_tiny of", "names no notebook"]),
        ({"01_tiny": 3}, 1, ["section 01_tiny must be a mapping of parameter names to values, got 3"]),
        ("01_tiny: [1\n", 1, ["is not valid YAML at line 2"]),
        (b"label: caf\xe9\n", 1, ["params.yaml is not UTF-8 text (byte 0xe9 at position 10): save it as UTF-8"]),
        ("scale: .nan\n", 1, ["01_tiny: parameter scale must be a number like its default 1.5; got nan"]),
    ],
    ids=[
        "unknown-name",
        "unknown-default",
        "float-for-int",
        "bool-for-int",
        "int-for-str",
        "yaml-string",
        "output-dir",
        "no-such-notebook",
        "section-not-mapping",
        "bad-yaml",
        "latin-1",
        "nan-for-float",
    ],
)
def test_bad_parameters_stop_before_any_notebook_runs(tiny_pair, tmp_path, capsys, content, n_lines, expected):
    params = write_yaml(tmp_path / "params.yaml", content)
    reports = tmp_path / "reports"

    assert run("--params", params, "--reports-dir", reports, *tiny_pair) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == n_lines and all(line.startswith("error: ") for line in lines), captured.err
    for text in expected:
        assert text in captured.err, captured.err
    assert "Traceback" not in captured.err
    assert not reports.exists()


def test_defaults_go_to_the_notebooks_that_declare_them(tiny_pair, tmp_path):
    tiny, other = tiny_pair
    resolved = report.resolve_parameters(
        [tiny, other], defaults={"seed": 4, "scale": 3}, sections={"02_other": {"seed": 9}}
    )
    assert resolved == {"01_tiny": {"seed": 4, "scale": 3.0}, "02_other": {"seed": 9}}
    # A section for a notebook that exists next to the ones run is allowed (one notebook of make report).
    assert report.resolve_parameters([tiny], sections={"02_other": {"seed": 9}}) == {"01_tiny": {}}


@pytest.mark.parametrize(
    "default, value, expected",
    [
        ("1.5", 2, 2.0),
        ("1.5", 2.5, 2.5),
        ("3", 4, 4),
        ("None", "anything", "anything"),
        ("None", [1, 2], [1, 2]),
        ("[1, 2]", [3], [3]),
        ("(1, 2)", [3, 4], [3, 4]),
        ("True", False, False),
        ('"a"', "b", "b"),
        ("2 ** 10", "not checked", "not checked"),  # not a literal: the notebook's own checks decide
    ],
)
def test_check_value_accepts(default, value, expected):
    checked = report.check_value("00_x", report.Declared.from_source("p", default), value)
    assert checked == expected and type(checked) is type(expected)


@pytest.mark.parametrize(
    "default, value, allowed",
    [
        ("1.5", "2", "a float (or an int)"),
        ("1.5", True, "a float (or an int)"),
        ("3", 3.0, "an int"),
        ("True", 1, "a bool"),
        ('"a"', None, "a str"),
        ("[1]", {"a": 1}, "a list"),
        ("3", None, "an int"),
        ("1.5", float("nan"), "a number"),
    ],
)
def test_check_value_rejects(default, value, allowed):
    declared = report.Declared.from_source("p", default)
    with pytest.raises(
        report.ReportError,
        match=re.escape(f"00_x: parameter p must be {allowed} like its default {default}; got {value!r}"),
    ):
        report.check_value("00_x", declared, value)


def test_notebook_raising_parameter_error_is_one_line_and_the_others_still_run(tiny_pair, tmp_path, capsys):
    tiny, other = tiny_pair
    params = write_yaml(tmp_path / "params.yaml", {"01_tiny": {"n_samples": 1}})
    reports = tmp_path / "reports"

    assert run("--params", params, "--reports-dir", reports, tiny, other) == 1
    captured = capsys.readouterr()
    assert re.fullmatch(
        r"01_tiny\s+FAILED\s+\d+\.\d s\s+ParameterError: parameter n_samples must be >= 10, got 1\n"
        r"error: 1 of 2 notebooks failed: 01_tiny \(see \S+\)\n",
        captured.err,
    ), captured.err
    assert re.search(r"^02_other\s+ok\s", captured.out, re.MULTILINE), captured.out
    assert json.loads((reports / "summary.json").read_text()) == {"02_other": {"seed": 1}}
    provenance = json.loads((reports / "01_tiny" / "provenance.json").read_text())
    assert provenance["status"] == "failed"
    assert provenance["error"] == "ParameterError: parameter n_samples must be >= 10, got 1"
    assert (reports / "01_tiny" / "01_tiny.html").exists()  # the failed run can be read in the browser
    index = (reports / "index.html").read_text()
    assert "failed: ParameterError: parameter n_samples must be &gt;= 10, got 1" in index
    assert 'href="02_other/summary.json"' in index


def test_other_exceptions_name_the_cell(tmp_path, capsys):
    broken = write_notebook(
        tmp_path / "notebooks",
        "01_broken",
        parameters='seed = 0\noutput_dir = "x"',
        code=["values = {}", "values['missing']"],
    )
    assert run("--reports-dir", tmp_path / "reports", broken) == 1
    # Cells [1] parameters, [2] papermill's injected output_dir, [3] values = {}, [4] the failing one.
    message = "KeyError: 'missing' (in cell [4])"
    assert re.search(rf"^01_broken\s+FAILED\s+\d+\.\d s\s+{re.escape(message)}$", capsys.readouterr().err, re.MULTILINE)
    provenance = json.loads((tmp_path / "reports" / "01_broken" / "provenance.json").read_text())
    assert provenance["error"] == message


def test_command_line_prints_one_line_and_exits_2(tiny, tmp_path):
    params = write_yaml(tmp_path / "params.yaml", {"01_tiny": {"n_sample": 5}})
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "gmmlib.report",
            "--params",
            params.name,
            "--reports-dir",
            "reports",
            tiny.relative_to(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert process.returncode == 2
    assert process.stdout == ""
    assert len(process.stderr.splitlines()) == 1, process.stderr
    assert process.stderr.startswith("error: 01_tiny: unknown parameter 'n_sample' in section 01_tiny of params.yaml")


@pytest.mark.parametrize("params", PARAMETER_FILES, ids=[path.name for path in PARAMETER_FILES])
def test_example_parameter_files_fit_the_notebooks(params):
    assert NOTEBOOKS, "no notebooks found"
    defaults, sections = report.load_parameter_file(params)
    report.resolve_parameters(NOTEBOOKS, defaults, sections, source=params.name)


def test_real_notebook_twice_gives_the_same_summary_text_and_figures(tmp_path, capsys):
    notebook = NOTEBOOKS[0]  # 00_quickstart: the fastest
    small = notebook_index.load_index(ROOT)[notebook.stem]["small"]
    params = write_yaml(tmp_path / "params.yaml", {notebook.stem: small})
    reports = tmp_path / "reports"

    assert run("--params", params, "--reports-dir", reports, notebook) == 0, capsys.readouterr().err
    shutil.copytree(reports, tmp_path / "first")
    assert run("--params", params, "--reports-dir", reports, notebook) == 0, capsys.readouterr().err

    first, second = tmp_path / "first" / notebook.stem, reports / notebook.stem
    assert (first / "summary.json").read_bytes() == (second / "summary.json").read_bytes()
    executed = f"{notebook.stem}.ipynb"
    assert text_outputs(first / executed) == text_outputs(second / executed)
    figures = [path.name for path in first.iterdir() if path.suffix in (".png", ".pdf", ".gif", ".svg")]
    assert figures, f"{notebook.stem} saved no figure"
    for name in figures:
        assert (first / name).read_bytes() == (second / name).read_bytes(), f"{name} differs between runs"
    provenance = json.loads((second / "provenance.json").read_text())
    assert {name: provenance["parameters"][name] for name in small} == small


def test_a_notebook_writing_a_broken_summary_fails_alone(tmp_path, capsys):
    """A summary.json that is not JSON is that notebook's failure; the other notebooks still run."""
    code = "from gmmlib.notebook import prepare_output_dir\nfrom gmmlib.outputs import write_generated_file\n"
    notebooks = [
        write_notebook(tmp_path / "notebooks", stem, 'output_dir = "../reports/{stem}"', [code + write])
        for stem, write in (
            ("01_broken", "write_generated_file(prepare_output_dir(output_dir) / 'summary.json', '{not json')"),
            ("02_good", "write_generated_file(prepare_output_dir(output_dir) / 'summary.json', '{}')"),
        )
    ]
    reports = tmp_path / "reports"
    assert run("--reports-dir", reports, *notebooks) == 1
    error = capsys.readouterr().err
    assert "01_broken" in error and "summary.json is not valid JSON" in error
    assert json.loads((reports / "summary.json").read_text()) == {"02_good": {}}


def test_running_some_notebooks_keeps_the_others_reports_in_the_index_and_summary(tiny, tmp_path):
    other = write_notebook(tmp_path / "notebooks", "02_other")
    reports = tmp_path / "reports"
    assert run("--reports-dir", reports, tiny, other) == 0
    earlier = json.loads((reports / "summary.json").read_text())
    params = write_yaml(tmp_path / "params.yaml", {"01_tiny": {"n_samples": 300}})
    assert run("--params", params, "--reports-dir", reports, tiny) == 0
    summary = json.loads((reports / "summary.json").read_text())
    assert summary["02_other"] == earlier["02_other"]  # the earlier report of the notebook not run
    assert summary["01_tiny"] == json.loads((reports / "01_tiny" / "summary.json").read_text())
    assert summary["01_tiny"] != earlier["01_tiny"]
    index = (reports / "index.html").read_text()
    earlier_run = " (an earlier run: parameters and commit below)"
    assert f'<a href="#02_other">02_other</a>: Tiny notebook 02_other{earlier_run}</li>' in index
    assert '<a href="#01_tiny">01_tiny</a>: Tiny notebook 01_tiny</li>' in index
    assert 'href="02_other/02_other.html"' in index
    # An earlier report that failed stays listed as failed, without a summary.
    broken = write_yaml(tmp_path / "broken.yaml", {"02_other": {"n_samples": 1}})
    assert run("--params", broken, "--reports-dir", reports, other) == 1
    assert run("--reports-dir", reports, tiny) == 0
    assert "02_other" not in json.loads((reports / "summary.json").read_text())
    index = (reports / "index.html").read_text()
    assert f'<a href="#02_other">02_other</a>: Tiny notebook 02_other (failed){earlier_run}</li>' in index
    # A provenance.json changed by hand into another shape: listed as failed with the reason, the run goes on.
    for changed in ("{}", "[]"):
        (reports / "02_other" / "provenance.json").write_text(changed)
        assert run("--reports-dir", reports, tiny) == 0
        assert (
            "the earlier report cannot be read: ValueError: provenance.json is not the runner"
            in (reports / "index.html").read_text()
        )
    # Only reports of notebooks that still exist: not a copy of a report, not a renamed notebook's.
    shutil.copytree(reports / "02_other", reports / "my_saved_02_other")
    other.rename(other.with_name("03_renamed.ipynb"))
    assert run("--reports-dir", reports, tiny) == 0
    index = (reports / "index.html").read_text()
    assert "#02_other" not in index and "my_saved" not in index
