"""Log formatting: readable lines in development, one JSON object per line in production.

Secrets never reach a log line: `RedactSecrets` masks the configured secrets
and anything that looks like a credential in a URL or connection string.
"""

import logging
import re
from datetime import UTC, datetime

import pythonjsonlogger.json

_CREDENTIAL_PATTERNS = [
    re.compile(r"(client_secret=)[^&\s'\"]+", re.IGNORECASE),
    re.compile(r"(SharedAccessKey=)[^;\s'\"]+", re.IGNORECASE),
    re.compile(r"(sig=)[^&\s'\"]+", re.IGNORECASE),
    re.compile(r"(api_key=)[^&\s'\"]+", re.IGNORECASE),
    re.compile(r"(access_token=)[^&\s'\"]+", re.IGNORECASE),
    re.compile(r"(Bearer )[^\s'\"]+", re.IGNORECASE),
]
REDACTED = "***"


def _configured_secrets():
    from django.conf import settings

    if not settings.configured:
        return []
    names = (
        "INSTAGRAM_CLIENT_SECRET",
        "SERVICEBUS_CONNECTION_STRING",
        "SECRET_KEY",
        "FLICKR_API_KEY",
        "METRICS_TOKEN",
    )
    values = [getattr(settings, name, "") or "" for name in names]
    values.extend(getattr(settings, "MASTODON_ACCESS_TOKENS", {}).values())
    return [value for value in values if len(value) >= 6]


def redact(text: str) -> str:
    """Mask configured secrets and credential-looking fragments in `text`."""
    for secret in _configured_secrets():
        text = text.replace(secret, REDACTED)
    for pattern in _CREDENTIAL_PATTERNS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record's final message so no secret is ever emitted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per line for log collectors: UTC time with milliseconds, level,
    logger, message, every `extra` field (city, source, address, photo id…), redacted."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            json_ensure_ascii=False,
        )

    def add_fields(self, log_record, record, message_dict):
        log_record["time"] = (
            datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        super().add_fields(log_record, record, message_dict)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
