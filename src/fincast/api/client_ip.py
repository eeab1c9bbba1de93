"""Who is asking: the client's IP address, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """The proxy networks of ``FINCAST_TRUSTED_PROXIES`` (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _address(text: str) -> Address | None:
    try:
        addr = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _trusted(addr: Address, networks: Sequence[Network]) -> bool:
    return any(addr in net for net in networks)


def peer_address(conn: HTTPConnection) -> Address | None:
    """The address of the TCP peer itself (None when the server does not say)."""
    return _address(conn.client.host) if conn.client else None


def client_ip(conn: HTTPConnection, trusted: Sequence[Network]) -> str:
    """The client's address for rate limits and logs.

    X-Forwarded-For is read only when the peer is a trusted proxy, from the right: each
    trusted proxy appends the address it saw, so the first untrusted entry from the right is
    the client, and anything to its left may be forged by the client.
    """
    peer = peer_address(conn)
    if peer is None:
        return conn.client.host if conn.client else "unknown"
    if not trusted or not _trusted(peer, trusted):
        return str(peer)
    hops = [h for value in conn.headers.getlist("x-forwarded-for") for h in value.split(",")]
    nearest = peer
    for hop in reversed(hops):
        addr = _address(hop)
        if addr is None:
            break  # a proxy we trust wrote something that is not an address: stop here
        if not _trusted(addr, trusted):
            return str(addr)
        nearest = addr
    return str(nearest)


def is_forwarded(conn: HTTPConnection) -> bool:
    """True when a proxy relayed the request (it carries a forwarding header)."""
    return any(name in conn.headers for name in FORWARDING_HEADERS)
