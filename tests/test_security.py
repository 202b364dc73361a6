"""Production settings, admin access, secrets kept out of pages and logs, callback rate limit."""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings

from ingest.sources.instagram.signatures import sign_sha1
from wazstagram.logformat import JsonFormatter, RedactSecrets

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "wazstagram.example",
    "INSTAGRAM_CLIENT_ID": "prod-client-id",
    "INSTAGRAM_CLIENT_SECRET": "prod-client-secret-value",
    "INSTAGRAM_VERIFY_TOKEN": "prod-verify-token-value",
}


def run_production(*args):
    """Run manage.py with the documented production settings, in a fresh process."""
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_check_deploy_passes_with_production_settings():
    result = run_production("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _manage_with(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "INSTAGRAM_CLIENT_SECRET", "INSTAGRAM_VERIFY_TOKEN"]
)
def test_production_refuses_to_start_without_a_secret_naming_it(missing):
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop(missing)
    env.pop("DATABASE_URL", None)
    result = _manage_with(env, "check")
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_debug_is_off_when_unset_and_start_up_then_needs_the_secrets():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    for name in ("SECRET_KEY", "INSTAGRAM_CLIENT_SECRET", "INSTAGRAM_VERIFY_TOKEN", "SOURCES"):
        env.pop(name, None)
    result = _manage_with(env, "check")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_without_the_instagram_source_its_secrets_are_not_needed_and_its_callback_is_gone():
    env = {**os.environ, **PRODUCTION_ENV, "SOURCES": "bluesky"}
    for name in ("INSTAGRAM_CLIENT_ID", "INSTAGRAM_CLIENT_SECRET", "INSTAGRAM_VERIFY_TOKEN"):
        env.pop(name)
    env.pop("DATABASE_URL", None)
    probe = (
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/ingest/instagram/seattle/')\n    print('served')\n"
        "except Resolver404:\n    print('not served')\n"
    )
    result = _manage_with(env, "shell", "-c", probe)
    assert result.stdout.splitlines()[-1] == "not served", result.stderr


def test_the_built_in_source_is_off_in_production():
    probe = (
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/_instagram/v1/subscriptions')\n    print('served')\n"
        "except Resolver404:\n    print('not served')\n"
    )
    result = run_production("shell", "-c", probe)
    assert result.stdout.splitlines()[-1] == "not served", result.stderr
    apps = run_production(
        "shell", "-c", "from django.apps import apps; print(apps.is_installed('ingest.demo'))"
    )
    assert apps.stdout.splitlines()[-1] == "False", apps.stderr


@pytest.mark.django_db
def test_admin_is_for_staff_only(client):
    assert client.get("/admin/feed/photo/").status_code == 302
    client.force_login(User.objects.create_user("visitor", password="pw-visitor-1"))
    response = client.get("/admin/feed/photo/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(User.objects.create_superuser("boss", password="pw-boss-1"))
    assert client.get("/admin/feed/photo/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/cities/seattle/",
        "/admin/",
        "/admin/feed/city/",
        "/admin/feed/photo/",
        "/admin/ingest/subscription/",
        "/readyz",
    ],
)
def test_no_secret_in_pages(client, url, make_photo):
    make_photo("seattle")
    client.force_login(User.objects.create_superuser("boss", password="pw-boss-1"))
    body = client.get(url).content.decode()
    for secret in (settings.INSTAGRAM_CLIENT_SECRET, settings.SECRET_KEY):
        assert secret not in body


def _formatted(formatter, message, *args):
    record = logging.LogRecord("ingest", logging.WARNING, __file__, 1, message, args, None)
    RedactSecrets().filter(record)
    return formatter.format(record)


