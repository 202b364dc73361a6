"""A local, Service Bus-compatible broker that the real azure-servicebus SDK talks to.

Test support only. Neither Azure nor Microsoft's emulator can run here, so
this speaks what azure-servicebus 7.15 sends for an emulator connection string
(`...;UseDevelopmentEmulator=true`), as read from the SDK's source:

- `amqp.py`   AMQP 1.0 (python-qpid-proton): `$cbs` put-token, topic senders,
              subscription and dead-letter receivers, peek-lock settlement.
- `admin.py`  the ATOM/XML administration API for topics and subscriptions.
- `store.py`  topics, subscriptions, messages, locks, delivery counts.
- `mux.py`    both on one port, because the SDK's administration client uses
              `https://<endpoint host:port>` regardless of the emulator flag.
- `tls.py`    the self-signed certificate that HTTPS needs.

Not implemented: sessions, scheduled messages, rules/filters, TTL expiry,
auto-delete on idle, `$management` operations other than settling by lock
token (answered 501 and logged).
"""

from .broker import LocalServiceBusBroker

__all__ = ["LocalServiceBusBroker"]
