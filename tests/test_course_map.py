from pathlib import Path

from course_lib.course_map import COURSE_MAP, course_map_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_every_written_notebook_is_on_the_map():
    written = {p.stem for p in (ROOT / "notebooks").glob("*.py")}
    assert written <= {chapter.notebook for chapter in COURSE_MAP}


def test_the_map_links_written_notebooks_and_marks_the_rest():
    table = course_map_markdown(ROOT)
    assert "[The GAN game](01_gan_game.ipynb)" in table
    for chapter in COURSE_MAP:
        if not (ROOT / "notebooks" / f"{chapter.notebook}.py").exists():
            assert f"{chapter.title} *(in preparation)*" in table


def test_the_map_follows_the_syllabus_order():
    assert [chapter.notebook[:2] for chapter in COURSE_MAP] == [f"{n:02d}" for n in range(10)]
