"""Who is in a class folder: one student per sub-folder, named safely, nothing followed.

- names are NFC-normalised (``José`` typed on a Mac and on Linux is one student);
- two folders that would be the same student, or write the same feedback file, are both
  refused, with a message naming both folders: neither can overwrite the other's grade;
- a symbolic link anywhere on a student's path (the folder itself, a sub-folder, a notebook),
  or a file hard-linked elsewhere, is refused and reported: grading reads only what the
  student handed in;
- every folder or file that is not graded is listed with the reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Skipped:
    """A folder (or file) in the class folder that was not graded, and why."""

    path: str
    reason: str


MAX_NAME_CHARACTERS = 80


def feedback_name(student: str) -> str:
    """The feedback file's stem: letters, digits, ``.-_`` only (spaces become ``_``); a very
    long name is cut and keeps a short hash of the whole, so the file name stays valid."""
    cleaned = re.sub(r"[^\w.-]+", "_", student, flags=re.UNICODE).strip("._") or "student"
    if len(cleaned) > MAX_NAME_CHARACTERS:
        digest = hashlib.sha256(student.encode()).hexdigest()[:10]
        cleaned = f"{cleaned[:MAX_NAME_CHARACTERS]}-{digest}"
    return cleaned


def links_under(folder: Path) -> list[str]:
    """Paths (relative to ``folder``) of every symbolic link inside it, and of every file
    with more than one hard link (it may be another file of the machine), not followed."""
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(root) / name
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode) or (stat.S_ISREG(info.st_mode) and info.st_nlink > 1):
                found.append(str(path.relative_to(folder)))
    return sorted(found)


def class_roster(submissions: Path) -> tuple[list[tuple[str, Path]], list[Skipped]]:
    """(name, folder) for each student to grade, sorted by name, and what was skipped."""
    skipped: list[Skipped] = []
    candidates: list[tuple[str, Path]] = []
    for entry in sorted(submissions.iterdir()):
        mode = os.lstat(entry).st_mode
        if stat.S_ISLNK(mode):
            skipped.append(Skipped(entry.name, "a symbolic link, not a folder: refused"))
        elif not stat.S_ISDIR(mode):
            skipped.append(Skipped(entry.name, "a file, not a student folder"))
        elif entry.name.startswith((".", "_")):
            skipped.append(Skipped(entry.name, "a hidden folder (starts with . or _)"))
        else:
            links = links_under(entry)
            if links:
                shown = ", ".join(links[:5])
                skipped.append(Skipped(entry.name, f"holds symbolic or hard links ({shown}): "
                                                   "refused"))
            else:
                candidates.append((unicodedata.normalize("NFC", entry.name), entry))
    return _without_collisions(candidates, skipped)


def _without_collisions(candidates: list[tuple[str, Path]], skipped: list[Skipped]
                        ) -> tuple[list[tuple[str, Path]], list[Skipped]]:
    by_key: dict[str, list[tuple[str, Path]]] = {}
    for name, folder in candidates:
        by_key.setdefault(name, []).append((name, folder))
    by_file: dict[str, list[str]] = {}
    for name in by_key:
        by_file.setdefault(feedback_name(name).casefold(), []).append(name)
    refused: set[str] = set()
    for names in by_file.values():
        folders = [folder for name in names for _, folder in by_key[name]]
        if len(folders) > 1:
            listed = " and ".join(repr(f.name) for f in folders)
            for folder in folders:
                skipped.append(Skipped(folder.name, f"refused: the folders {listed} would be "
                                                    "the same student (same name once "
                                                    "normalised, or the same feedback file)"))
            refused.update(names)
    students = [(name, group[0][1]) for name, group in sorted(by_key.items())
                if name not in refused]
    return students, skipped
