"""The Instagram API client (legacy v1): recent geography media and geography subscriptions.

Every call has a timeout. Failures become one of three errors so callers can
decide: `ApiUnavailable` (try again later), `RateLimited` (try again after
`retry_after`), `ApiError` (the API refused the request; retrying won't help).
Error messages name the method and path only: the query string carries the
client secret.
"""

import threading
from functools import cache

import requests
from django.conf import settings
from django.core.signals import setting_changed


class InstagramError(Exception):
    """Any failed Instagram API call."""


class ApiUnavailable(InstagramError):
    """5xx, timeout, connection failure or a body that is not the API's JSON."""


class RateLimited(ApiUnavailable):
    """429: over the hourly call limit; `retry_after` seconds when the API said so."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ApiError(InstagramError):
    """The API answered with a 4xx `meta` error (bad client id, unknown geography, …)."""

    def __init__(self, code: int, error_type: str, error_message: str, where: str):
        super().__init__(f"{where}: {code} {error_type}: {error_message}")
        self.code = code
        self.error_type = error_type
        self.error_message = error_message


class Client:
    """`requests` sessions against `base_url` with the app's credentials, one per thread.

    A session keeps its connection to the API alive between calls; sessions are
    not meant to be shared across threads, and each city's fetches run in a
    thread of their own (fetcher.py).
    """

    def __init__(self, base_url: str, client_id: str, client_secret: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self._local = threading.local()

    def __repr__(self):
        return f"<Instagram client {self.base_url} as {self.client_id}>"

    def recent_media(self, object_id: str, min_id: str = "", count: int | None = None) -> dict:
        """A geography's media newer than `min_id`: `{"data": [...], "pagination": {...}}`.

        Media come newest first.
        """
        params = {"client_id": self.client_id}
        if min_id:
            params["min_id"] = min_id
        if count:
            params["count"] = count
        body = self._call("GET", f"/geographies/{object_id}/media/recent", params=params)
        if not isinstance(body.get("data"), list):
            raise ApiUnavailable(f"GET /geographies/{object_id}/media/recent: no media list")
        if not isinstance(body.get("pagination"), dict):
            body["pagination"] = {}
        return body

    def create_subscription(
        self, lat: float, lng: float, radius: int, callback_url: str, verify_token: str
    ) -> dict:
        """Subscribe to new media around a point; the API first challenges `callback_url`."""
        form = {
            **self._credentials(),
            "object": "geography",
            "aspect": "media",
            "lat": lat,
            "lng": lng,
            "radius": radius,
            "callback_url": callback_url,
            "verify_token": verify_token,
        }
        return self._data("POST", "/subscriptions/", data=form, kind=dict)

    def subscriptions(self) -> list[dict]:
        """Every subscription of this client, as the API has them."""
        return self._data("GET", "/subscriptions", params=self._credentials(), kind=list)

    def delete_subscription(self, subscription_id: str) -> None:
        self._call(
            "DELETE", "/subscriptions", params={**self._credentials(), "id": subscription_id}
        )

    def delete_all_subscriptions(self) -> None:
        self._call("DELETE", "/subscriptions", params={**self._credentials(), "object": "all"})

    @property
    def session(self) -> requests.Session:
        """This thread's session."""
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def _credentials(self) -> dict:
        return {"client_id": self.client_id, "client_secret": self._client_secret}

    def _data(self, method, path, kind, **kwargs):
        data = self._call(method, path, **kwargs).get("data")
        if not isinstance(data, kind):
            raise ApiUnavailable(f"{method} {path}: answer without {kind.__name__} data")
        return data

    def _call(self, method: str, path: str, **kwargs) -> dict:
        where = f"{method} {path}"
        try:
            response = self.session.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except requests.Timeout:
            raise ApiUnavailable(f"{where}: no answer within {self.timeout:g} s") from None
        except requests.RequestException as error:
            # The exception text holds the URL, and with it the client secret.
            raise ApiUnavailable(f"{where}: {type(error).__name__}") from None
        if response.status_code == 429:
            raise RateLimited(f"{where}: 429 rate limited", _retry_after(response))
        if response.status_code >= 500:
            raise ApiUnavailable(f"{where}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise ApiUnavailable(f"{where}: HTTP {response.status_code}, not JSON") from None
        meta = body.get("meta") if isinstance(body, dict) else None
        if not isinstance(meta, dict):
            raise ApiUnavailable(f"{where}: HTTP {response.status_code}, no meta")
        code = _int(meta.get("code"), response.status_code)
        if code == 429:
            raise RateLimited(f"{where}: 429 rate limited", _retry_after(response))
        if code >= 500:
            raise ApiUnavailable(f"{where}: meta code {code}")
        if code >= 400 or response.status_code >= 400:
            raise ApiError(
                code if code >= 400 else response.status_code,
                str(meta.get("error_type") or "APIError"),
                str(meta.get("error_message") or "no message"),
                where,
            )
        return body


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _retry_after(response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


@cache
def get_client() -> Client:
    """The client this process uses, built from settings."""
    return Client(
        settings.INSTAGRAM_API_URL,
        settings.INSTAGRAM_CLIENT_ID,
        settings.INSTAGRAM_CLIENT_SECRET,
        settings.INSTAGRAM_TIMEOUT,
    )


def _forget_client(setting, **kwargs):
    if setting.startswith("INSTAGRAM_"):
        get_client.cache_clear()


setting_changed.connect(_forget_client)
