"""``course build``: the course as static HTML pages, and ``course build --slides`` as reveal.js decks.

Both are made from the committed, executed notebooks: their stored outputs are shown as they are
and nothing is run again. Both work offline: no page or deck loads anything from the network, so
an instructor can present from a laptop in a lecture hall without Wi-Fi.

**Why these tools.** The pages are built by Sphinx with myst-nb (``nb_execution_mode = "off"``
uses the stored outputs; the whole course builds in seconds) and the alabaster theme, which loads
no web fonts. MathJax comes from the ``sphinx-mathjax-offline`` package instead of a CDN. Jupyter
Book 2 (mystmd) and Quarto were set aside: both fetch their themes or runtimes from the network.
The decks are made by nbconvert's SlidesExporter, which would load reveal.js, jQuery, require.js,
MathJax, mermaid and web fonts from CDNs: a small template (``web/slides.html.j2``) points it at
the copies vendored in ``web/`` (see ``web/README.md``) and at the same MathJax, and drops the rest.

**Widgets.** A widget cell stores a live view (useless without a kernel) and a static PNG of its
default figure. Pages and decks show the PNG.

**Slide breaks** come from the cells' ``slideshow`` metadata, set in the .py sources
(``# %% [markdown] slideshow={"slide_type": "slide"}``). A lecture with none gets breaks derived
from its markdown (:func:`slide_breaks`): a section heading starts a slide, other prose a subslide.
"""

from __future__ import annotations

import copy
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib.course_map import course_map_markdown
from course_lib.tooling.notebooks import WIDGET_VIEW

SITE_DIR = Path("_build") / "html"
SLIDES_DIR = Path("_build") / "slides"
SITE_FOLDERS = ("notebooks", "exercises", "solutions")  # exercises/: the lectures link to them
WEB = Path(__file__).parent / "web"  # vendored reveal.js and the slide template: see web/README.md
REVEAL = WEB / "reveal.js"
SLIDE_TEMPLATE = WEB / "slides.html.j2"
MARKER = ".course-build"  # marks a folder that `course build` wrote, so that it may replace it
TITLE = "Adversarial learning: GANs and adversarial examples"

# Everything MathJax needs to typeset TeX as HTML (the tex-chtml component, its fonts, and the
# extensions and accessibility parts it loads on demand), out of sphinx-mathjax-offline's copy.
MATHJAX_PARTS = ("tex-chtml.js", "input", "output", "ui", "a11y", "sre", "adaptors")


class BuildError(Exception):
    """The build could not be made. Its message is one line saying why and what to do."""


@dataclass
class SiteReport:
    out: Path
    pages: list[str]  # Sphinx document names: notebooks/01_gan_game, ...
    warnings: list[str] = field(default_factory=list)  # one line each; a clean build has none
    seconds: float = 0.0


def mathjax_dir() -> Path:
    """The MathJax 3 that the ``sphinx-mathjax-offline`` package ships (a folder holding tex-chtml.js)."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")  # the package's name has hyphens
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("sphinx-mathjax-offline is not installed; run `pip install -e .` in the course folder")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"


def copy_mathjax(dest: Path) -> None:
    """Copy what MathJax needs to typeset TeX into ``dest`` (a new folder), from sphinx-mathjax-offline."""
    source = mathjax_dir()
    dest.mkdir(parents=True)
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, dest / part)
        else:
            shutil.copy2(source / part, dest / part)


def sphinx_config() -> dict:
    """The whole Sphinx configuration of the site: there is no conf.py."""
    return {
        "project": TITLE,
        "extensions": ["myst_nb"],
        "root_doc": "index",
        "language": "en",
        "nb_execution_mode": "off",  # show the stored outputs; never run a notebook here
        "myst_enable_extensions": ["dollarmath", "amsmath"],  # $...$ and $$...$$ in markdown cells
        "mathjax_path": "mathjax/tex-chtml.js",  # in _static/: copied by build_site, not a CDN
        # A widget's live view needs a kernel: show the PNG of its default figure instead.
        "nb_mime_priority_overrides": [("*", WIDGET_VIEW, None)],
        "nb_ipywidgets_js": {},  # myst-nb's widget JS comes from CDNs; no page needs it
        "html_theme": "alabaster",  # Sphinx's default theme: local CSS, no web fonts
        "html_theme_options": {"show_powered_by": False},
        "html_title": TITLE,
        "html_copy_source": False,  # the .ipynb files are in the repository; no copy in _sources/
        "html_show_sourcelink": False,
        "html_last_updated_fmt": None,  # the same notebooks give the same pages
    }


def index_page(root: Path) -> str:
    """The site's home page, in MyST Markdown: the course map, then every page by folder."""
    # The map's links are relative to notebooks/ (the index notebook shows it too); this page is one folder up.
    course_map = course_map_markdown(root).replace("](", "](notebooks/").replace("notebooks/../", "")
    sections = [
        "# Course pages: lectures, problem sets and solutions\n",
        f"*{TITLE}*. Read the lectures in order; each ends with a link to its problem set.\n",
        course_map,
        "",
    ]
    captions = {"notebooks": "Lectures", "exercises": "Problem sets", "solutions": "Solutions (instructors only)"}
    for folder in SITE_FOLDERS:
        stems = sorted(path.stem for path in (root / folder).glob("*.ipynb"))
        if stems:
            entries = "\n".join(f"{folder}/{stem}" for stem in stems)
            sections.append(f"```{{toctree}}\n:caption: {captions[folder]}\n:maxdepth: 1\n\n{entries}\n```\n")
    return "\n".join(sections)


