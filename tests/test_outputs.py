"""gmmlib never replaces a file or folder it did not generate (gmmlib.outputs)."""

import pathlib
import subprocess
import sys

import pytest

from gmmlib import outputs
from gmmlib.outputs import (
    MARKER,
    NotGeneratedError,
    check_file,
    check_folder,
    claim_file,
    generated_folder,
    is_generated,
    recording_new_entries,
    remove_generated,
    write_generated_file,
)


def test_a_new_or_empty_folder_is_taken_and_marked(tmp_path):
    new = generated_folder(tmp_path / "a" / "b")
    assert new.is_dir() and is_generated(new)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert is_generated(generated_folder(empty))


def test_a_users_folder_is_refused_and_left_as_it_was(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    for clear in (False, True):
        with pytest.raises(NotGeneratedError, match="mine is a folder gmmlib did not generate"):
            generated_folder(folder, clear=clear)
    assert (folder / "notes.txt").read_text() == "keep me"
    assert not (folder / MARKER).exists()


def test_a_file_in_the_way_of_a_folder_is_refused(tmp_path):
    (tmp_path / "out").write_text("keep me")
    with pytest.raises(NotGeneratedError, match="is not a folder gmmlib generated"):
        generated_folder(tmp_path / "out", clear=True)
    assert (tmp_path / "out").read_text() == "keep me"


def test_a_symlink_to_a_users_folder_is_refused(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "data.txt").write_text("keep me")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(NotGeneratedError):
        generated_folder(tmp_path / "link", clear=True)
    assert (target / "data.txt").read_text() == "keep me"


def test_clear_removes_what_gmmlib_wrote_and_keeps_a_users_file(tmp_path):
    folder = generated_folder(tmp_path / "out")
    write_generated_file(folder / "summary.json", "{}")
    claim_file(folder / "figure.png").write_bytes(b"png")  # written by another library
    with recording_new_entries(folder):  # a writer that chooses its own names, like zarr
        (folder / "store").mkdir()
        (folder / "store" / "chunk").write_bytes(b"1")
    audio = generated_folder(folder / "audio")
    claim_file(audio / "a.wav").write_bytes(b"wav")
    (folder / "my_notes.txt").write_text("keep me")  # the user's, dropped into a generated folder
    (audio / "mine.wav").write_bytes(b"keep me too")
    generated_folder(folder)
    assert (folder / "figure.png").exists()
    generated_folder(folder, clear=True)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        MARKER,
        "audio",
        f"audio/{MARKER}",
        "audio/mine.wav",
        "my_notes.txt",
    ]
    assert (folder / "my_notes.txt").read_text() == "keep me" and is_generated(folder)


def test_generated_files_are_rewritten_and_a_users_file_is_not(tmp_path):
    index = tmp_path / "index.html"
    write_generated_file(index, "<p>one</p>")
    write_generated_file(index, "<p>two</p>")
    assert index.read_text() == "<p>two</p>"
    assert is_generated(index)
    theirs = tmp_path / "summary.json"
    theirs.write_text('{"mine": 1}')
    with pytest.raises(NotGeneratedError, match=r"summary\.json exists and gmmlib did not generate it"):
        write_generated_file(theirs, "{}")
    assert theirs.read_text() == '{"mine": 1}'
    with pytest.raises(NotGeneratedError):
        write_generated_file(tmp_path, b"")


def test_the_temporary_file_never_replaces_a_users_file(tmp_path):
    # An earlier version wrote through ".index.html.partial", whoever had made it.
    theirs = tmp_path / ".index.html.partial"
    theirs.write_text("keep me")
    write_generated_file(tmp_path / "index.html", "<p>one</p>")
    assert theirs.read_text() == "keep me"
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([".index.html.partial", MARKER, "index.html"])


def test_a_marker_that_is_not_a_plain_file_is_never_written_through(tmp_path):
    theirs = tmp_path / "theirs.txt"
    theirs.write_text("keep me")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / MARKER).symlink_to(theirs)
    with pytest.raises(NotGeneratedError, match="is not a marker gmmlib wrote"):
        write_generated_file(folder / "index.html", "<p></p>")
    assert theirs.read_text() == "keep me"
    assert not is_generated(folder / "index.html")


