"""Instagram Realtime signatures: HMAC of the raw notification body with the client secret."""

import hashlib
import hmac


def sign_sha1(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def sign_sha256(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_signed(body: bytes, secret: str, sha1_header: str | None, sha256_header: str | None) -> bool:
    """True when either header carries the right HMAC of exactly these bytes."""
    if sha256_header and hmac.compare_digest(
        sha256_header.strip().lower().encode(), sign_sha256(body, secret).encode()
    ):
        return True
    return bool(sha1_header) and hmac.compare_digest(
        sha1_header.strip().lower().encode(), sign_sha1(body, secret).encode()
    )
