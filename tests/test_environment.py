"""environment.yml (conda) and pyproject.toml (pip) must list the same packages with the same pins."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)$")


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return dict(PIN.match(r).groups() for r in requirements)


def environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        entry = line.strip().removeprefix("- ").strip()
        if match := PIN.match(entry):
            pins[match.group(1)] = match.group(2)
    return pins


def test_every_requirement_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        assert PIN.match(requirement), f"pin {requirement!r} with ==, so every machine runs the same code"


def test_environment_yml_and_pyproject_list_the_same_pins():
    assert environment_pins() == pyproject_pins()


def test_torch_is_the_cpu_build_release():
    assert pyproject_pins()["torch"] == "2.13.0"


def test_environment_yml_installs_the_course_package_and_python_311():
    text = (ROOT / "environment.yml").read_text()
    assert "- -e ." in text and "python=3.11" in text
