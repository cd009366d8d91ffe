"""Files and folders gmmlib generates, marked so that it never replaces anything it did not create.

Every folder gmmlib writes into holds a marker file, ``.gmmlib-generated``, whose lines name the
entries of that folder that gmmlib generated; the line ``.`` says that gmmlib created the folder
itself. gmmlib writes into a folder it created (or an empty one, or a new one), and replaces or
removes only the entries a marker lists; a user's file dropped into a generated folder stays.
Anything else in the way is refused with :class:`NotGeneratedError`, naming the path; nothing is
removed.

Used by the report runner (``reports/NN_topic/``, ``reports/index.html``) and by the generators that
write data into a notebook's ``output_dir`` (e.g. :func:`gmmlib.speech.generate_corpus`).

:func:`remove_generated` removes what gmmlib generated in a folder and nothing else; from the
command line (standard library only, so it runs without gmmlib's dependencies; ``-P`` keeps
``gmmlib/`` off ``sys.path``)::

    python -P gmmlib/outputs.py clean reports
"""

import argparse
import contextlib
import os
import pathlib
import secrets
import shutil
import sys

MARKER = ".gmmlib-generated"
WHOLE_FOLDER = "."


class NotGeneratedError(FileExistsError):
    """A path is in the way of something gmmlib generates, and gmmlib did not generate it."""


def _entries(folder):
    """The names the marker of ``folder`` lists (empty when there is no marker)."""
    marker = pathlib.Path(folder) / MARKER
    if marker.is_symlink() or not marker.is_file():
        return set()
    return {line.strip() for line in marker.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()}


def _write_marker(folder, names):
    marker = pathlib.Path(folder) / MARKER
    if marker.is_symlink() or (marker.exists() and not marker.is_file()):
        raise NotGeneratedError(f"{marker} exists and is not a marker gmmlib wrote; move it away")
    if names:
        marker.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    else:
        marker.unlink(missing_ok=True)


def _record(folder, name):
    _write_marker(folder, _entries(folder) | {name})


def is_generated(path):
    """Whether gmmlib generated ``path``: a folder whose marker lists ``.``, or a file its folder's marker lists."""
    path = pathlib.Path(path)
    if path.is_dir() and not path.is_symlink():
        return WHOLE_FOLDER in _entries(path)
    return path.name in _entries(path.parent)


def check_folder(path):
    """Raise :class:`NotGeneratedError` unless :func:`generated_folder` may take ``path``; change nothing.

    ``path`` may be taken if it does not exist, is an empty folder or a folder gmmlib generated.
    """
    path = pathlib.Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise NotGeneratedError(
            f"{path} exists and is not a folder gmmlib generated; move it away or choose another path"
        )
    if path.is_dir() and not is_generated(path) and any(path.iterdir()):
        raise NotGeneratedError(
            f"{path} is a folder gmmlib did not generate (it has no {MARKER} marker) and is not empty; "
            "gmmlib will not write into it: move it away or choose another path"
        )


def check_file(path):
    """Raise :class:`NotGeneratedError` unless :func:`write_generated_file` may write ``path``; change nothing."""
    path = pathlib.Path(path)
    if "\n" in path.name or path.name in ("", WHOLE_FOLDER, "..", MARKER):
        raise ValueError(f"path must name a file gmmlib may list in its marker, got {str(path)!r}")
    if (path.exists() or path.is_symlink()) and (path.is_dir() or not is_generated(path)):
        raise NotGeneratedError(f"{path} exists and gmmlib did not generate it; move it away or choose another path")


def _clear(folder):
    """Remove what gmmlib generated inside ``folder`` and nothing else; return the removed paths.

    That is the entries its marker lists (a listed folder with all it holds: a writer such as zarr
    filled it), and, within each subfolder gmmlib generated, the same again; such a subfolder goes
    too once nothing else is left in it. A user's file or folder stays wherever it is.
    """
    listed = _entries(folder) - {WHOLE_FOLDER}
    removed = []
    for path in sorted(folder.iterdir()):
        if path.name == MARKER:
            continue
        if path.is_dir() and not path.is_symlink() and is_generated(path):
            removed += _clear(path)
            if all(entry.name == MARKER for entry in path.iterdir()):
                shutil.rmtree(path)
                removed.append(path)
        elif path.name in listed:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    if folder.exists():
        _write_marker(folder, {name for name in _entries(folder) if (folder / name).exists() or name == WHOLE_FOLDER})
    return removed


