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


def test_the_map_figure_draws_every_lecture_solid_and_every_problem_set_dashed():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_lib.course_map import course_map_figure

    fig = course_map_figure()
    ax = fig.axes[0]
    lectures = [c for c in COURSE_MAP if c.notebook != "00_index"]
    boxes = {style: [p for p in ax.patches if p.get_linestyle() == style] for style in ("-", "--")}
    texts = " ".join(text.get_text().replace("\n", " ") for text in ax.texts)
    assert len(boxes["-"]) == len(lectures) and len(boxes["--"]) == len({c.problem_set for c in lectures})
    assert all(f"{c.notebook[:2]} · {c.title}" in texts and c.problem_set in texts for c in lectures)
    assert sum(line.get_linestyle() == ":" for line in ax.lines) == len(lectures)  # one link from each lecture to its problem set
    plt.close(fig)
