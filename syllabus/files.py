"""Uploaded files shared by the apps' models."""

from collections.abc import Iterable

from django.db import transaction


def delete_files_on_commit(storage, names: Iterable[str]) -> None:
    """Remove files once the transaction that stopped using them has committed (a rollback keeps them).

    `robust`: a storage error is logged, not raised after the data was already saved.
    """
    names = sorted(name for name in names if name)

    def delete() -> None:
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete, robust=True)
