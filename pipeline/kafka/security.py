"""Kafka TLS and SASL from the settings: options for every aiokafka client, Faust credentials.

Every ``AIOKafkaProducer``, ``AIOKafkaConsumer`` and ``AIOKafkaAdminClient`` newswire builds
takes ``**client_options(settings)``, and the Faust app takes ``broker_credentials(settings)``
(``tests/test_kafka_security.py`` fails on a client built without them).
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka import errors
from aiokafka.conn import create_conn

from pipeline.settings import Settings

# A certificate or login the broker (or we) refused; retrying does not help. Besides TLS errors
# (a certificate refused is also a ValueError), aiokafka's SCRAM client raises KeyError or
# ValueError when the server's final message is an error (``e=...``) or a wrong signature.
_REFUSALS = (
    ssl.SSLError,
    errors.AuthenticationFailedError,
    errors.AuthenticationMethodNotSupported,
    errors.SaslAuthenticationFailed,
    errors.UnsupportedSaslMechanismError,
    errors.IllegalSaslStateError,
    KeyError,
    ValueError,
)


class AccessRefused(ValueError):
    """The broker refused our certificate or login, or its certificate was refused."""


def client_options(settings: Settings | None) -> dict[str, Any]:
    """Keyword arguments of an aiokafka client; ``None`` is the embedded broker (PLAINTEXT)."""
    if settings is None:
        return {"security_protocol": "PLAINTEXT"}
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    context = settings.kafka_ssl_context()
    if context is not None:
        options["ssl_context"] = context
    if settings.kafka_sasl_username and settings.kafka_sasl_password:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return options


def describe(settings: Settings | None) -> str:
    """How we connect, for messages: never the password."""
    if settings is None or settings.kafka_security_protocol == "PLAINTEXT":
        return "PLAINTEXT"
    if not settings.kafka_security_protocol.startswith("SASL_"):
        return settings.kafka_security_protocol
    return (
        f"{settings.kafka_security_protocol} login as {settings.kafka_sasl_username!r} "
        f"({settings.kafka_sasl_mechanism})"
    )


async def check_access(bootstrap: str, settings: Settings | None) -> None:
    """Connect once to the first bootstrap address with TLS and SASL as configured.

    A refused certificate or login raises AccessRefused with the reason (the clients only log
    it, then report "Unable to bootstrap"); any other error is raised as it is.
    """
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    try:
        conn = await create_conn(
            host, int(port), request_timeout_ms=2000, **client_options(settings)
        )
    except _REFUSALS as exc:
        name = type(exc).__name__
        reason = str(exc) if name in str(exc) else f"{name}: {exc}"  # aiokafka's name themselves
        if isinstance(exc, KeyError | ValueError) and not isinstance(exc, ssl.SSLError):
            reason = "the broker refused the SCRAM login (unknown user or wrong password)"
        where = f"Kafka at {host}:{port} with {describe(settings)}"
        raise AccessRefused(f"could not connect to {where}: {reason}") from exc
    conn.close()