def static_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without widget views where the output also holds a static figure (the live view needs a kernel)."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and any(key.startswith("image/") for key in data):
                del data[WIDGET_VIEW]
    notebook.metadata.pop("widgets", None)
    return notebook


def check_output_folder(out: Path) -> None:
    """Raise BuildError unless ``out`` is new, empty, or a previous build (which the next one replaces)."""
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out} is a file; name a folder for the build")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise BuildError(f"{out} holds files that `course build` did not write; name an empty or new folder")


def _replace_folder(out: Path, staging: Path) -> None:
    """Put the finished build ``staging`` at ``out``, in place of a previous build there."""
    check_output_folder(out)
    (staging / MARKER).write_text("written by `course build`; the next build replaces this folder\n", encoding="utf-8")
    if out.is_dir():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(staging, out)


def build_site(root: Path, out: Path) -> SiteReport:
    """Write the HTML site of the course at ``root`` into ``out``; returns the pages and any warnings.

    The notebooks are copied into a temporary source folder beside the generated home page, and
    Sphinx builds from there into a temporary folder too (myst-nb writes a ``jupyter_execute/``
    beside its output folder), which then replaces ``out``.
    """
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.console import nocolor
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    start = time.perf_counter()
    out = out.resolve()
    check_output_folder(out)  # before the work, not after it
    with tempfile.TemporaryDirectory(prefix="course-site-") as scratch:
        source, doctrees, staging = Path(scratch) / "source", Path(scratch) / "doctrees", Path(scratch) / "build" / "html"
        pages = []
        for folder in SITE_FOLDERS:
            for notebook in sorted((root / folder).glob("*.ipynb")):
                (source / folder).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(notebook, source / folder / notebook.name)  # a link would resolve relative links from the course
                pages.append(f"{folder}/{notebook.stem}")
        if not pages:
            raise BuildError(f"no notebooks in {', '.join(SITE_FOLDERS)} under {root}; run `course build` in the course folder")
        (source / "index.md").write_text(index_page(root), encoding="utf-8")
        warnings = io.StringIO()
        nocolor()  # plain warning lines, whatever the terminal
        with patch_docutils(source), docutils_namespace():
            app = Sphinx(
                srcdir=source,
                confdir=None,  # the configuration is sphinx_config(), not a conf.py
                outdir=staging,
                doctreedir=doctrees,
                buildername="html",
                confoverrides=sphinx_config(),
                status=None,
                warning=warnings,
                freshenv=True,
                parallel=0,  # measured: no faster on two cores
            )
            try:
                app.build(force_all=True)
            except SphinxError as error:
                raise BuildError(f"Sphinx failed: {error}".splitlines()[0]) from None
        copy_mathjax(staging / "_static" / "mathjax")
        _replace_folder(out, staging)
    lines = [_one_line(line, source) for line in warnings.getvalue().splitlines() if line.strip()]
    return SiteReport(out, pages, lines, time.perf_counter() - start)


def _one_line(warning: str, source: Path) -> str:
    return warning.replace(str(source) + os.sep, "")


