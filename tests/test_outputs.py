"""gmmlib never replaces a file or folder it did not generate (gmmlib.outputs)."""

import pytest

from gmmlib.outputs import MARKER, NotGeneratedError, generated_folder, is_generated, write_generated_file


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


def test_clear_empties_only_a_generated_folder(tmp_path):
    folder = generated_folder(tmp_path / "out")
    (folder / "old.png").write_bytes(b"old")
    (folder / "sub").mkdir()
    generated_folder(folder)
    assert (folder / "old.png").exists()
    generated_folder(folder, clear=True)
    assert sorted(p.name for p in folder.iterdir()) == [MARKER]
    assert is_generated(folder)


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
