"""Files and folders gmmlib generates, marked so that it never replaces anything it did not create.

Every folder gmmlib generates holds a marker file, ``.gmmlib-generated``, whose lines name the
entries of that folder that gmmlib generated; the line ``.`` stands for the folder itself (all of
its content is generated). gmmlib replaces a folder only if its marker lists ``.``, and a file only
if the marker of its folder lists the file's name. Anything else that is in the way is refused with
:class:`NotGeneratedError`, naming the path; nothing is removed. An empty folder, or one that does
not exist, may always be taken.

Used by the report runner (``reports/NN_topic/``, ``reports/index.html``) and by the generators that
write data into a notebook's ``output_dir`` (e.g. :func:`gmmlib.speech.generate_corpus`).
"""

import os
import pathlib
import shutil

MARKER = ".gmmlib-generated"
WHOLE_FOLDER = "."


class NotGeneratedError(FileExistsError):
    """A path is in the way of something gmmlib generates, and gmmlib did not generate it."""


def _entries(folder):
    """The names the marker of ``folder`` lists (empty when there is no marker)."""
    marker = pathlib.Path(folder) / MARKER
    if not marker.is_file():
        return set()
    return {line.strip() for line in marker.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()}


def _record(folder, name):
    folder = pathlib.Path(folder)
    names = _entries(folder) | {name}
    (folder / MARKER).write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")


def is_generated(path):
    """Whether gmmlib generated ``path``: a folder whose marker lists ``.``, or a file its folder's marker lists."""
    path = pathlib.Path(path)
    if path.is_dir() and not path.is_symlink():
        return WHOLE_FOLDER in _entries(path)
    return path.name in _entries(path.parent)


def generated_folder(path, *, clear=False):
    """Create, or reuse, a folder that gmmlib generates; return it as a ``pathlib.Path``.

    Parameters
    ----------
    path : str or path-like
    clear : bool, default=False
        Remove the folder's content first (only ever a folder gmmlib generated), so that no file
        of an earlier run is mistaken for this run's.

    Raises
    ------
    NotGeneratedError
        If ``path`` is a file, or a non-empty folder that gmmlib did not generate.
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
    if clear and path.is_dir():
        for entry in path.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    path.mkdir(parents=True, exist_ok=True)
    _record(path, WHOLE_FOLDER)
    return path


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
    path = pathlib.Path(path)
    if (path.exists() or path.is_symlink()) and (path.is_dir() or not is_generated(path)):
        raise NotGeneratedError(f"{path} exists and gmmlib did not generate it; move it away or choose another path")
    _record(path.parent, path.name)
    temporary = path.with_name(f".{path.name}.partial")
    if isinstance(content, str):
        temporary.write_text(content, encoding="utf-8")
    else:
        temporary.write_bytes(content)
    os.replace(temporary, path)
    return path
