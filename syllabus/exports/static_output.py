"""The files of a static export in OUT_DIR: written only when their content changed, and removed
when a later export no longer has them, never outside OUT_DIR (syllabus/exports/static_site.py)."""

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import NamedTemporaryFile

MANIFEST = ".static-export.json"
# GitHub Pages runs Jekyll unless told not to, and Jekyll leaves out names starting with _ or .
# (random media folders may).
NO_JEKYLL = ".nojekyll"


@dataclass
class StaticExportReport:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    broken: list[str] = field(default_factory=list)  # linked from a page, but not found
    warnings: list[str] = field(default_factory=list)  # what the export skipped, and why

    @property
    def files(self) -> int:
        return self.written + self.unchanged


class StaticOutput:
    """The files of OUT_DIR this export owns, and their hashes from the last export."""

    def __init__(self, root: Path):
        self.root = root
        self.resolved_root = root.resolve()
        self.report = StaticExportReport()
        self.previous: dict[str, str] = self._manifest_read()
        self.current: dict[str, str] = {}

    def _manifest_read(self) -> dict[str, str]:
        """The last export's files; a manifest that cannot be read counts as none (nothing is removed)."""
        try:
            files = json.loads((self.root / MANIFEST).read_text())["files"]
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError):
            files = None
        if not isinstance(files, dict) or not all(isinstance(value, str) for value in files.values()):
            self.report.warnings.append(
                f"{MANIFEST} could not be read: files of the last export are not removed this time."
            )
            return {}
        return files

    def _inside(self, path: str) -> Path | None:
        """`path` in OUT_DIR, or None when it is absolute, climbs out, or resolves out through a link."""
        parts = Path(path).parts
        if not parts or Path(path).is_absolute() or ".." in parts:
            return None
        target = self.root / path
        if not target.resolve().is_relative_to(self.resolved_root):
            return None
        return target

    def write(self, path: str, content: bytes) -> None:
        self.write_stream(path, [content])

    def write_stream(self, path: str, chunks: Iterable[bytes]) -> None:
        """Hashed as it is written to a temporary file, which replaces the old one only if it differs."""
        target = self._inside(path)
        if target is None:  # a folder of OUT_DIR links elsewhere: never written through
            self.report.warnings.append(f"{path} is not written: it would leave {self.root}.")
            return
        digest = hashlib.sha256()
        target.parent.mkdir(parents=True, exist_ok=True)
        with NamedTemporaryFile(dir=target.parent, prefix=".export-", delete=False) as temporary:
            try:
                for chunk in chunks:
                    digest.update(chunk)
                    temporary.write(chunk)
            except BaseException:
                os.unlink(temporary.name)
                raise
        hashed = digest.hexdigest()
        self.current[path] = hashed
        if self.previous.get(path) == hashed and target.is_file():
            os.unlink(temporary.name)
            self.report.unchanged += 1
        else:
            os.chmod(temporary.name, 0o644)
            os.replace(temporary.name, target)
            self.report.written += 1

    def finish(self) -> None:
        """Files of the last export no longer published are removed; the manifest is replaced last."""
        for path in sorted(set(self.previous) - set(self.current)):
            # The manifest is a file anyone may edit: only what it names inside OUT_DIR is touched.
            target = self._inside(path)
            if target is None:
                self.report.warnings.append(f"{MANIFEST} names {path!r}, outside {self.root}: left alone.")
                continue
            if target.is_file() and not target.is_symlink():
                target.unlink()
                self.report.removed += 1
            for parent in target.parents:
                if parent == self.root or not parent.is_relative_to(self.root):
                    break
                if parent.is_symlink() or not parent.is_dir() or any(parent.iterdir()):
                    break
                parent.rmdir()
        (self.root / NO_JEKYLL).touch()
        manifest = self.root / f"{MANIFEST}.new"
        manifest.write_text(json.dumps({"files": self.current}, indent=0, sort_keys=True))
        os.replace(manifest, self.root / MANIFEST)
