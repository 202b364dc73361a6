"""The administration API: the ATOM documents ServiceBusAdministrationClient exchanges.

Routes (all answered with `application/atom+xml`), as the SDK's generated
operations address them:
  GET /$Resources/topics                       feed of topics
  PUT|GET|DELETE /<topic>                      one topic
  GET /<topic>/subscriptions                   feed of subscriptions
  PUT|GET|DELETE /<topic>/subscriptions/<name> one subscription

A description is kept as the flat element → text map the client sent,
with Service Bus's defaults filled in; runtime properties (counts, times)
are computed from the store on every read. Paging is one page: the SDK asks
for the next one only when a feed carries a second (`next`) link.
"""

import datetime
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlparse
from xml.sax.saxutils import escape

import isodate

from .store import Conflict, NotFound, Store, Subscription, Topic

ATOM = "http://www.w3.org/2005/Atom"
CONNECT = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"
COUNTS = "http://schemas.microsoft.com/netservices/2011/06/servicebus"
FOREVER = "P10675199DT2H48M5.4775807S"
TOPIC_DEFAULTS = {
    "DefaultMessageTimeToLive": FOREVER,
    "MaxSizeInMegabytes": "1024",
    "RequiresDuplicateDetection": "false",
    "DuplicateDetectionHistoryTimeWindow": "PT10M",
    "EnableBatchedOperations": "true",
    "SupportOrdering": "true",
    "AutoDeleteOnIdle": FOREVER,
    "EnablePartitioning": "false",
    "EnableExpress": "false",
}
SUBSCRIPTION_DEFAULTS = {
    "RequiresSession": "false",
    "DefaultMessageTimeToLive": FOREVER,
    "DeadLetteringOnMessageExpiration": "false",
    "DeadLetteringOnFilterEvaluationExceptions": "true",
    "MaxDeliveryCount": "10",
    "EnableBatchedOperations": "true",
    "AutoDeleteOnIdle": FOREVER,
}
# Elements the broker computes; a client's copy of them is ignored.
RUNTIME = {
    "MessageCount",
    "CountDetails",
    "CreatedAt",
    "UpdatedAt",
    "AccessedAt",
    "Status",
    "SizeInBytes",
    "SubscriptionCount",
    "EntityAvailabilityStatus",
}


