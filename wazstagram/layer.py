"""The Service Bus subscription a node reads: one per channel layer, not per process.

Every relay hands each photo to its channel layer, which reaches every
websocket connected to any node of that layer. Nodes sharing one Redis layer
must therefore share one subscription: their relays compete for its messages
(fail-over, each photo enters the layer once). A node with an in-memory layer
is a layer of its own and reads its own subscription, named after its host.
"""

import hashlib
import re
from urllib.parse import urlsplit

# Service Bus subscription names: at most 50 letters, digits, periods, hyphens and
# underscores, starting and ending with a letter or digit.
MAX_NAME = 50


def layer_subscription(redis_url: str, redis_prefix: str, host_name: str) -> str:
    """The default subscription name of a node with this channel layer."""
    if not redis_url:
        return _host_subscription(host_name)
    return f"redis-{_digest(f'{_layer_address(redis_url)} {redis_prefix}')}"


def _host_subscription(host_name: str) -> str:
    """The host name when Service Bus accepts it, else a name it accepts that stays unique."""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", host_name).strip("._-") or "node"
    if name == host_name and len(name) <= MAX_NAME:
        return name
    digest = _digest(host_name)
    return f"{name[: MAX_NAME - len(digest) - 1].rstrip('._-')}-{digest}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _layer_address(redis_url: str) -> str:
    """The Redis database, spelled one way; the password is left out (it may rotate)."""
    url = urlsplit(redis_url)
    if url.scheme not in ("redis", "rediss") or not url.hostname:
        return redis_url
    database = url.path.strip("/") or "0"
    return f"{url.scheme}://{url.hostname.lower()}:{url.port or 6379}/{database}"
