"""The project's URLs plus the ingest benchmark's baseline: a plain Django view answering 200."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from wazstagram.urls import urlpatterns as project_urlpatterns

from .photos import PLAIN_PATH


@csrf_exempt
def plain(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path(PLAIN_PATH.lstrip("/"), plain), *project_urlpatterns]