class AdminHandler(BaseHTTPRequestHandler):
    """One HTTPS connection to the administration API; `server.store` is the broker's."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format, *args) -> None:  # noqa: A002 - keep test output quiet
        pass

    def _dispatch(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = [p for p in urlparse(self.path).path.split("/") if p]
        store: Store = self.server.store
        try:
            status, document = self._route(store, method, parts, body)
        except NotFound as missing:
            status, document = 404, _error(404, f"Entity {missing} does not exist.")
        except Conflict as existing:
            status, document = 409, _error(409, f"Entity {existing} already exists.")
        payload = document.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/atom+xml;type=entry;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _route(self, store: Store, method: str, parts: list[str], body: bytes) -> tuple[int, str]:
        base = f"https://{self.headers.get('Host')}"
        if parts == ["$Resources", "topics"] and method == "GET":
            return 200, _feed(
                base, "topics", [_topic_entry(base, store, t) for t in store.topics()]
            )
        if len(parts) == 1:
            name = parts[0]
            if method == "PUT":
                topic = store.create_topic(name, {**TOPIC_DEFAULTS, **_description(body)})
                return 201, _topic_entry(base, store, topic)
            if method == "GET":
                return 200, _topic_entry(base, store, store.topic(name))
            if method == "DELETE":
                store.delete_topic(name)
                return 200, ""
        if len(parts) == 2 and parts[1].lower() == "subscriptions" and method == "GET":
            entries = [
                _subscription_entry(base, parts[0], s) for s in store.subscriptions(parts[0])
            ]
            return 200, _feed(base, f"{parts[0]}/subscriptions", entries)
        if len(parts) == 3 and parts[1].lower() == "subscriptions":
            topic, name = parts[0], parts[2]
            if method == "PUT":
                properties = {**SUBSCRIPTION_DEFAULTS, **_description(body)}
                lock = properties.get("LockDuration")
                subscription = store.create_subscription(
                    topic,
                    name,
                    properties,
                    isodate.parse_duration(lock).total_seconds() if lock else None,
                    int(properties["MaxDeliveryCount"]),
                )
                return 201, _subscription_entry(base, topic, subscription)
            if method == "GET":
                return 200, _subscription_entry(base, topic, store.subscription(topic, name))
            if method == "DELETE":
                store.delete_subscription(topic, name)
                return 200, ""
        raise NotFound("/".join(parts))


def _description(body: bytes) -> dict[str, str]:
    """The flat element → text map of the `*Description` in a PUT entry."""
    root = ET.fromstring(body)
    description = next(e for e in root.iter() if e.tag.endswith("Description"))
    return {
        child.tag.rpartition("}")[2]: child.text or ""
        for child in description
        if len(child) == 0 and child.tag.rpartition("}")[2] not in RUNTIME
    }


def _utc(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat().replace("+00:00", "Z")


def _elements(values: dict[str, str]) -> str:
    return "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in values.items())


def _counts(active: int, dead_letter: int) -> str:
    counts = {
        "ActiveMessageCount": active,
        "DeadLetterMessageCount": dead_letter,
        "ScheduledMessageCount": 0,
        "TransferMessageCount": 0,
        "TransferDeadLetterMessageCount": 0,
    }
    inner = "".join(f"<d2p1:{k}>{v}</d2p1:{k}>" for k, v in counts.items())
    return f'<CountDetails xmlns:d2p1="{COUNTS}">{inner}</CountDetails>'


def _entry(base: str, path: str, title: str, kind: str, created: float, body: str) -> str:
    return (
        f'<entry xmlns="{ATOM}"><id>{escape(base)}/{escape(path)}</id>'
        f'<title type="text">{escape(title)}</title>'
        f"<published>{_utc(created)}</published><updated>{_utc(created)}</updated>"
        f'<link rel="self" href="{escape(base)}/{escape(path)}"/>'
        f'<content type="application/xml"><{kind} xmlns="{CONNECT}" '
        f'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">{body}</{kind}></content></entry>'
    )


def _times(created: float, accessed: float) -> dict[str, str]:
    return {"CreatedAt": _utc(created), "UpdatedAt": _utc(created), "AccessedAt": _utc(accessed)}


def _topic_entry(base: str, store: Store, topic: Topic) -> str:
    subscriptions = store.subscriptions(topic.name)
    body = (
        _elements(topic.properties)
        + _elements(
            {
                "SizeInBytes": 0,
                "SubscriptionCount": len(subscriptions),
                "Status": "Active",
                **_times(topic.created_at, topic.accessed_at),
            }
        )
        + _counts(0, 0)
    )
    return _entry(base, topic.name, topic.name, "TopicDescription", topic.created_at, body)


def _subscription_entry(base: str, topic: str, subscription: Subscription) -> str:
    active = len(subscription.active.available) + len(subscription.active.locks)
    dead = len(subscription.dead_letter.available) + len(subscription.dead_letter.locks)
    body = _elements(
        {
            "LockDuration": isodate.duration_isoformat(
                datetime.timedelta(seconds=subscription.lock_duration)
            ),
            **subscription.properties,
            "MessageCount": active + dead,
            "Status": "Active",
            **_times(subscription.created_at, subscription.accessed_at),
        }
    ) + _counts(active, dead)
    path = f"{topic}/subscriptions/{subscription.name}"
    return _entry(
        base, path, subscription.name, "SubscriptionDescription", subscription.created_at, body
    )


def _feed(base: str, path: str, entries: list[str]) -> str:
    return (
        f'<feed xmlns="{ATOM}"><title type="text">{escape(path)}</title>'
        f"<id>{escape(base)}/{escape(path)}</id><updated>{_utc(0)}</updated>"
        f'<link rel="self" href="{escape(base)}/{escape(path)}"/>{"".join(entries)}</feed>'
    )


def _error(code: int, detail: str) -> str:
    return f"<Error><Code>{code}</Code><Detail>{escape(detail)}</Detail></Error>"
