from django.apps import AppConfig


class SourceConfig(AppConfig):
    name = "ingest.demo"
    label = "instagram_source"
    verbose_name = "Instagram-compatible source"