@override_settings(
    INSTAGRAM_CLIENT_SECRET="very-secret-client",
    SERVICEBUS_CONNECTION_STRING="Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=abcdef123",
)
@pytest.mark.parametrize("formatter", [logging.Formatter("%(message)s"), JsonFormatter()])
def test_log_lines_never_carry_a_secret(formatter):
    line = _formatted(
        formatter,
        "calling %s with %s and %s",
        "https://api.test/v1/subscriptions?client_id=a&client_secret=other-secret",
        "very-secret-client",
        "Endpoint=sb://y/;SharedAccessKeyName=k;SharedAccessKey=zzz999",
    )
    for secret in ("very-secret-client", "other-secret", "zzz999", "abcdef123"):
        assert secret not in line
    assert "client_id=a" in line


def test_json_log_format_is_one_object_per_line():
    line = _formatted(JsonFormatter(), "stored %d photos for %s", 3, "seattle")
    entry = json.loads(line)
    assert entry["message"] == "stored 3 photos for seattle"
    assert entry["level"] == "WARNING" and entry["logger"] == "ingest"
    assert "\n" not in line
    # UTC, ISO 8601, milliseconds.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_json_log_lines_carry_every_extra_field_and_stay_redacted(settings):
    settings.INSTAGRAM_CLIENT_SECRET = "very-secret-client"
    record = logging.LogRecord(
        "ingest", logging.WARNING, __file__, 1, "photo %s refused", ("abc",), None
    )
    record.city, record.source, record.address = "seattle", "bluesky", "203.0.113.9"
    record.photo_id, record.note = "bsky:1", "said very-secret-client"
    RedactSecrets().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["city"] == "seattle" and entry["source"] == "bluesky"
    assert entry["address"] == "203.0.113.9" and entry["photo_id"] == "bsky:1"
    assert "very-secret-client" not in json.dumps(entry)


@pytest.mark.django_db(transaction=True)
@override_settings(INGEST_RATE_PER_SECOND=0.001, INGEST_RATE_BURST=3)
def test_callback_is_rate_limited_per_address(client, caplog):
    body = b"[]"
    headers = {"HTTP_X_HUB_SIGNATURE": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)}

    def post(address):
        return client.post(
            "/ingest/instagram/seattle/",
            body,
            content_type="application/json",
            REMOTE_ADDR=address,
            **headers,
        )

    assert [post("10.9.9.1").status_code for _ in range(3)] == [200, 200, 200]
    refused = post("10.9.9.1")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "rate limit" in caplog.text
    assert post("10.9.9.2").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_refused_notification_is_logged_with_its_city_and_source(client, caplog):
    caplog.set_level(logging.WARNING, logger="ingest")
    response = client.post(
        "/ingest/instagram/seattle/",
        b"[]",
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE="0" * 40,
    )
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if "refused" in r.getMessage()]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["city"] == "seattle" and entry["source"] == "instagram"
    assert entry["message"] == "notification for seattle refused (403): bad or missing signature"


def _log_in(client, username, password, address="127.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_admin_logins_are_locked_out_per_address_after_repeated_failures(client, caplog):
    User.objects.create_superuser("boss", password="pw-boss-1")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, f"guess-{attempt}", "wrong", "203.0.113.7").status_code == 200
    assert _log_in(client, "guess", "wrong", "203.0.113.7").status_code == 429  # the last one

    locked = _log_in(client, "boss", "pw-boss-1", "203.0.113.7")  # right, but too late

    assert locked.status_code == 429
    assert "Locking out" in caplog.text and "203.0.113.7" in caplog.text
    assert _log_in(client, "boss", "pw-boss-1", "198.51.100.2").status_code == 302


@pytest.mark.django_db
def test_admin_logins_are_locked_out_per_username_from_any_address(client):
    User.objects.create_superuser("boss", password="pw-boss-1")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "boss", "wrong", f"198.51.100.{attempt + 10}")

    assert _log_in(client, "boss", "pw-boss-1", "192.0.2.99").status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_lockout_counts_the_clients_address(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    User.objects.create_superuser("boss", password="pw-boss-1")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": f"guess-{attempt}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="203.0.113.9:51234",
        )
    other_client = client.post(
        "/admin/login/?next=/admin/",
        {"username": "boss", "password": "pw-boss-1"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.3",
    )
    assert other_client.status_code == 302  # the balancer's address is not the one locked
