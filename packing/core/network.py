"""Where the app may connect on a person's say-so: a webhook subscription's target and a
store's printer are addresses someone typed, and the worker connects to them. Neither may
turn the worker into a way to reach what only the server can reach (this machine, a cloud's
metadata service at a link-local address); webhooks must also stay off private networks,
where printers live. An operator may allow a host by name. A name is checked for every
address it resolves to, and the address actually reached is checked again after connecting
(a name may resolve differently between the two)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from typing import Optional


class Unresolvable(Exception):
    """The host name does not resolve (now)."""


def host_allowed(host: str, allowed_hosts: Collection[str]) -> bool:
    return host.strip("[]").lower() in {name.strip().strip("[]").lower() for name in allowed_hosts}


def address_refusal(address: str, *, private_ok: bool) -> Optional[str]:
    """Why the app may not connect to ``address`` ("a loopback address", ...), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    kinds = [
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("an unspecified", ip.is_unspecified),
        ("a reserved", ip.is_reserved),
    ]
    if not private_ok:
        kinds += [("a private", ip.is_private), ("a non-public", not ip.is_global)]
    for kind, matches in kinds:
        if matches:
            return f"{kind} address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (a connection goes to one of them)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def refused_address(
    host: str, port: int, allowed_hosts: Collection[str], *, private_ok: bool, must_resolve: bool
) -> Optional[str]:
    """The first address of ``host`` the app may not connect to, or None (also for a host in
    ``allowed_hosts``). A name that does not resolve raises Unresolvable when
    ``must_resolve`` (before connecting) and passes otherwise (when saving, the name may
    not be published yet)."""
    if host_allowed(host, allowed_hosts):
        return None
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError):
            if must_resolve:
                raise Unresolvable(host) from None
            return None
    return next((address for address in addresses if address_refusal(address, private_ok=private_ok)), None)
