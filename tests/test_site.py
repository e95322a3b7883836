"""`course build` and `course build --slides`: every notebook gets its page and every lecture its deck,
with its stored figures and maths, and nothing is loaded from the network. No browser needed.

The site and the decks are built once per session (``built_site``, ``built_slides``), from the
committed notebooks; a browser test may reuse the two fixtures.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from browser_support import keep_for_tour
from course_lib.cli import main
from course_lib.tooling.notebooks import WIDGET_VIEW
from course_lib.tooling.site import MARKER, REVEAL, WEB, build_site, build_slides, slide_breaks, static_notebook

# myst-parser 5.2.0 still reads a Sphinx attribute that Sphinx 11 removes: its problem, not ours.
pytestmark = pytest.mark.filterwarnings("ignore::sphinx.deprecation.RemovedInSphinx11Warning")

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
AUTHORED_DECK = "01_gan_game"  # its .py sets slideshow metadata by hand


@pytest.fixture(scope="session")
def site_report(tmp_path_factory):
    return build_site(ROOT, tmp_path_factory.mktemp("site") / "html")


@pytest.fixture(scope="session")
def built_site(site_report) -> Path:
    """The folder of the built HTML site (index.html at its top)."""
    return site_report.out


@pytest.fixture(scope="session")
def built_slides(tmp_path_factory) -> Path:
    """The folder of the built slide decks (NN_topic.slides.html, with reveal.js/ and mathjax/ beside them)."""
    return build_slides(ROOT, tmp_path_factory.mktemp("slides") / "slides").out


class Links(HTMLParser):
    """Every (tag, attribute, value) of a src or href in an HTML page, and the text of its <style> blocks and style attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.links.append((tag, name, value))
            if name == "style" and value:
                self.styles.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)  # http://, https://, //host
