"""Uploaded files owned by rows: removed once no committed row points at them any more."""

import logging
from collections.abc import Iterable
from pathlib import PurePosixPath

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, pre_delete

from syllabus.storage import is_keyed, is_private_name, new_key, stored_name

logger = logging.getLogger(__name__)

# The models whose rows own files (registered by `delete_files_with_rows`).
FILE_OWNERS: list[type] = []


def names_still_referenced(names: Iterable[str]) -> set[str]:
    """Those of `names` that some row still holds (two rows' saves may cross: the later one wins)."""
    names, found = set(names), set()
    for model in FILE_OWNERS:
        holds = Q()
        for field in model.owned_file_fields:
            holds |= Q(**{f"{field}__in": names})
        for row in model._base_manager.filter(holds).values_list(*model.owned_file_fields):
            found.update(names.intersection(row))
    return found


def delete_files_on_commit(storage, names: Iterable[str]) -> None:
    """Remove files once the transaction that stopped using them has committed (a rollback keeps them).

    A file that a row holds again by then (a stale copy of the row saved its old names back) stays.
    `robust`: a storage error is logged, not raised after the data was already saved.
    """
    names = sorted(name for name in names if name)

    def delete() -> None:
        for name in sorted(set(names) - names_still_referenced(names)):
            storage.delete(name)

    if names:
        transaction.on_commit(delete, robust=True)


class OwnsFiles:
    """A model mixin for rows that own the files in `owned_file_fields` (the first one is the main file).

    It remembers the names a row was loaded with, so that a save which replaces or clears them can
    remove the old files (`delete_replaced_files`), and `delete_files_with_rows` removes them with the row.
    """

    owned_file_fields: tuple[str, ...] = ()
    files_depth = 1  # how deep the random-key folder of `files_folder` sits

    def files_folder(self, key: str) -> str:
        """The folder (without the private prefix) the row's files go to, ending in the random `key`."""
        raise NotImplementedError

    def files_in_place(self, *, private: bool) -> bool:
        """Whether every stored file is in the store `private` asks for, in a random-key folder."""
        return all(
            is_private_name(name) == private and is_keyed(name, depth=self.files_depth)
            for name in self._current_file_names()
        )

    def files_moved(self, *, private: bool) -> dict[str, str]:
        """Copy the stored files into a new random folder of the public or private store: {field: new name}.

        The old files stay until the caller deletes them (after commit); a file missing from storage
        is left as it is.
        """
        key, storage, moved = new_key(), self._owned_storage(), {}
        folder = self.files_folder(key)
        for field in self.owned_file_fields:
            name = str(self.__dict__.get(field) or "")
            if not name:
                continue
            try:
                with storage.open(name, "rb") as source:
                    moved[field] = storage.save(
                        stored_name(folder, PurePosixPath(name).name, private=private), source
                    )
            except FileNotFoundError:
                logger.warning("%s is missing from storage; left where it was", name)
        return moved

    def place_files(self, *, private: bool) -> None:
        """Before a save: move the row's files to the store `private` asks for (the old ones are then replaced)."""
        if not self.files_in_place(private=private):
            for field, name in self.files_moved(private=private).items():
                setattr(self, field, name)

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        row._remember_stored_files()
        return row

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._remember_stored_files()

    def adopt_moved_files(self) -> None:
        """Before a save: take the names the database holds now where another save moved files meanwhile.

        E.g. the admin loads a week's decks, then publishing the week moves their files; saving a deck
        loaded before that must neither write the old names back nor leave the moved copies unowned.
        """
        loaded = getattr(self, "_stored_files_by_field", None)
        if self.pk is None or not loaded:
            return
        found = type(self)._base_manager.filter(pk=self.pk).values_list(*self.owned_file_fields).first()
        if found is None:
            return
        now = dict(zip(self.owned_file_fields, found, strict=True))
        for field, name in now.items():
            unchanged_here = str(self.__dict__.get(field) or "") == loaded[field]
            if unchanged_here and name != loaded[field]:
                setattr(self, field, name)
        self._stored_files = set(now.values()) - {""}
        self._stored_files_by_field = now

    def saves_files(self, update_fields) -> bool:
        """Whether a save writes the file columns: a deferred column, or one left out of update_fields, is kept."""
        main = self.owned_file_fields[0]
        return (update_fields is None or main in update_fields) and main not in self.get_deferred_fields()

    def stored_file_names(self) -> set[str]:
        """The names the database holds for this row: as loaded, or asked for now if they were deferred."""
        if getattr(self, "_stored_files", None) is not None:
            return self._stored_files
        if self.pk is None:
            return set()
        found = type(self)._base_manager.filter(pk=self.pk).values_list(*self.owned_file_fields).first()
        return set(found or ()) - {""}

    def delete_replaced_files(self, previous: set[str]) -> None:
        """After a save: remove (on commit) the files the row held before and holds no more."""
        delete_files_on_commit(self._owned_storage(), previous - self._current_file_names())
        self._remember_stored_files()

    def _current_file_names(self) -> set[str]:
        # From __dict__, so that a deferred column costs no query; a FieldFile reads as its name.
        return {str(self.__dict__.get(name) or "") for name in self.owned_file_fields} - {""}

    def _remember_stored_files(self) -> None:
        loaded = all(name in self.__dict__ for name in self.owned_file_fields)
        self._stored_files = self._current_file_names() if loaded else None
        self._stored_files_by_field = (
            {field: str(self.__dict__.get(field) or "") for field in self.owned_file_fields}
            if loaded
            else None
        )

    def _owned_storage(self):
        return self._meta.get_field(self.owned_file_fields[0]).storage


def delete_files_with_rows(model) -> None:
    """Remove a model's files (on commit) when its rows are deleted, one by one or by a queryset."""
    FILE_OWNERS.append(model)

    def note(sender, instance, **kwargs) -> None:
        instance._files_to_delete = instance.stored_file_names()  # before the row is gone

    def delete(sender, instance, **kwargs) -> None:
        delete_files_on_commit(instance._owned_storage(), getattr(instance, "_files_to_delete", ()))

    pre_delete.connect(note, sender=model, weak=False)
    post_delete.connect(delete, sender=model, weak=False)
