"""The AMQP 1.0 side of the broker, as a python-qpid-proton reactor handler.

It speaks the subset azure-servicebus 7.15 uses (read from its `_pyamqp`):
SASL ANONYMOUS; `$cbs` put-token answered 202 on the `$cbs` reply link;
sender links whose target is `amqps://host:port/<topic>`; receiver links whose
source is `.../<topic>/Subscriptions/<name>[/$DeadLetterQueue]`. Peek-lock
uses the 16-byte delivery tag as lock token. The SDK sends its settlement
unsettled and waits until the broker settles with the same outcome (an
abandon comes back `modified`, a dead-letter `rejected` without error), so
every outcome is echoed; a settlement whose lock is gone is answered
`rejected` with `com.microsoft:message-lock-lost`. When the link a message
came on is gone, the SDK settles by lock token through `$management`
(`com.microsoft:update-disposition`), answered 200 or 410 lock lost; other
`$management` operations are answered 501. `$management` replies carry
`statusCode`/`statusDescription`/`errorCondition`, `$cbs` replies
`status-code`/`status-description`, as the SDK reads them.
"""

import logging
import time
from urllib.parse import urlparse

from proton import Condition, Data, Delivery, Endpoint, Handler, Message, symbol, timestamp, ulong

from .store import NotFound, Store

log = logging.getLogger(__name__)

CBS = "$cbs"
MANAGEMENT_SUFFIX = "/$management"
TOPIC_CREDIT = 100
TICK_SECONDS = 0.05
# A ServiceBusMessageBatch travels as one transfer whose body is a run of
# data sections, each an encoded message (message format 0x80013700).
DATA_SECTION = ulong(0x75)
HEADER_SECTION = ulong(0x70)
ENCODED_MESSAGE_PREFIX = b"\x00\x53"
UPDATE_DISPOSITION = "com.microsoft:update-disposition"
LOCK_LOST = "com.microsoft:message-lock-lost"
LOCK_LOST_DESCRIPTION = (
    "The lock supplied is invalid. Either the lock expired, or the message has "
    "already been removed from the queue."
)
# `disposition-status` of update-disposition → the store's outcome.
DISPOSITIONS = {"completed": "complete", "abandoned": "abandon", "suspended": "dead-letter"}


def entity_path(address: str | None) -> str:
    """`amqps://host:port/topic/Subscriptions/x` → `topic/Subscriptions/x`."""
    address = address or ""
    return urlparse(address).path.lstrip("/") if "://" in address else address


def split_batch(encoded: bytes) -> list[bytes]:
    """The encoded messages inside a batch transfer, or the transfer itself."""
    bodies, offset = [], 0
    while offset < len(encoded):
        data = Data()
        offset += data.decode(encoded[offset:])
        data.rewind()
        data.next()
        section = data.get_object()
        if getattr(section, "descriptor", None) == DATA_SECTION:
            bodies.append(bytes(section.value))
    if bodies and all(body.startswith(ENCODED_MESSAGE_PREFIX) for body in bodies):
        return bodies
    return [encoded]


def _with_header(message: Message, delivery_count: int) -> bytes:
    """Encode with an explicit delivery-count: proton drops a zero one, and the SDK
    then reports `delivery_count` None where Service Bus says 0."""
    header = Data()
    header.put_described()
    header.enter()
    header.put_ulong(HEADER_SECTION)
    header.put_list()
    header.enter()
    header.put_bool(message.durable)
    header.put_ubyte(message.priority)
    if message.ttl:
        header.put_uint(int(message.ttl * 1000))
    else:
        header.put_null()
    header.put_bool(delivery_count == 0)
    header.put_uint(delivery_count)
    header.exit()
    header.exit()
    encoded, offset = bytes(message.encode()), 0
    probe = Data()
    consumed = probe.decode(encoded)
    probe.rewind()
    probe.next()
    if getattr(probe.get_object(), "descriptor", None) == HEADER_SECTION:
        offset = consumed
    return bytes(header.encode()) + encoded[offset:]


