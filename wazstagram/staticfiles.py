"""Static files served by the ASGI app itself, in development and in production.

WhiteNoise serves the collected, hashed and compressed files with far-future
cache headers (and the app directories directly when DEBUG). It is WSGI-era
middleware: its file bodies are sync iterators, which Django's ASGI handler
would consume with a warning per response; they are handed over as an async
iterator instead, as Django's own ASGIStaticFilesHandler does.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from whitenoise.middleware import WhiteNoiseFileResponse, WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed files; the pages' ES module imports name the hashed files too."""

    support_js_module_import_aggregation = True


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def __call__(self, request):
        response = super().__call__(request)
        if isinstance(request, ASGIRequest) and isinstance(response, WhiteNoiseFileResponse):
            response.streaming_content = _read_async(response.streaming_content)
        return response


async def _read_async(chunks):
    for chunk in await sync_to_async(list, thread_sensitive=False)(chunks):
        yield chunk
