"""The shared cache (settings.CACHES): its database table exists wherever `migrate` has run."""

from django.core.management import call_command


def cache_table_create(*, using: str, **kwargs) -> None:
    """post_migrate receiver: make the database cache's table (a no-op with Redis, or when it exists).

    So that `migrate` alone (make run, make serve, the tests' databases) prepares everything, with no
    separate `createcachetable` step to forget.
    """
    call_command("createcachetable", database=using, verbosity=0)
