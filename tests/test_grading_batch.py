"""Finding a class's submissions: notebooks, folders and zips, with unsafe zip entries left out."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from course_lib.grading.batch import extract_zip, find_submissions


def _zip(path: Path, entries: dict[str, bytes], links: dict[str, str] = {}) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_a_class_zip_gives_one_submission_per_folder_or_file(tmp_path):
    archive = _zip(tmp_path / "class.zip", {
        "alice/ps00_gan_game.ipynb": b"{}",
        "bob/work/ps00_gan_game.ipynb": b"{}",
        "carol.ipynb": b"{}",
        "dave/essay.pdf": b"%PDF",
        "erin/draft.ipynb": b"{}",
        "erin/ps00_gan_game.ipynb": b"{}",
        "__MACOSX/alice/._ps00_gan_game.ipynb": b"",
    })
    found = {s.student: s for s in find_submissions([archive], "ps00_gan_game", tmp_path / "scratch")}
    assert sorted(found) == ["alice", "bob", "carol", "dave", "erin"]
    assert found["bob"].notebook.name == "ps00_gan_game.ipynb" and not found["bob"].problem
    assert found["dave"].notebook is None and "no notebook" in found["dave"].problem
    assert found["erin"].notebook.name == "ps00_gan_game.ipynb" and "2 notebooks were submitted" in found["erin"].problem


def test_a_zip_of_one_class_folder_is_opened(tmp_path):
    archive = _zip(tmp_path / "export.zip", {"submissions/alice/a.ipynb": b"{}", "submissions/bob/b.ipynb": b"{}"})
    assert [s.student for s in find_submissions([archive], "ps00", tmp_path / "scratch")] == ["alice", "bob"]


def test_unsafe_zip_entries_are_skipped(tmp_path):
    archive = _zip(tmp_path / "evil.zip", {"../escaped.ipynb": b"{}", "/abs.ipynb": b"{}", "ok/a.ipynb": b"{}"}, links={"ok/link.ipynb": "/etc/passwd"})
    extract_zip(archive, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()) == ["ok/a.ipynb"]
    assert not (tmp_path / "escaped.ipynb").exists()


def test_names_are_made_safe_and_unique(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "Jo Smith.ipynb").write_text("{}")
    (tmp_path / "class" / "Jo_Smith.ipynb").write_text("{}")
    (tmp_path / "class" / "notes.txt").write_text("hi")
    found = find_submissions([tmp_path / "class"], "ps00", tmp_path / "scratch")
    assert [s.student for s in found] == ["Jo_Smith", "Jo_Smith-2", "notes"]
    assert "is not a notebook" in found[2].problem


def test_a_bad_zip_is_named(tmp_path):
    fake = tmp_path / "class.zip"
    fake.write_text("no")
    with pytest.raises(ValueError, match="is not a valid zip file"):
        find_submissions([fake], "ps00", tmp_path / "scratch")
