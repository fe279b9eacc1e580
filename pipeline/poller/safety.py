"""Refusing feed URLs that resolve to private, loopback or link-local addresses.

A feed list must not become a way to probe an internal network, so every address a host
resolves to (and every redirect target) is checked unless private addresses are allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver


class UnsafeAddress(OSError):
    """The URL's host is, or resolves to, an address feeds may not be fetched from."""


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
ALLOW_HINT = " (allow a private network with NEWSWIRE_FETCH_ALLOW_NETWORKS, e.g. 127.0.0.0/8)"


def networks(cidrs: Iterable[str]) -> Networks:
    """Parsed networks allowed despite being private (e.g. ``127.0.0.0/8`` for tests)."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def is_allowed(address: str, allowed: Networks) -> bool:
    """A public unicast address, or one inside an explicitly allowed network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.is_global and not ip.is_multicast:
        return True
    return any(ip.version == net.version and ip in net for net in allowed)


def check_literal_host(host: str, allowed: Networks) -> None:
    """Refuse an IP-literal host that is not allowed (names are checked when resolved)."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    if not is_allowed(str(ip), allowed):
        raise UnsafeAddress(f"refusing non-public address {ip}{ALLOW_HINT}")


class SafeResolver(AbstractResolver):
    """An aiohttp resolver that drops non-public addresses (so no check-then-use race)."""

    def __init__(self, allowed: Networks) -> None:
        self.allowed = allowed
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if is_allowed(r["host"], self.allowed)]
        if not allowed:
            raise UnsafeAddress(
                f"refusing {host}: it resolves only to non-public addresses{ALLOW_HINT}"
            )
        return allowed

    async def close(self) -> None:
        await self._inner.close()
