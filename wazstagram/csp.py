"""Content-Security-Policy: pages load only this site's scripts and styles.

Scripts and styles come from this site only (no inline script: pages pass data
in `data-` attributes and `json_script`); the websocket goes to this host;
photos come from anywhere over http(s), as the photo source decides. No page may be
framed, except a view that names its framing origins in `response.frame_ancestors` (the
embed: EMBED_ALLOWED_ORIGINS).
"""

from django.core.exceptions import DisallowedHost
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin

HEADER = "Content-Security-Policy"


def policy(host: str | None, frame_ancestors: list[str] | None = None) -> str:
    """The policy; `frame_ancestors` are the origins that may frame the page (none: none)."""
    websocket = f" ws://{host} wss://{host}" if host else ""
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' https: http:",
            f"connect-src 'self'{websocket}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Adds the policy to every response except the admin's (Django's own pages)."""

    def process_response(self, request, response):
        if HEADER in response or request.path.startswith(reverse("admin:index")):
            return response
        try:
            host = request.get_host()
        except DisallowedHost:
            host = None
        response[HEADER] = policy(host, getattr(response, "frame_ancestors", None))
        return response
