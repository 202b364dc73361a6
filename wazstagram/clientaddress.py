"""The address a request comes from, seen through the proxies this site trusts.

Behind a load balancer every peer address is the balancer's. Only when the
peer is one of TRUSTED_PROXIES is X-Forwarded-For believed, and then only its
rightmost address that is not a trusted proxy: the one the outermost trusted
proxy saw. What a client writes into the header itself is never taken.
"""

from functools import cache
from ipaddress import ip_address, ip_network

from django.conf import settings


def client_address(peer: str, forwarded_for: str | None) -> str:
    """The client's address: `peer`, or what the trusted proxies in front of us saw."""
    if not forwarded_for or not _trusted(peer):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        if not _is_address(hop):
            break  # a proxy of ours would not have written this
        if not _trusted(hop):
            return hop
    return peer


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