def generated_folder(path, *, clear=False):
    """Create, or reuse, a folder that gmmlib generates; return it as a ``pathlib.Path``.

    Parameters
    ----------
    path : str or path-like
    clear : bool, default=False
        First remove what gmmlib generated in it (the entries its marker lists, and generated
        subfolders), so that no file of an earlier run is mistaken for this run's; anything a user
        put there stays.

    Raises
    ------
    NotGeneratedError
        If ``path`` is a file, or a non-empty folder that gmmlib did not generate.
    """
    path = pathlib.Path(path)
    check_folder(path)
    if clear and path.is_dir():
        _clear(path)
    path.mkdir(parents=True, exist_ok=True)
    _record(path, WHOLE_FOLDER)
    return path


def claim_file(path):
    """Check that gmmlib may write ``path`` and list it in its folder's marker; return it as a ``pathlib.Path``.

    For files another library writes (a figure, an executed notebook, a GIF): the caller writes
    ``path`` right after.

    Raises
    ------
    NotGeneratedError
        If ``path`` exists and gmmlib did not generate it.
    """
    path = pathlib.Path(path)
    check_file(path)
    _record(path.parent, path.name)
    return path


@contextlib.contextmanager
def recording_new_entries(folder):
    """List in ``folder``'s marker every entry that appears in it during the ``with`` block.

    For writers that create files and folders of their own choosing (zarr, a copied tree), in a
    folder gmmlib generates.
    """
    folder = pathlib.Path(folder)
    before = set(os.listdir(folder))
    try:
        yield folder
    finally:
        for name in sorted(set(os.listdir(folder)) - before - {MARKER}):
            _record(folder, name)


def copy_generated(source, destination):
    """Copy the folder ``source`` to ``destination``, listing every folder and file in gmmlib's markers.

    The next ``generated_folder(destination, clear=True)`` then removes exactly what this copied, and
    a user's file put inside the copy survives it; a user's file in the way is refused, never
    replaced. From a folder gmmlib generated, only what gmmlib generated is copied (not a file a user
    added).
    """
    source = pathlib.Path(source)
    only_generated = is_generated(source)
    destination = generated_folder(destination)
    for path in sorted(source.iterdir()):
        if path.name == MARKER or (only_generated and not is_generated(path)):
            continue
        if path.is_dir():
            copy_generated(path, destination / path.name)
        else:
            shutil.copyfile(path, claim_file(destination / path.name))
    return destination


def write_generated_file(path, content):
    """Write ``content`` (str or bytes) to ``path``, a file gmmlib generates in a folder it may not own.

    The file is written if it does not exist or if gmmlib generated it (its folder's marker lists
    it), and is then listed there; the write goes through a temporary file, so a reader never sees
    half a file.

    Raises
    ------
    NotGeneratedError
        If ``path`` exists and gmmlib did not generate it.
    """
    path = claim_file(path)
    # A fresh name in the same folder (so that os.replace is atomic), created exclusively: never a user's file.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.partial")
    stream = open(temporary, "xb")
    try:
        with stream:
            stream.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def remove_generated(folder):
    """Remove what gmmlib generated in ``folder``, and nothing else; return the removed paths.

    The entries its marker lists and the subfolders gmmlib generated (see :func:`generated_folder`),
    then ``folder`` itself if gmmlib generated it and nothing else is left in it. A user's file or
    folder, and every folder holding one, stay.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return []
    removed = _clear(folder)
    if is_generated(folder) and all(entry.name == MARKER for entry in folder.iterdir()):
        shutil.rmtree(folder)
        removed.append(folder)
    elif _entries(folder) == set():
        (folder / MARKER).unlink(missing_ok=True)
    return removed


def main(argv=None):
    """``clean FOLDER...``: remove what gmmlib generated in each folder, printing each removed path."""
    parser = argparse.ArgumentParser(prog="python -m gmmlib.outputs", description=main.__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    clean = commands.add_parser("clean", help="remove what gmmlib generated in each folder, and nothing else")
    clean.add_argument("folders", nargs="+", metavar="FOLDER")
    args = parser.parse_args(argv)
    try:
        for folder in args.folders:
            for path in remove_generated(folder):
                print(f"removed {path}")
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
