"""The address a request comes from, seen through the proxies this site trusts.

Behind a load balancer every peer address is the balancer's. Only when the
peer is one of TRUSTED_PROXIES is X-Forwarded-For believed, and then only its
rightmost address that is not a trusted proxy: the one the outermost trusted
proxy saw. What a client writes into the header itself is never taken.

RFC 7239 `Forwarded` (its `for=` parameters) is read the same way and wins
over `X-Forwarded-For` when a proxy sends both. Hops may carry a port
(`203.0.113.5:51234`, as Azure Application Gateway writes them) or be
bracketed IPv6 (`[2001:db8::1]:4711`); an obfuscated or `unknown` hop ends
the walk like junk does.
"""

from functools import cache
from ipaddress import ip_address, ip_network

from django.conf import settings


def client_address(peer: str, forwarded_for: str | None, forwarded: str | None = None) -> str:
    """The client's address: `peer`, or what the trusted proxies in front of us saw.

    `forwarded_for` is the X-Forwarded-For header, `forwarded` the RFC 7239 one.
    """
    if not (forwarded or forwarded_for) or not _trusted(peer):
        return peer
    hops = _forwarded_hops(forwarded) if forwarded else forwarded_for.split(",")
    for hop in reversed(hops):
        hop = _without_port(hop.strip())
        if not _is_address(hop):
            break  # a proxy of ours would not have written this
        if not _trusted(hop):
            return hop
    return peer


def _forwarded_hops(header: str) -> list[str]:
    """The `for=` value of each element of a Forwarded header ("" where one has none)."""
    hops = []
    for element in header.split(","):
        value = ""
        for pair in element.split(";"):
            name, _, text = pair.strip().partition("=")
            if name.strip().lower() == "for":
                value = text.strip().strip('"')
        hops.append(value)
    return hops


def _without_port(hop: str) -> str:
    """`hop` without its port: `1.2.3.4:80` and `[2001:db8::1]:80` give the address."""
    if hop.startswith("["):
        address, bracket, _ = hop[1:].partition("]")
        return address if bracket else ""
    if hop.count(":") == 1:
        return hop.partition(":")[0]
    return hop


def _trusted(address: str) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


@cache
def _networks(entries: tuple[str, ...]) -> list:
    return [ip_network(entry, strict=False) for entry in entries]


def request_address(request) -> str:
    """The client address of a Django request (the admin's login throttling counts by it)."""
    return client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        request.META.get("HTTP_FORWARDED"),
    )
