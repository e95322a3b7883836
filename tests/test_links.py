"""Every relative link in the course's Markdown leads to a file that exists: no dead ends for students."""

import re
from pathlib import Path

import jupytext
import pytest

from course_lib.tooling.notebooks import NOTEBOOK_DIRS

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target)
DOCUMENTS = sorted([*ROOT.glob("*.md"), *(p for d in NOTEBOOK_DIRS for p in (ROOT / d).glob("*.py")), *(p for d in NOTEBOOK_DIRS for p in (ROOT / d).glob("*.md"))])


def markdown_of(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    return "\n".join(cell.source for cell in jupytext.read(path).cells if cell.cell_type == "markdown")


def relative_targets(text: str) -> list[str]:
    targets = (match.group(1).split("#")[0] for match in LINK.finditer(text))
    return [t for t in targets if t and not re.match(r"^[a-z]+:", t)]  # skip http:, mailto:, and #anchors


def test_the_link_pattern_finds_relative_links_only():
    text = "[a](01_gan_game.ipynb) [b](https://x.org) [c](#top) [d](../exercises/ps.ipynb#q1)"
    assert relative_targets(text) == ["01_gan_game.ipynb", "../exercises/ps.ipynb"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_to_existing_files(path):
    dead = [t for t in relative_targets(markdown_of(path)) if not (path.parent / t).exists()]
    assert not dead, f"{path.relative_to(ROOT)} links to missing files: {dead}"
