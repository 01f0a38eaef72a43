from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SyllabusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "syllabus"
    verbose_name = "Syllabus"

    def ready(self) -> None:
        from syllabus import caching, freshness, media
        from syllabus.caches import cache_table_create

        post_migrate.connect(cache_table_create, sender=self, dispatch_uid="syllabus_cache_table")
        media.connect_signals(migrated_sender=self)
        caching.connect_signals()
        freshness.connect_signals()
        post_migrate.connect(caching.release_changed, sender=self, dispatch_uid="syllabus_release_changed")
