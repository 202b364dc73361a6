from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Ingest"

    def ready(self):
        from feed.signals import photos_hidden

        from .retractions import publish_retractions

        photos_hidden.connect(publish_retractions, dispatch_uid="ingest.publish_retractions")
