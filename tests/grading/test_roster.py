"""Who is in a class folder: NFC names, collisions refused naming both folders, symbolic
links refused, everything not graded listed; formula-like CSV cells escaped."""

from __future__ import annotations

import unicodedata

from grading.reports import csv_cell
from grading.roster import class_roster, feedback_name


def folders(base, *names):
    for name in names:
        (base / name / "01_history").mkdir(parents=True)
        (base / name / "01_history" / "exercise.ipynb").write_text("{}")
    return base


def test_names_are_nfc_and_sorted(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Zoë")
    students, skipped = class_roster(folders(tmp_path, decomposed, "amy"))
    assert [name for name, _ in students] == ["Zoë", "amy"]  # by code point: Z before a
    assert students[0][0] == unicodedata.normalize("NFC", "Zoë")
    assert skipped == []


def test_collisions_are_refused_naming_both_folders(tmp_path):
    composed, decomposed = (unicodedata.normalize(form, "José") for form in ("NFC", "NFD"))
    students, skipped = class_roster(folders(tmp_path, "Ann Lee", "Ann_Lee", composed,
                                             decomposed, "bob"))
    assert [name for name, _ in students] == ["bob"]
    reasons = {entry.path: entry.reason for entry in skipped}
    assert "'Ann Lee' and 'Ann_Lee'" in reasons["Ann Lee"]
    assert "'Ann Lee' and 'Ann_Lee'" in reasons["Ann_Lee"]
    assert sum("same student" in r for r in reasons.values()) == 4


def test_links_files_and_hidden_folders_are_listed_not_graded(tmp_path):
    folders(tmp_path, "real", "inner")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "inner" / "01_history" / "exercise.ipynb").unlink()
    (tmp_path / "inner" / "01_history" / "exercise.ipynb").symlink_to(tmp_path / "notes.txt")
    (tmp_path / "notes.txt").write_text("not a student")
    (tmp_path / ".hidden").mkdir()
    students, skipped = class_roster(tmp_path)
    assert [name for name, _ in students] == ["real"]
    reasons = {entry.path: entry.reason for entry in skipped}
    assert "symbolic link" in reasons["link"]
    assert "01_history/exercise.ipynb" in reasons["inner"]
    assert "file" in reasons["notes.txt"]
    assert "hidden" in reasons[".hidden"]


def test_formula_cells_are_escaped_and_file_names_are_safe():
    for formula in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx"):
        assert csv_cell(formula) == "'" + formula
    assert csv_cell("alice") == "alice"
    assert feedback_name("Ann Lee") == feedback_name("Ann_Lee") == "Ann_Lee"
    assert feedback_name("../../etc/passwd") == "etc_passwd"
    long_names = ["x" * 300 + "a", "x" * 300 + "b"]
    assert len({feedback_name(n) for n in long_names}) == 2
    assert all(len(feedback_name(n)) <= 100 for n in long_names)


def test_hard_links_are_refused(tmp_path):
    folders(tmp_path, "linked")
    (tmp_path / "elsewhere.ipynb").write_text("{}")
    notebook = tmp_path / "linked" / "01_history" / "exercise.ipynb"
    notebook.unlink()
    notebook.hardlink_to(tmp_path / "elsewhere.ipynb")
    students, skipped = class_roster(tmp_path)
    assert [name for name, _ in students] == []
    assert "hard links" in {e.path: e.reason for e in skipped}["linked"]
