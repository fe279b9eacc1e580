"""Kafka TLS and SASL: settings, the options every client gets, and real connections to Tansu.

Tansu 0.6.0 checks SCRAM-SHA-256/512 logins when started with ``--authentication`` (it offers
no PLAIN), but users are created over an authenticated connection and its memory engine starts
empty, so no login can succeed: only refused logins are tested against it. It has no TLS, so
TLS goes through the proxy of ``tests/tls_proxy.py``.
"""

from __future__ import annotations

import ast
import asyncio
import ssl
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from agents.app import broker_credentials, create_app
from pipeline.kafka.broker import BrokerError, free_port, wait_until_ready
from pipeline.kafka.security import client_options, describe
from pipeline.kafka.topics import ensure_topics
from pipeline.poller.registry import configs, publish, read_registry
from pipeline.settings import Settings
from tests.support.cli import newswire
from tests.support.kafka import fresh_settings
from tests.support.shared import ROOT
from tests.support.tls_proxy import tansu, tls_tansu

PASSWORD = "wrong-horse-battery"  # noqa: S105 - a test login nobody has
LOGIN = {"kafka_sasl_username": "alice", "kafka_sasl_password": PASSWORD}
CLIENTS = {
    "AIOKafkaProducer",
    "AIOKafkaConsumer",
    "AIOKafkaAdminClient",
    "AIOKafkaClient",
    "AIOKafkaConnection",
    "create_conn",
}


@dataclass(frozen=True)
class Pki:
    folder: Path
    server: ssl.SSLContext  # the proxy's: a certificate for 127.0.0.1, client certificates required

    def tls(self, settings: Settings, **overrides: Any) -> Settings:
        """``settings`` over TLS with our CA and client certificate, then ``overrides``."""
        values = {
            "kafka_security_protocol": "SSL",
            "kafka_ssl_cafile": self.folder / "ca.pem",
            "kafka_ssl_certfile": self.folder / "client.pem",
            "kafka_ssl_keyfile": self.folder / "client.key",
            **overrides,
        }
        return Settings(**{**settings.model_dump(), **values})


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca, stranger = trustme.CA(), trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    stranger.cert_pem.write_to_path(str(folder / "other-ca.pem"))
    client = ca.issue_cert("newswire-client")
    client.cert_chain_pems[0].write_to_path(str(folder / "client.pem"))
    client.private_key_pem.write_to_path(str(folder / "client.key"))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    ca.configure_trust(server)
    server.verify_mode = ssl.CERT_REQUIRED
    return Pki(folder, server)


@pytest.fixture(scope="module")
def tls_broker(pki: Pki) -> Iterator[str]:
    with tls_tansu(pki.server) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="module")
def sasl_broker() -> Iterator[str]:
    port = free_port()
    with tansu(port, port, authentication=True):
        yield f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def sasl_tls_broker(pki: Pki) -> Iterator[str]:
    with tls_tansu(pki.server, authentication=True) as bootstrap:
        yield bootstrap


def sasl(tmp_path: Path, protocol: str, mechanism: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        kafka_security_protocol=protocol,
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username="alice",
        kafka_sasl_password=PASSWORD,
    )


def invoke(*args: str, **env: str) -> tuple[int, list[str]]:
    """Run the CLI in-process with ``NEWSWIRE_*`` variables; exit code and output lines."""
    result = newswire(None, *args, **env)
    return result.exit_code, result.output.splitlines()


# Settings


