"""Backups of the database and the media files as one archive (`manage.py backup` / `restore`)."""

from syllabus.backups.archive import backup_create, backup_default_path, backup_read_manifest, backup_restore
from syllabus.backups.errors import BackupError

__all__ = ["BackupError", "backup_create", "backup_default_path", "backup_read_manifest", "backup_restore"]
