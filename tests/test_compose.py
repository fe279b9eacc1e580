"""docker-compose.yml checked without a Docker engine: commands, environment, ports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from pipeline.cli.main import main
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(TEXT)
SERVICES: dict[str, Any] = COMPOSE["services"]
NEWSWIRE = {name: s for name, s in SERVICES.items() if s.get("image", "").startswith("newswire")}


def test_newswire_services_exist() -> None:
    assert {"topics", "worker", "poller"} <= set(NEWSWIRE)
    assert SERVICES["kafka"]["image"].startswith("apache/kafka")


@pytest.mark.parametrize("name", sorted(NEWSWIRE))
def test_service_command_is_a_real_newswire_command(name: str) -> None:
    args = list(NEWSWIRE[name]["command"])
    command: click.Command = main
    while isinstance(command, click.Group) and args and args[0] in command.commands:
        command = command.commands[args.pop(0)]
    assert command is not main
    command.make_context(command.name or "", args)  # raises on unknown options or choices


@pytest.mark.parametrize("name", sorted(NEWSWIRE))
def test_service_environment_names_real_settings(name: str) -> None:
    env = NEWSWIRE[name]["environment"]
    fields = {f"NEWSWIRE_{field.upper()}" for field in Settings.model_fields}
    assert set(env) <= fields, set(env) - fields
    host, port = env["NEWSWIRE_BROKER"].split(":")
    kafka = SERVICES["kafka"]["environment"]
    assert f"INTERNAL://{host}:{port}" in kafka["KAFKA_ADVERTISED_LISTENERS"]
    assert int(env["NEWSWIRE_PARTITIONS"]) >= 1


def test_commented_kafka_security_settings_are_real_and_valid() -> None:
    """The file shows production TLS and SASL as comments: uncommented, they are settings."""
    example = dict(re.findall(r"^ +# (NEWSWIRE_KAFKA_\w+): (\S+)", TEXT, re.MULTILINE))
    assert example["NEWSWIRE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    values: dict[str, Any] = {k.removeprefix("NEWSWIRE_").lower(): v for k, v in example.items()}
    assert set(values) <= set(Settings.model_fields)
    values["kafka_sasl_password"] = "from .env"  # noqa: S105 - stands for the .env value
    del values["kafka_ssl_cafile"]  # mounted in the container
    Settings(**values)


def test_published_ports_are_loopback_only() -> None:
    for service in SERVICES.values():
        for mapping in service.get("ports", []):
            assert mapping.startswith("127.0.0.1:"), mapping


def test_worker_healthcheck_uses_the_settings_web_port() -> None:
    check = " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert f"127.0.0.1:{Settings.model_fields['web_port'].default}/health" in check


def test_compose_config_when_a_compose_tool_is_available() -> None:
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("no docker-compose on this machine (PyPI's 1.29.2 does not install on 3.11)")
    result = subprocess.run(
        [tool, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
