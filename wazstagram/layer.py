"""The Service Bus subscription a node reads: one per channel layer, not per process.

Every relay hands each photo to its channel layer, which reaches every
websocket connected to any node of that layer. Nodes sharing one Redis layer
must therefore share one subscription: their relays compete for its messages
(fail-over, each photo enters the layer once). A node with an in-memory layer
is a layer of its own and reads its own subscription, named after its host.
"""

import hashlib
from urllib.parse import urlsplit


def layer_subscription(redis_url: str, redis_prefix: str, host_name: str) -> str:
    """The default subscription name of a node with this channel layer."""
    if not redis_url:
        return host_name
    digest = hashlib.sha256(f"{_layer_address(redis_url)} {redis_prefix}".encode()).hexdigest()
    return f"redis-{digest[:16]}"


def _layer_address(redis_url: str) -> str:
    """The Redis database, spelled one way; the password is left out (it may rotate)."""
    url = urlsplit(redis_url)
    if url.scheme not in ("redis", "rediss") or not url.hostname:
        return redis_url
    database = url.path.strip("/") or "0"
    return f"{url.scheme}://{url.hostname.lower()}:{url.port or 6379}/{database}"