CSS_LOAD = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*["']?((?:[a-z][a-z0-9+.-]*:)?//[^"')\s]+)""", re.I)
JS_LOAD = re.compile(r"""(?:\bsrc|(?<!<a )\bhref)\s*=\s*["']((?:https?:)?//[^"']+)""", re.I)  # <a href="..."> is a link


def network_loads(path: Path) -> list[str]:
    """What a browser would fetch from the network when it opens this file (links to follow excluded)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".css":
        return CSS_LOAD.findall(text)
    if path.suffix == ".js":
        return CSS_LOAD.findall(text) + JS_LOAD.findall(text)
    page = Links(text)
    loads = [value for tag, _, value in page.links if tag != "a" and EXTERNAL.match(value)]
    return loads + [url for style in page.styles for url in CSS_LOAD.findall(style)]


def test_the_network_check_catches_cdn_scripts_fonts_and_imports(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//fonts.example/css">'
        '<style>@import url("https://fonts.googleapis.com/css");</style><div style="background: url(http://a/b.png)"></div>'
        '<a href="https://example.org">a link to follow is fine</a><img src="_images/local.png">'
    )
    css = tmp_path / "theme.css"
    css.write_text("@import 'https://fonts.example/x.css'; .a { background: url(./local.png) }")
    script = tmp_path / "menu.js"
    script.write_text("""s.src="https://cdn.example/a.js"; t='<a href="https://www.mathjax.org">www.mathjax.org</a>'""")
    assert len(network_loads(page)) == 4
    assert network_loads(css) == ["https://fonts.example/x.css"]
    assert network_loads(script) == ["https://cdn.example/a.js"]


def test_the_site_builds_without_sphinx_warnings(site_report):
    assert site_report.warnings == []


@pytest.mark.parametrize("notebook", LECTURES + SOLUTIONS + EXERCISES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_notebook_has_a_page(built_site, notebook):
    page = built_site / notebook.parent.name / f"{notebook.stem}.html"
    assert page.is_file(), f"no page for {notebook.relative_to(ROOT)}"
    title = nbformat.read(notebook, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
    assert title.split(" ")[-1] in page.read_text(encoding="utf-8"), "the page does not show the notebook's title"


def stored_images(notebook: Path) -> int:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum("image/png" in output.get("data", {}) for cell in cells for output in cell.get("outputs", []))


@pytest.mark.parametrize("notebook", [*LECTURES, *SOLUTIONS], ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_notebook_page_shows_every_stored_figure_and_each_widget_as_its_png(built_site, notebook):
    page = built_site / notebook.parent.name / f"{notebook.stem}.html"
    html = page.read_text(encoding="utf-8")
    images = [value for tag, name, value in Links(html).links if tag == "img" and name == "src"]
    assert stored_images(notebook) > 0, "every notebook has a figure: the index its course map, a problem set the student's own answer"
    assert len(images) == stored_images(notebook), "one <img> per stored figure, the widgets' default figures included"
    assert all((page.parent / src).is_file() for src in images), images
    assert WIDGET_VIEW not in html and "jupyter-widgets" not in html, "a widget view is dead without a kernel"


def test_a_widget_output_keeps_its_png_and_loses_its_view():
    data = {WIDGET_VIEW: {"model_id": "x"}, "image/png": "iVBOR", "text/plain": "GanStepExplorer(...)"}
    notebook = new_notebook(cells=[new_code_cell("w", outputs=[nbformat.v4.new_output("display_data", data=data)])])
    kept = static_notebook(notebook).cells[0].outputs[0].data
    assert set(kept) == {"image/png", "text/plain"} and WIDGET_VIEW in notebook.cells[0].outputs[0].data


def test_maths_is_typeset_by_the_local_mathjax(built_site):
    page = (built_site / "notebooks" / "02_optimal_discriminator.html").read_text(encoding="utf-8")
    assert 'class="math' in page and r"\(" in page, "inline maths left for MathJax"
    assert "$D^*" not in page and "$$" not in page, "dollar maths that myst did not parse"
    scripts = [value for tag, _, value in Links(page).links if tag == "script"]
    mathjax = [src for src in scripts if "mathjax" in src]
    assert mathjax == ["../_static/mathjax/tex-chtml.js"]
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (built_site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()


def test_the_index_shows_the_course_map_and_links_every_page(built_site):
    index = built_site / "index.html"
    hrefs = {value.split("#")[0] for tag, _, value in Links(index.read_text(encoding="utf-8")).links if tag == "a"}
    for notebook in LECTURES + SOLUTIONS + EXERCISES:
        assert f"{notebook.parent.name}/{notebook.stem}.html" in hrefs, f"the index does not link {notebook.relative_to(ROOT)}"
    assert "The GAN game" in index.read_text(encoding="utf-8")


def test_links_between_notebooks_lead_to_their_pages(built_site):
    page = built_site / "notebooks" / "01_gan_game.html"
    hrefs = {value.split("#")[0] for tag, _, value in Links(page.read_text(encoding="utf-8")).links if tag == "a"}
    assert "../exercises/ps00_gan_game.html" in hrefs
    assert all((page.parent / href).is_file() for href in hrefs if href and not EXTERNAL.match(href) and not href.startswith("mailto:"))


def test_no_page_or_deck_loads_anything_from_the_network(built_site, built_slides):
    files = [p for folder in (built_site, built_slides) for p in folder.rglob("*") if p.suffix in (".html", ".css", ".js") and p.is_file()]
    assert len(files) > 30
    loads = {str(path): found for path in files if (found := network_loads(path))}
    assert loads == {}


@pytest.mark.parametrize("lecture", LECTURES, ids=lambda p: p.stem)
def test_every_lecture_has_a_deck_of_several_slides(built_slides, lecture):
    deck = (built_slides / f"{lecture.stem}.slides.html").read_text(encoding="utf-8")
    assert deck.count("<section") >= 2
    assert WIDGET_VIEW not in deck and "<img" in deck or not stored_images(lecture)


def test_the_authored_slide_breaks_show_in_the_deck(built_slides):
    notebook = nbformat.read(ROOT / "notebooks" / f"{AUTHORED_DECK}.ipynb", as_version=4)
    kinds = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in notebook.cells]
    assert kinds.count("slide") >= 5, f"{AUTHORED_DECK}.py should set slide breaks by hand"
    deck = (built_slides / f"{AUTHORED_DECK}.slides.html").read_text(encoding="utf-8")
    # A slide is two nested <section>s (its column of subslides, and its first subslide); a subslide is one.
    assert deck.count("<section") == 2 * kinds.count("slide") + kinds.count("subslide")
    section_one = re.search(r"<section[^>]*>\s*(?:<[^>]+>\s*)*?<h2[^>]*>1\. Intuition", deck)
    assert section_one, "the slide break before section 1 is missing"


def test_a_lecture_without_slide_metadata_gets_breaks_at_its_headings():
    cells = [new_markdown_cell("# Title"), new_code_cell("x = 1"), new_markdown_cell("Then this."), new_markdown_cell("```\n# a comment\n```"), new_markdown_cell("Recap.\n\n## 2. Part two")]
    notebook = new_notebook(cells=cells)
    kinds = [cell.metadata["slideshow"]["slide_type"] for cell in slide_breaks(notebook).cells]
    assert kinds == ["slide", "-", "subslide", "subslide", "slide"]
    assert "slideshow" not in notebook.cells[0].metadata, "slide_breaks returns a copy"
    notebook.cells[2].metadata["slideshow"] = {"slide_type": "fragment"}
    assert [cell.metadata.get("slideshow") for cell in slide_breaks(notebook).cells][2:4] == [{"slide_type": "fragment"}, None], "authored metadata is kept as is"


def test_each_deck_loads_its_assets_from_beside_it(built_slides):
    deck = built_slides / f"{AUTHORED_DECK}.slides.html"
    local = [value for tag, _, value in Links(deck.read_text(encoding="utf-8")).links if tag in ("script", "link") and value]
    assert {"reveal.js/dist/reveal.js", "reveal.js/plugin/notes/notes.js", "reveal.js/dist/reveal.css", "reveal.js/dist/theme/white.css", "mathjax/tex-chtml.js"} <= set(local)
    assert all((built_slides / value).is_file() for value in local), local
    assert (built_slides / "reveal.js" / "LICENSE").is_file() and (built_slides / "ASSETS.md").is_file()


def test_the_vendored_web_assets_are_listed_with_their_source_and_licence():
    readme = (WEB / "README.md").read_text(encoding="utf-8")
    assert "reveal.js@5.2.1" in readme and "sphinx-mathjax-offline==0.0.2" in readme
    assert "Hakim El Hattab" in (REVEAL / "LICENSE").read_text(encoding="utf-8") and "MIT" in readme
    assert "SIL Open Font License" in (REVEAL / "dist/theme/fonts/source-sans-pro/LICENSE").read_text(encoding="utf-8")
    for path in REVEAL.rglob("*"):
        if path.is_file() and path.name != "LICENSE":
            relative = path.relative_to(WEB).as_posix()
            assert relative in readme or f"{path.parent.relative_to(WEB).as_posix()}/" in readme, f"{relative} is not listed in web/README.md"


def test_build_refuses_a_folder_it_did_not_write(tmp_path, monkeypatch, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.chdir(ROOT)
    assert main(["build", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("course build: ") and "did not write" in error and len(error.strip().splitlines()) == 1
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_build_outside_the_course_says_where_to_run_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--slides"]) == 2
    assert "run it from the course folder" in capsys.readouterr().err


def test_a_second_build_replaces_the_first(built_slides):
    assert (built_slides / MARKER).is_file(), "the marker lets the next build replace this folder"


# ----------------------------------------------------------------------------- in a real browser


def open_offline(browser, url: str):
    """A page opened at ``url`` that records every request it makes and every console error it shows."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return page


def typeset_maths(page) -> int:
    """Wait for MathJax to finish the page; the number of formulas it rendered."""
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
    page.evaluate("() => MathJax.startup.promise")
    return page.locator("mjx-container").count()


def test_in_a_browser_every_page_from_the_index_renders_maths_and_figures_offline(browser, built_site, tmp_path):
    index = open_offline(browser, (built_site / "index.html").as_uri())
    hrefs = index.eval_on_selector_all("a[href]", "links => links.map(link => link.href.split('#')[0])")
    index.close()
    pages = sorted({href for href in hrefs if href.startswith("file://") and re.search(r"/(notebooks|solutions)/[^/]+\.html$", href)})
    assert len(pages) == len(LECTURES) + len(SOLUTIONS)

    problems = []
    for url in pages:
        page = open_offline(browser, url)
        name = "/".join(url.split("/")[-2:])
        formulas = typeset_maths(page)
        images = page.eval_on_selector_all("img", "images => images.map(image => image.complete && image.naturalWidth > 0)")
        external = [request for request in page.requests if not request.startswith(("file://", "data:", "blob:"))]
        if formulas == 0:
            problems.append(f"{name}: no typeset maths")
        if not images:
            problems.append(f"{name}: no image")
        if not all(images):
            problems.append(f"{name}: {images.count(False)} image(s) failed to load")
        if external:
            problems.append(f"{name}: requests leaving the page: {external[:3]}")
        if page.errors:
            problems.append(f"{name}: console errors: {page.errors[:3]}")
        if url.endswith("02_optimal_discriminator.html"):
            page.screenshot(path=tmp_path / "site_02_optimal_discriminator.png")
            keep_for_tour(tmp_path / "site_02_optimal_discriminator.png")
        page.close()
    assert not problems, "\n".join(problems)


def test_in_a_browser_the_authored_deck_shows_its_slides_and_maths_offline(browser, built_slides, tmp_path):
    page = open_offline(browser, (built_slides / f"{AUTHORED_DECK}.slides.html").as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
    slides = page.evaluate("() => Reveal.getTotalSlides()")
    page.evaluate("() => Reveal.configure({transition: 'none'})")  # the screenshot shows the slide, not a slide in flight
    page.keyboard.press("ArrowRight")
    assert typeset_maths(page) > 0
    page.screenshot(path=tmp_path / f"slides_{AUTHORED_DECK}.png")
    keep_for_tour(tmp_path / f"slides_{AUTHORED_DECK}.png")
    assert slides > 5
    assert [request for request in page.requests if not request.startswith(("file://", "data:", "blob:"))] == []
    assert page.errors == []
