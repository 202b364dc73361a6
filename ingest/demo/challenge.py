"""The hub challenge: before subscribing, the callback must echo a random challenge."""

import secrets

import requests

TIMEOUT = 10  # seconds


class ChallengeFailed(Exception):
    """The callback could not be reached or did not echo the challenge."""


def verify_callback(callback_url: str, verify_token: str) -> None:
    """GET the callback with a fresh challenge; raise ChallengeFailed unless it comes back as is."""
    challenge = secrets.token_urlsafe(18)
    params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
    try:
        response = requests.get(callback_url, params=params, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise ChallengeFailed(f"Unable to reach callback URL ({type(error).__name__})") from None
    if response.status_code != 200:
        raise ChallengeFailed(
            f"Challenge verification failed: callback answered {response.status_code}"
        )
    if response.text != challenge:
        raise ChallengeFailed("Challenge verification failed: the callback did not echo it")
