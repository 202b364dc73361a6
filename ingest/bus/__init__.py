"""The bus of this process: Azure Service Bus when configured, otherwise in-process."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed

from .base import Bus, BusError

__all__ = ["Bus", "BusError", "get_bus"]


@cache
def get_bus() -> Bus:
    if settings.SERVICEBUS_CONNECTION_STRING:
        from .servicebus import ServiceBusBus

        return ServiceBusBus(
            settings.SERVICEBUS_CONNECTION_STRING,
            topic=settings.SERVICEBUS_TOPIC,
            subscription=settings.SERVICEBUS_SUBSCRIPTION,
        )
    from .local import LocalBus

    return LocalBus()


def _forget_bus(setting, **kwargs):
    if setting.startswith("SERVICEBUS_"):
        get_bus.cache_clear()


setting_changed.connect(_forget_bus)