class BrokerHandler(Handler):
    """Routes links to store entities and moves messages between them."""

    def __init__(self, store: Store, stopping, idle_timeout: float) -> None:
        super().__init__()
        self.store = store
        self.stopping = stopping
        self.idle_timeout = idle_timeout
        self.senders = set()  # our sending links: subscription, DLQ and reply links
        self.connections_opened = 0  # AMQP connections clients have opened, ever
        self.acceptor = None

    # --- lifecycle ------------------------------------------------------

    def on_reactor_init(self, event) -> None:
        event.container.schedule(TICK_SECONDS, self)

    def on_timer_task(self, event) -> None:
        if self.stopping.is_set():
            event.container.stop()
            return
        self.store.expire_locks()
        for link in list(self.senders):
            self._pump(link)
        event.container.schedule(TICK_SECONDS, self)

    def on_connection_bound(self, event) -> None:
        event.transport.sasl().allowed_mechs("ANONYMOUS")
        event.transport.idle_timeout = self.idle_timeout

    def on_connection_remote_open(self, event) -> None:
        self.connections_opened += 1
        if event.connection.state & Endpoint.LOCAL_UNINIT:
            event.connection.open()

    def on_session_remote_open(self, event) -> None:
        if event.session.state & Endpoint.LOCAL_UNINIT:
            event.session.open()

    def on_link_remote_open(self, event) -> None:
        link = event.link
        if not link.state & Endpoint.LOCAL_UNINIT:
            return
        link.source.copy(link.remote_source)
        link.target.copy(link.remote_target)
        link.snd_settle_mode = link.remote_snd_settle_mode
        link.rcv_settle_mode = link.remote_rcv_settle_mode
        address = link.remote_source.address if link.is_sender else link.remote_target.address
        link.broker_path = entity_path(address)
        link.broker_owner = object()
        link.broker_replies = []
        link.open()
        if not self._is_management(link.broker_path):
            try:
                self.store.check_address(link.broker_path)
            except NotFound:
                self._refuse(link, f"The messaging entity '{link.broker_path}' could not be found.")
                return
        if link.is_sender:
            self.senders.add(link)
        else:
            link.flow(TOPIC_CREDIT)

    def on_link_remote_close(self, event) -> None:
        self._forget(event.link)
        if not event.link.state & Endpoint.LOCAL_CLOSED:
            event.link.close()

    on_link_remote_detach = on_link_remote_close

    def on_session_remote_close(self, event) -> None:
        if not event.session.state & Endpoint.LOCAL_CLOSED:
            event.session.close()

    def on_connection_remote_close(self, event) -> None:
        self._forget_connection(event.connection)
        if not event.connection.state & Endpoint.LOCAL_CLOSED:
            event.connection.close()

    def on_transport_closed(self, event) -> None:
        if event.connection is not None:
            self._forget_connection(event.connection)

    # --- traffic --------------------------------------------------------

    def on_link_flow(self, event) -> None:
        if event.link.is_sender:
            self._pump(event.link)

    def on_delivery(self, event) -> None:
        delivery = event.delivery
        if delivery.link.is_sender:
            if delivery.updated:
                self._settle(delivery)
            return
        if not delivery.readable or delivery.partial:
            return
        link = delivery.link
        encoded = link.recv(delivery.pending)
        link.advance()
        if self._is_management(link.broker_path):
            self._answer(link, self._decode(encoded))
            delivery.update(Delivery.ACCEPTED)
        else:
            try:
                self.store.publish(link.broker_path, split_batch(encoded))
                delivery.update(Delivery.ACCEPTED)
                for receiver in list(self.senders):
                    self._pump(receiver)
            except NotFound:
                delivery.local.condition = Condition("amqp:not-found", link.broker_path)
                delivery.update(Delivery.REJECTED)
        delivery.settle()
        if link.credit < TOPIC_CREDIT // 2:
            link.flow(TOPIC_CREDIT - link.credit)

    def _pump(self, link) -> None:
        """Send what the link's receiver has credit for: replies, then locked messages."""
        if not link.state & Endpoint.LOCAL_ACTIVE:
            return
        while link.credit > 0 and link.broker_replies:
            delivery = link.delivery(str(time.monotonic_ns()))
            link.send(link.broker_replies.pop(0))
            link.advance()
            delivery.settle()
        if self._is_management(link.broker_path):
            return
        while link.credit > 0:
            try:
                locked = self.store.lock_next(link.broker_path, link.broker_owner)
            except NotFound:
                self._refuse(link, f"The messaging entity '{link.broker_path}' was deleted.")
                self._forget(link)
                return
            if locked is None:
                break
            token, lock = locked
            delivery = link.delivery(token)
            delivery.broker_token = token  # proton can only read tags back as UTF-8 text
            link.send(self._stamp(lock))
            link.advance()
        if link.drain_mode and link.credit > 0:
            link.drained()

    def _settle(self, delivery) -> None:
        """Apply the receiver's outcome and echo it, as Service Bus does."""
        outcome = {
            Delivery.ACCEPTED: "complete",
            Delivery.MODIFIED: "abandon",
            Delivery.RELEASED: "release",
            Delivery.REJECTED: "dead-letter",
        }.get(delivery.remote_state)
        if outcome is None:
            return
        properties = {}
        if outcome == "dead-letter" and delivery.remote.condition:
            info = delivery.remote.condition.info or {}
            properties = {str(k): v for k, v in info.items() if v is not None}
        path = delivery.link.broker_path
        try:
            applied = self.store.settle(path, delivery.broker_token, outcome, properties)
        except NotFound:
            applied = False
        if delivery.settled:  # the receiver pre-settled (released): nothing to confirm
            delivery.settle()
            return
        if applied:
            delivery.update(delivery.remote_state)
        else:
            delivery.local.condition = Condition(LOCK_LOST, LOCK_LOST_DESCRIPTION)
            delivery.update(Delivery.REJECTED)
        delivery.settle()

    def _answer(self, request_link, request: Message | None) -> None:
        """Queue the reply to a `$cbs` or `$management` request on its reply link."""
        if request is None or request.id is None:
            return
        operation = (request.properties or {}).get("operation")
        path = request_link.broker_path
        if path == CBS:
            if operation == "put-token":
                status, description = 202, "Accepted"
            else:
                status, description = 501, f"The test broker does not implement '{operation}'."
            properties = {"status-code": status, "status-description": description}
        else:
            status, description, condition = self._manage(path, operation, request.body)
            properties = {"statusCode": status, "statusDescription": description}
            if condition:
                properties["errorCondition"] = symbol(condition)
        reply = Message(correlation_id=request.id, properties=properties)
        for link in self.senders:
            same_node = link.broker_path == request_link.broker_path
            if same_node and link.connection == request_link.connection:
                link.broker_replies.append(reply.encode())
                self._pump(link)
                return

    def _manage(self, path: str, operation, body) -> tuple[int, str, str | None]:
        """Carry out a `$management` request: (status code, description, error condition)."""
        entity = path.removesuffix(MANAGEMENT_SUFFIX)
        if operation != UPDATE_DISPOSITION:
            log.warning("unimplemented management operation %r on %s", operation, path)
            return 501, f"The test broker does not implement '{operation}'.", None
        body = {str(key): value for key, value in (body or {}).items()}
        outcome = DISPOSITIONS.get(body.get("disposition-status"))
        if outcome is None:
            return 400, f"Unsupported disposition-status {body.get('disposition-status')!r}.", None
        properties = {}
        if outcome == "dead-letter":
            details = {
                "DeadLetterReason": body.get("deadletter-reason"),
                "DeadLetterErrorDescription": body.get("deadletter-description"),
            }
            properties = {key: value for key, value in details.items() if value}
        lost = 0
        for token in body.get("lock-tokens") or []:
            # The SDK's lock token is the delivery tag read as a little-endian UUID.
            try:
                applied = self.store.settle(entity, token.bytes_le, outcome, properties)
            except NotFound:
                applied = False
            lost += not applied
        if lost:
            return 410, LOCK_LOST_DESCRIPTION, LOCK_LOST
        return 200, "OK", None

    # --- helpers --------------------------------------------------------

    def _stamp(self, lock) -> bytes:
        """The stored message as this delivery presents it: broker annotations and count."""
        stored = lock.message
        message = Message()
        message.decode(stored.encoded)
        annotations = dict(message.annotations or {})
        annotations[symbol("x-opt-sequence-number")] = stored.sequence_number
        annotations[symbol("x-opt-enqueued-time")] = timestamp(int(stored.enqueued_at * 1000))
        annotations[symbol("x-opt-locked-until")] = timestamp(int(lock.locked_until * 1000))
        message.annotations = annotations
        if stored.extra_properties:
            message.properties = {**(message.properties or {}), **stored.extra_properties}
        return _with_header(message, stored.delivery_count)

    @staticmethod
    def _refuse(link, description: str) -> None:
        link.condition = Condition("amqp:not-found", description)
        link.close()

    @staticmethod
    def _decode(encoded: bytes) -> Message | None:
        message = Message()
        try:
            message.decode(encoded)
        except Exception:  # a malformed request gets no answer, as on a real namespace
            log.warning("undecodable management request")
            return None
        return message

    @staticmethod
    def _is_management(path: str) -> bool:
        return path == CBS or path.endswith(MANAGEMENT_SUFFIX)

    def _forget(self, link) -> None:
        """A receiver went away: what it held locked is abandoned for redelivery."""
        if link in self.senders:
            self.senders.discard(link)
            if not self._is_management(link.broker_path):
                self.store.abandon_owned_by(link.broker_owner)

    def _forget_connection(self, connection) -> None:
        link = connection.link_head(0)
        while link:
            if getattr(link, "broker_path", None) is not None:
                self._forget(link)
            link = link.next(0)
