"""docker-compose.yml checked without a Docker engine: commands, environment, ports."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
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
    assert {"topics", "worker", "poller", "store", "web"} <= set(NEWSWIRE)
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


@pytest.mark.parametrize(
    ("name", "field"),
    [("worker", "web_port"), ("poller", "poller_web_port"), ("web", "newsroom_port")],
)
def test_healthchecks_use_the_settings_web_ports(name: str, field: str) -> None:
    check = " ".join(SERVICES[name]["healthcheck"]["test"])
    assert f"127.0.0.1:{Settings.model_fields[field].default}/health" in check


def test_containers_serve_metrics_on_their_network_and_do_not_restart_forever() -> None:
    for name, service in NEWSWIRE.items():
        assert service["environment"]["NEWSWIRE_WEB_HOST"] == "0.0.0.0", name  # noqa: S104
        policy = service["restart"]
        assert policy == "no" or re.fullmatch(r"on-failure:\d+", policy), (name, policy)
    assert Settings().web_host == "127.0.0.1"  # outside containers


def test_the_image_removes_the_embedded_brokers_binary() -> None:
    """The Dockerfile's own expression for the binary's path names the installed binary."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    [expression] = re.findall(r'rm "\$\(python -c \'([^\']+)\'\)"', dockerfile)
    found = subprocess.run(
        [sys.executable, "-c", expression], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert Path(found).name == "tansu" and Path(found).is_file()


def test_the_image_keeps_the_city_list_the_gazetteer_reads() -> None:
    from pipeline.stages.gazetteer import CITIES

    dockerfile = (ROOT / "Dockerfile").read_text()
    [kept] = re.findall(r'glob\("cities\*\.json"\) if p\.name != "([^"]+)"', dockerfile)
    assert kept == f"cities{CITIES}.json"


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


def test_store_and_newsroom_use_the_postgres_service_and_the_newsroom_its_token() -> None:
    for name in ("store", "web"):
        url = NEWSWIRE[name]["environment"]["NEWSWIRE_STORE_URL"]
        assert url.startswith("postgresql://newswire:") and url.endswith("@postgres/newswire")
        assert "postgres" in NEWSWIRE[name]["depends_on"]
    postgres = SERVICES["postgres"]
    assert postgres["environment"]["POSTGRES_DB"] == "newswire"
    assert any(v.startswith("postgres-data:") for v in postgres["volumes"])
    web = NEWSWIRE["web"]["environment"]
    assert web["NEWSWIRE_NEWSROOM_HOST"] == "0.0.0.0"  # noqa: S104 - inside its container
    assert web["NEWSWIRE_WEB_TOKEN"].startswith("${NEWSWIRE_WEB_TOKEN:?")  # no default token
    assert NEWSWIRE["web"]["ports"] == [f"127.0.0.1:6080:{Settings().newsroom_port}"]
