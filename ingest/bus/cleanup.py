"""Find and delete the topic's stale subscriptions: nobody reads them any more.

A subscription is stale when it holds more than `max_pending` active messages
(its relay is gone or cannot keep up) or nobody touched it for longer than
`max_idle`. The subscription of the node running the cleanup is never stale.
"""

import datetime
import re
from dataclasses import dataclass

from azure.servicebus.management import ServiceBusAdministrationClient

KEEP, OWN = "keep", "keep (this node)"
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass
class SubscriptionStatus:
    name: str
    active: int
    dead_letter: int
    idle: datetime.timedelta
    verdict: str

    @property
    def stale(self) -> bool:
        return self.verdict not in (KEEP, OWN)


def survey(
    admin: ServiceBusAdministrationClient,
    topic: str,
    own: str,
    max_pending: int,
    max_idle: datetime.timedelta,
) -> list[SubscriptionStatus]:
    now = datetime.datetime.now(datetime.UTC)
    statuses = []
    for runtime in admin.list_subscriptions_runtime_properties(topic):
        idle = now - runtime.accessed_at_utc
        if runtime.name.lower() == own.lower():
            verdict = OWN
        elif runtime.active_message_count > max_pending:
            verdict = f"stale: {runtime.active_message_count} pending > {max_pending}"
        elif idle > max_idle:
            verdict = f"stale: idle > {max_idle}"
        else:
            verdict = KEEP
        statuses.append(
            SubscriptionStatus(
                runtime.name,
                runtime.active_message_count,
                runtime.dead_letter_message_count,
                idle,
                verdict,
            )
        )
    return statuses


def cleanup(
    admin: ServiceBusAdministrationClient,
    topic: str,
    own: str,
    max_pending: int,
    max_idle: datetime.timedelta,
    dry_run: bool,
) -> list[SubscriptionStatus]:
    """Survey the topic and, unless `dry_run`, delete what is stale."""
    statuses = survey(admin, topic, own, max_pending, max_idle)
    if not dry_run:
        for status in statuses:
            if status.stale:
                admin.delete_subscription(topic, status.name)
    return statuses


def parse_duration(text: str) -> datetime.timedelta:
    """`90s`, `15m`, `1h`, `2d` → timedelta."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if not match:
        raise ValueError(f"not a duration like 90s, 15m, 1h or 2d: {text!r}")
    return datetime.timedelta(**{UNITS[match[2]]: float(match[1])})


def table(statuses: list[SubscriptionStatus]) -> str:
    rows = [("SUBSCRIPTION", "ACTIVE", "DEAD-LETTER", "IDLE", "VERDICT")]
    for s in statuses:
        idle = str(datetime.timedelta(seconds=round(s.idle.total_seconds())))
        rows.append((s.name, str(s.active), str(s.dead_letter), idle, s.verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(width) if i in (1, 2, 3) else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )
