"""System checks: settings combinations that cannot work, caught before the first request."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from feed.photo import SOURCE_NAMES
from ingest import sources

REDIS_CHANNEL_LAYERS = ("core", "pubsub")


@register()
def check_channel_layer(app_configs=None, **kwargs):
    if settings.REDIS_URL and settings.REDIS_CHANNEL_LAYER not in REDIS_CHANNEL_LAYERS:
        return [
            Error(
                f"REDIS_CHANNEL_LAYER is {settings.REDIS_CHANNEL_LAYER!r}",
                hint="Use 'core' or 'pubsub'.",
                id="wazstagram.E001",
            )
        ]
    return []


@register()
def check_relay(app_configs=None, **kwargs):
    """Service Bus with the in-memory layer reaches pages only through the web process's relay."""
    if (
        settings.SERVICEBUS_CONNECTION_STRING
        and not settings.REDIS_URL
        and not settings.RELAY_IN_PROCESS
    ):
        return [
            Error(
                "Service Bus is the bus but no relay can reach the pages: RELAY_IN_PROCESS is off "
                "and the channel layer is in-memory",
                hint="Set RELAY_IN_PROCESS=true, or REDIS_URL and run `manage.py relay`.",
                id="wazstagram.E002",
            )
        ]
    return []


@register()
def check_outbox(app_configs=None, **kwargs):
    if settings.OUTBOX_INTERVAL <= 0:
        return [
            Warning(
                "OUTBOX_INTERVAL is 0: photos the bus refused stay unpublished in this process",
                hint="Run `manage.py publish_pending --loop` beside it, or set OUTBOX_INTERVAL.",
                id="wazstagram.W001",
            )
        ]
    return []


@register()
def check_demo_source(app_configs=None, **kwargs):
    if settings.INSTAGRAM_SOURCE_ENABLED and not settings.DEBUG_AT_START:
        return [
            Error(
                "The built-in demo source is enabled with DEBUG off: anyone can post made-up "
                "photos through its API",
                hint="Unset INSTAGRAM_SOURCE_ENABLED in production.",
                id="wazstagram.E003",
            )
        ]
    return []


@register()
def check_sources(app_configs=None, **kwargs):
    errors = []
    for name in settings.SOURCES:
        if name not in SOURCE_NAMES:
            errors.append(
                Error(
                    f"SOURCES names {name!r}, which is no source",
                    hint=f"Known sources: {', '.join(SOURCE_NAMES)}.",
                    id="wazstagram.E005",
                )
            )
            continue
        for setting in sources.get(name).credentials:
            if not getattr(settings, setting, ""):
                errors.append(
                    Error(
                        f"SOURCES has {name} but {setting} is not set",
                        hint=f"Set {setting}, or take {name} out of SOURCES.",
                        id="wazstagram.E004",
                    )
                )
    return errors
