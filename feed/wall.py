"""The big-screen wall: `/cities/<slug>/wall/` and `/wall/`, configured by its address.

Options (query string): `interval` seconds per featured photo (3–120, default 8),
`layout` `mosaic` (a grid of the latest with one featured large) or `slideshow` (the
featured one alone), `qr` (1: a QR code to the city page in a corner; 0: none) and
`captions` (1 or 0). The QR code is drawn on the server as SVG (segno).
"""

import segno
from django import forms
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from .groups import ALL_CITIES
from .history import latest_messages
from .models import City


class WallOptions(forms.Form):
    interval = forms.IntegerField(required=False, min_value=3, max_value=120)
    layout = forms.ChoiceField(required=False, choices=[("mosaic", "mosaic"), ("slideshow", "")])
    qr = forms.TypedChoiceField(required=False, choices=[("0", "0"), ("1", "1")], coerce=int)
    captions = forms.TypedChoiceField(required=False, choices=[("0", "0"), ("1", "1")], coerce=int)


def wall(request, slug=ALL_CITIES):
    city = None if slug == ALL_CITIES else get_object_or_404(City, slug=slug, active=True)
    options = WallOptions(request.GET)
    if not options.is_valid():
        return HttpResponseBadRequest(f"wall options: {options.errors.as_text()}")
    chosen = options.cleaned_data
    page = reverse("feed:city", args=[slug]) if city else reverse("feed:index")
    page_url = request.build_absolute_uri(page)
    show_qr = chosen["qr"] in (None, "", 1)
    return render(
        request,
        "feed/wall.html",
        {
            "city": city,
            "stream": slug,
            "photos": latest_messages(slug),
            "city_names": {c.slug: c.name for c in City.objects.filter(active=True)},
            "interval": chosen["interval"] or 8,
            "layout": chosen["layout"] or "mosaic",
            "captions": chosen["captions"] in (None, "", 1),
            "page_url": page_url,
            "qr": qr_svg(page_url) if show_qr else "",
        },
    )


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (segno writes only its own markup)."""
    code = segno.make(url, error="m")
    return mark_safe(code.svg_inline(scale=5, dark="#000", light="#fff", title=url))
