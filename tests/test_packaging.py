"""environment.yml (conda users) installs what pyproject.toml and the Makefile install."""

import pathlib
import re
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def extras_in(requirement):
    match = re.fullmatch(r'-e\s+"?\.\[([\w,\s-]+)\]"?', requirement.strip())
    assert match, f"unexpected pip requirement {requirement!r}"
    return {extra.strip() for extra in match.group(1).split(",")}


def test_environment_installs_the_package_with_every_extra():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [item["pip"] for item in environment["dependencies"] if isinstance(item, dict)]
    assert len(pip_sections) == 1 and len(pip_sections[0]) == 1
    assert extras_in(pip_sections[0][0]) == set(pyproject["project"]["optional-dependencies"])
    python = next(item for item in environment["dependencies"] if isinstance(item, str) and item.startswith("python"))
    assert python.removeprefix("python") == pyproject["project"]["requires-python"]


def test_makefile_installs_the_same_extras():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r'pip install --quiet -e "\.\[([\w,]+)\]"', makefile)
    assert match and set(match.group(1).split(",")) == set(pyproject["project"]["optional-dependencies"])