@pytest.mark.parametrize("name", ["two\nlines.txt", MARKER, ".."])
def test_a_name_the_marker_cannot_list_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="path must name a file gmmlib may list in its marker"):
        write_generated_file(tmp_path / name, "x")
    assert not (tmp_path / MARKER).exists()


def test_checks_change_nothing(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.txt").write_text("keep me")
    with pytest.raises(NotGeneratedError, match="mine is a folder gmmlib did not generate"):
        check_folder(tmp_path / "mine")
    (tmp_path / "index.html").write_text("keep me")
    with pytest.raises(NotGeneratedError, match=r"index\.html exists and gmmlib did not generate it"):
        check_file(tmp_path / "index.html")
    check_folder(tmp_path / "new" / "deeper")
    check_file(tmp_path / "summary.json")
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["a.txt", "index.html", "mine"]


def test_remove_generated_removes_only_what_gmmlib_generated(tmp_path):
    reports = tmp_path / "reports"
    generated_folder(reports / "00_quickstart")
    claim_file(reports / "00_quickstart" / "figure.png").write_bytes(b"png")
    write_generated_file(reports / "index.html", "<p></p>")
    users = {"README.md": "mine", "params/small.yaml": "seed: 1\n", "notes/a.txt": "mine", "summary.json": "{}"}
    for name, content in users.items():
        (reports / name).parent.mkdir(parents=True, exist_ok=True)
        (reports / name).write_text(content)

    quickstart = reports / "00_quickstart"
    assert remove_generated(reports) == [quickstart / "figure.png", quickstart, reports / "index.html"]
    assert {path.relative_to(reports).as_posix(): path.read_text() for path in reports.rglob("*.*")} == users
    assert not (reports / MARKER).exists()
    assert remove_generated(reports) == []


def test_remove_generated_takes_a_whole_generated_folder_and_leaves_a_missing_one(tmp_path):
    folder = generated_folder(tmp_path / "out")
    with recording_new_entries(folder):
        (folder / "sub").mkdir()
    assert remove_generated(folder) == [folder / "sub", folder]
    assert not folder.exists()
    assert remove_generated(tmp_path / "never") == []
    kept = generated_folder(tmp_path / "kept")
    (kept / "mine.txt").write_text("keep me")
    assert remove_generated(kept) == [] and (kept / "mine.txt").read_text() == "keep me"


def test_clean_runs_from_the_command_line_with_the_standard_library_only(tmp_path):
    # `make clean` runs it with the system python, before or after the venv exists.
    folder = generated_folder(tmp_path / "reports" / "00_quickstart")
    (tmp_path / "reports" / "README.md").write_text("mine")
    script = pathlib.Path(outputs.__file__)
    process = subprocess.run(
        [sys.executable, "-P", "-S", script, "clean", tmp_path / "reports"], capture_output=True, text=True
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout == f"removed {folder}\n"
    assert [path.name for path in (tmp_path / "reports").iterdir()] == ["README.md"]


def test_notebook_helpers_write_only_their_own_files(tmp_path):
    import matplotlib.pyplot as plt

    from gmmlib.notebook import prepare_output_dir, save_figure, write_summary

    users = tmp_path / "users"
    users.mkdir()
    (users / "summary.json").write_text("mine")
    (users / "mine.png").write_bytes(b"mine")
    figure = plt.figure()
    with pytest.raises(NotGeneratedError, match=r"summary\.json exists and gmmlib did not generate it"):
        write_summary({"a": 1}, users)
    with pytest.raises(NotGeneratedError, match=r"mine\.png exists and gmmlib did not generate it"):
        save_figure(figure, users, "mine.png")
    with pytest.raises(ValueError, match=r"name must be a file name ending in \.png or \.pdf"):
        save_figure(figure, prepare_output_dir(str(tmp_path / "out")), "../users/mine.png")
    assert (users / "summary.json").read_text() == "mine" and (users / "mine.png").read_bytes() == b"mine"
    out = prepare_output_dir(str(tmp_path / "out"))
    save_figure(figure, out, "figure.png")
    write_summary({"a": 1}, out)
    save_figure(figure, out, "figure.png")  # the package's own files are replaced
    plt.close(figure)
    assert sorted(_entries_of(out)) == [".", "figure.png", "summary.json"]


def _entries_of(folder):
    return (folder / MARKER).read_text().split()