def slide_breaks(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook's slide breaks: its cells' own ``slideshow`` metadata, or else breaks at its markdown.

    A lecture with no ``slideshow`` metadata at all gets the breaks its .py would be given by hand:
    a markdown cell holding a ``#`` or ``##`` heading starts a slide (a section), and any other
    markdown cell starts a subslide below it (the next step, with the code cells that follow it).
    Returns a copy; the notebook is left alone.

    Example:
        >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
        >>> cells = [new_markdown_cell("# Title"), new_code_cell("x = 1"), new_markdown_cell("Next, y."), new_markdown_cell("Recap.\\n\\n## 2. Part two")]
        >>> [c.metadata["slideshow"]["slide_type"] for c in slide_breaks(new_notebook(cells=cells)).cells]
        ['slide', '-', 'subslide', 'slide']
    """
    notebook = copy.deepcopy(notebook)
    if any("slideshow" in cell.metadata for cell in notebook.cells):
        return notebook
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            slide_type = "-"
        elif _has_section_heading(cell.source):
            slide_type = "slide"
        else:
            slide_type = "subslide"
        cell.metadata["slideshow"] = {"slide_type": slide_type}
    return notebook


def _has_section_heading(markdown: str) -> bool:
    """Whether a ``#`` or ``##`` heading line is in the markdown, outside fenced code (where ``#`` is a comment)."""
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and line.startswith(("# ", "## ")):
            return True
    return False


def slides_exporter():
    """nbconvert's SlidesExporter, set to load every asset from beside the deck (see web/slides.html.j2)."""
    from nbconvert import SlidesExporter

    log = logging.getLogger("course_lib.slides")
    log.setLevel(logging.ERROR)  # not "Alternative text is missing": nbconvert adds a placeholder itself
    return SlidesExporter(
        log=log,
        extra_template_paths=[str(WEB)],
        template_file=SLIDE_TEMPLATE.name,
        reveal_url_prefix="reveal.js",  # the folder copied next to the decks
        reveal_theme="white",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        # Dropped by the template, but blanked too, so that no CDN address is left in a deck.
        **{name: "" for name in ("jquery_url", "require_js_url", "mathjax_url", "font_awesome_url", "mermaid_js_url", "mermaid_layout_elk_js_url", "jupyter_widgets_base_url")},
    )


@dataclass
class SlidesReport:
    out: Path
    decks: list[Path]
    seconds: float = 0.0


def build_slides(root: Path, out: Path) -> SlidesReport:
    """Write one reveal.js deck per lecture in ``root``/notebooks into ``out``, with the assets they load."""
    start = time.perf_counter()
    lectures = sorted((root / "notebooks").glob("*.ipynb"))
    if not lectures:
        raise BuildError(f"no lecture notebooks in {root / 'notebooks'}; run `course build --slides` in the course folder")
    out = out.resolve()
    check_output_folder(out)  # before the work, not after it
    staging = Path(tempfile.mkdtemp(prefix="course-slides-"))
    try:
        decks = _write_decks(lectures, staging)
        _replace_folder(out, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SlidesReport(out, [out / deck.name for deck in decks], time.perf_counter() - start)


def _write_decks(lectures: list[Path], out: Path) -> list[Path]:
    exporter, decks = slides_exporter(), []
    for lecture in lectures:
        try:
            notebook = nbformat.read(lecture, as_version=4)
        except (OSError, ValueError) as error:  # not JSON, or not a notebook
            raise BuildError(f"{lecture}: cannot read the notebook: {error}".splitlines()[0]) from None
        notebook = slide_breaks(static_notebook(notebook))
        html, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": lecture.stem}})
        deck = out / f"{lecture.stem}.slides.html"
        deck.write_text(html, encoding="utf-8")
        decks.append(deck)
    shutil.copytree(REVEAL, out / REVEAL.name)
    shutil.copy2(WEB / "README.md", out / "ASSETS.md")  # what each vendored file is, and its licence
    copy_mathjax(out / "mathjax")
    return decks


def run_build(out: Path | None = None, slides: bool = False) -> int:
    """``course build [--slides] [--out OUT]``: build, then say where the output went and how to open it.

    Returns the exit code: 0 done, 1 the build failed or warned, 2 bad usage (not in a course
    folder, or an output folder holding someone else's files).
    """
    from course_lib.tooling.lab import find_course_root

    command = "course build" + (" --slides" if slides else "")
    try:
        root = find_course_root()
        out = (out or root / (SLIDES_DIR if slides else SITE_DIR)).resolve()
        check_output_folder(out)
    except FileNotFoundError:
        print(f"{command}: no notebooks/00_index.ipynb here or above; run it from the course folder", file=sys.stderr)
        return 2
    except BuildError as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 2
    try:
        if slides:
            report = build_slides(root, out)
            print(f"wrote {len(report.decks)} slide decks to {report.out} in {report.seconds:.1f} s")
            first_lecture = report.decks[min(1, len(report.decks) - 1)]
            print(f"open {first_lecture.as_uri()} in a browser (offline is fine); arrows move, S opens the speaker view")
            return 0
        site = build_site(root, out)
    except BuildError as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 1
    for warning in site.warnings:
        print(f"{command}: {warning}", file=sys.stderr)
    print(f"wrote {len(site.pages)} pages to {site.out} in {site.seconds:.1f} s" + (f", with {len(site.warnings)} Sphinx warnings (above)" if site.warnings else ""))
    print(f"open {(site.out / 'index.html').as_uri()} in a browser (offline is fine)")
    print("these pages include solutions/: share them with instructors, not with students")
    return 1 if site.warnings else 0