@pytest.mark.parametrize("login", [{"kafka_sasl_username": "alice"}, {"kafka_sasl_password": "x"}])
def test_sasl_without_a_full_login_fails_at_once(login: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SASL_SSL needs NEWSWIRE_KAFKA_SASL_USERNAME and"):
        Settings(data_dir=tmp_path, kafka_security_protocol="SASL_SSL", **login)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kafka_sasl_username": "alice"}, "PROTOCOL=PLAINTEXT does not log in"),
        (
            {**LOGIN, "kafka_security_protocol": "SASL_PLAINTEXT", "kafka_ssl_cafile": "ca.pem"},
            "PROTOCOL=SASL_PLAINTEXT has no TLS",
        ),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_keyfile": "client.key"},
            "NEWSWIRE_KAFKA_SSL_KEYFILE needs NEWSWIRE_KAFKA_SSL_CERTFILE",
        ),
        ({"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "missing.pem"}, "not point"),
        ({"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "ca.pem"}, "files do not load"),
        ({"kafka_security_protocol": "TLS"}, "'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT' or"),
        ({"kafka_sasl_mechanism": "GSSAPI"}, "'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'"),
    ],
)
def test_security_options_that_do_not_fit_fail(
    values: dict[str, str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("ca.pem", "client.key"):
        (tmp_path / name).touch()
    with pytest.raises(ValidationError, match=message):
        Settings(**values)


def test_an_encrypted_client_key_fails_instead_of_asking_for_its_passphrase(
    pki: Pki, tmp_path: Path
) -> None:
    key = serialization.load_pem_private_key((pki.folder / "client.key").read_bytes(), None)
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    with pytest.raises(ValidationError, match="NEWSWIRE_KAFKA_SSL_\\* files do not load"):
        pki.tls(Settings(data_dir=tmp_path), kafka_ssl_keyfile=encrypted)


def test_the_cli_names_a_bad_security_setting_in_one_line(tmp_path: Path) -> None:
    code, lines = invoke(
        "topics",
        NEWSWIRE_DATA_DIR=str(tmp_path),
        NEWSWIRE_KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        NEWSWIRE_KAFKA_SASL_USERNAME="alice",
    )
    assert code == 78
    assert lines == [
        "Error: bad configuration: Value error, NEWSWIRE_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs "
        "NEWSWIRE_KAFKA_SASL_USERNAME and NEWSWIRE_KAFKA_SASL_PASSWORD"
    ]


def test_the_embedded_broker_is_refused_when_security_is_set(tmp_path: Path) -> None:
    code, lines = invoke(
        "topics", NEWSWIRE_DATA_DIR=str(tmp_path), NEWSWIRE_KAFKA_SECURITY_PROTOCOL="SSL"
    )
    assert code == 78
    assert lines == [
        "Error: NEWSWIRE_KAFKA_SECURITY_PROTOCOL=SSL needs a Kafka broker (--broker HOST:PORT "
        "or NEWSWIRE_BROKER): the embedded broker speaks PLAINTEXT only"
    ]


def test_the_password_is_masked_but_reaches_child_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = sasl(tmp_path, "SASL_SSL", "SCRAM-SHA-512")
    for text in (repr(settings), str(settings), settings.model_dump_json(), describe(settings)):
        assert PASSWORD not in text
    env = settings.to_env()
    assert env["NEWSWIRE_KAFKA_SASL_PASSWORD"] == PASSWORD
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    child = Settings()
    assert child.kafka_sasl_password is not None
    assert child.kafka_sasl_password.get_secret_value() == PASSWORD
    assert client_options(child).keys() == client_options(settings).keys()


# The options built


def _plain(options: Any) -> dict[str, Any]:
    """Options with the SSL context reduced to what it checks."""
    plain = dict(options)
    if context := plain.pop("ssl_context", None):
        plain["ssl"] = (context.verify_mode, context.check_hostname)
    return plain


def test_client_options_per_protocol(pki: Pki, tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path)
    assert client_options(base) == client_options(None) == {"security_protocol": "PLAINTEXT"}
    tls = pki.tls(base, kafka_ssl_check_hostname=False)
    assert _plain(client_options(tls)) == {
        "security_protocol": "SSL",
        "ssl": (ssl.CERT_REQUIRED, False),
    }
    assert _plain(client_options(sasl(tmp_path, "SASL_PLAINTEXT", "SCRAM-SHA-256"))) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "alice",
        "sasl_plain_password": PASSWORD,
    }
    assert _plain(client_options(sasl(tmp_path, "SASL_SSL", "PLAIN")))["ssl"] == (
        ssl.CERT_REQUIRED,
        True,
    )


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"])
def test_faust_gets_the_same_options_as_our_clients(
    protocol: str, pki: Pki, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    if protocol.startswith("SASL_"):
        settings = sasl(tmp_path, protocol, "SCRAM-SHA-512")
    if protocol.endswith("SSL"):
        settings = pki.tls(settings, kafka_security_protocol=protocol)
    faust_options = credentials_to_aiokafka_auth(broker_credentials(settings))
    assert _plain(faust_options) == _plain(client_options(settings))
    app = create_app(settings, "127.0.0.1:9092", embedded=False)
    assert type(app.conf.broker_credentials) is type(broker_credentials(settings))


def _calls(path: Path) -> Iterator[ast.Call]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            yield node


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _spreads_client_options(call: ast.Call) -> bool:
    return any(
        k.arg is None and isinstance(k.value, ast.Call) and _name(k.value) == "client_options"
        for k in call.keywords
    )


def test_every_kafka_client_is_built_with_the_security_options() -> None:
    """Every aiokafka client in pipeline/, agents/ and bench/ takes ``**client_options(...)``
    and every Faust app ``broker_credentials``. examples/ is left out: its script is for
    downstream consumers and imports nothing of newswire."""
    sources = [p for d in ("pipeline", "agents", "bench") for p in (ROOT / d).rglob("*.py")]
    clients, apps, bypasses = 0, 0, []
    for path in sources:
        for call in _calls(path):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            if _name(call) in CLIENTS:
                clients += 1
                if not _spreads_client_options(call):
                    bypasses.append(f"{where} {_name(call)} without **client_options(settings)")
            elif ast.unparse(call.func) in ("faust.App", "App"):
                apps += 1
                if "broker_credentials" not in {k.arg for k in call.keywords}:
                    bypasses.append(f"{where} faust.App without broker_credentials")
    assert bypasses == []
    assert clients >= 9 and apps >= 1  # the test still sees the construction sites


# Against Tansu: TLS through the proxy, SASL refusals


@pytest.mark.broker
def test_tls_carries_every_client(tls_broker: str, pki: Pki, tmp_path: Path) -> None:
    """Admin (topics), producer and consumer (the feed registry), Faust's producer: all TLS."""
    settings = pki.tls(fresh_settings(tls_broker, tmp_path))

    async def go() -> tuple[int, set[str]]:
        await wait_until_ready(tls_broker, timeout=10, settings=settings)
        await ensure_topics(tls_broker, settings)
        sent = await publish(tls_broker, settings, configs([("https://a.example/feed", None)]))
        app = create_app(settings, tls_broker, embedded=False)
        await app.producer.start()
        try:
            await app.producer.send_and_wait(settings.topic("raw"), b"k", b"{}", None, None, None)
        finally:
            await app.producer.stop()
        return sent, set(await read_registry(tls_broker, settings))

    sent, registry = asyncio.run(go())
    assert sent == 1
    assert registry == {"https://a.example/feed"}


@pytest.mark.broker
def test_the_cli_works_over_tls(tls_broker: str, pki: Pki, tmp_path: Path) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    code, lines = invoke(
        "topics",
        "create",
        NEWSWIRE_BROKER=tls_broker,
        NEWSWIRE_DATA_DIR=str(tmp_path),
        NEWSWIRE_TOPIC_PREFIX=prefix,
        NEWSWIRE_KAFKA_SECURITY_PROTOCOL="SSL",
        NEWSWIRE_KAFKA_SSL_CAFILE=str(pki.folder / "ca.pem"),
        NEWSWIRE_KAFKA_SSL_CERTFILE=str(pki.folder / "client.pem"),
        NEWSWIRE_KAFKA_SSL_KEYFILE=str(pki.folder / "client.key"),
    )
    assert code == 0, lines
    assert f"{prefix}.raw\t" in "\n".join(lines)


@pytest.mark.broker
def test_a_broker_certificate_from_another_ca_fails_at_once(
    tls_broker: str, pki: Pki, tmp_path: Path
) -> None:
    settings = pki.tls(Settings(data_dir=tmp_path), kafka_ssl_cafile=pki.folder / "other-ca.pem")
    started = time.monotonic()
    with pytest.raises(BrokerError) as refused:
        asyncio.run(wait_until_ready(tls_broker, timeout=15, settings=settings))
    assert time.monotonic() - started < 5
    assert str(refused.value).startswith(
        f"could not connect to Kafka at {tls_broker} with SSL: SSLCertVerificationError: "
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"
    )


@pytest.mark.broker
def test_without_the_client_certificate_the_broker_is_not_reached(
    tls_broker: str, pki: Pki, tmp_path: Path
) -> None:
    """The proxy wants a client certificate: the files of NEWSWIRE_KAFKA_SSL_CERTFILE and
    NEWSWIRE_KAFKA_SSL_KEYFILE are what got the other tests through."""
    settings = pki.tls(Settings(data_dir=tmp_path), kafka_ssl_certfile=None, kafka_ssl_keyfile=None)
    with pytest.raises(BrokerError, match=rf"at {tls_broker} \(SSL\)"):
        asyncio.run(wait_until_ready(tls_broker, timeout=2, settings=settings))


@pytest.mark.broker
def test_tls_checks_the_broker_host_name(tls_broker: str, pki: Pki, tmp_path: Path) -> None:
    """The certificate names 127.0.0.1, not localhost."""
    by_name = tls_broker.replace("127.0.0.1", "localhost")
    settings = pki.tls(Settings(data_dir=tmp_path))
    with pytest.raises(BrokerError, match="Hostname mismatch.* 'localhost'"):
        asyncio.run(wait_until_ready(by_name, timeout=5, settings=settings))
    unchecked = pki.tls(settings, kafka_ssl_check_hostname=False)
    asyncio.run(wait_until_ready(by_name, timeout=10, settings=unchecked))


@pytest.mark.broker
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_a_refused_sasl_login_fails_at_once_with_the_reason(
    protocol: str,
    mechanism: str,
    request: pytest.FixtureRequest,
    pki: Pki,
    tmp_path: Path,
) -> None:
    broker: str = request.getfixturevalue(
        "sasl_tls_broker" if protocol == "SASL_SSL" else "sasl_broker"
    )
    settings = sasl(tmp_path, protocol, mechanism)
    if protocol == "SASL_SSL":
        settings = pki.tls(settings, kafka_security_protocol=protocol)
    started = time.monotonic()
    with pytest.raises(BrokerError) as refused:
        asyncio.run(wait_until_ready(broker, timeout=15, settings=settings))
    assert time.monotonic() - started < 5
    assert str(refused.value) == (
        f"could not connect to Kafka at {broker} with {protocol} login as 'alice' ({mechanism}):"
        " the broker refused the SCRAM login (unknown user or wrong password)"
    )


@pytest.mark.broker
def test_the_cli_reports_a_refused_login_in_one_line(sasl_broker: str, tmp_path: Path) -> None:
    code, lines = invoke(
        "topics",
        NEWSWIRE_BROKER=sasl_broker,
        NEWSWIRE_DATA_DIR=str(tmp_path),
        NEWSWIRE_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        NEWSWIRE_KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        NEWSWIRE_KAFKA_SASL_USERNAME="alice",
        NEWSWIRE_KAFKA_SASL_PASSWORD=PASSWORD,
    )
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: could not connect to Kafka at {sasl_broker} with SASL_")
    assert PASSWORD not in lines[0]


@pytest.mark.broker
def test_a_sasl_broker_turns_away_a_client_without_login(sasl_broker: str) -> None:
    """So the refusals above come from the SCRAM exchange our clients started."""
    with pytest.raises(BrokerError, match=r"no Kafka broker answered at .* \(PLAINTEXT\)"):
        asyncio.run(wait_until_ready(sasl_broker, timeout=1))
