"""Build the book from the smoke run's executed notebooks and look at it in headless Chromium."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hashlib_core.bookbuild import build_book
from hashlib_core.files import repo_root
from hashlib_core.verdict import PAPER_LABELS

pytestmark = pytest.mark.slow
ARTIFACTS = repo_root() / "artifacts" / "screenshots"
METHOD_CHAPTERS = ("03_baselines", "04_dnnh", "05_mu_liu", "06_nin_latent", "07_ssdh")
#: the width of the browser window in which every equation must fit
WINDOW = (1200, 2400)


@pytest.fixture(scope="module")
def built_book(smoke_run, tmp_path_factory):
    book = tmp_path_factory.mktemp("book") / "book"
    shutil.copytree(repo_root() / "book", book, ignore=shutil.ignore_patterns("_build", "chapters"))
    index = build_book("smoke", executed_dir=smoke_run["executed"], book_dir=book)
    return index.parent


def test_book_builds_with_every_chapter(built_book):
    for page in ("index.html", "intro.html", "chapters/01_introduction.html", "chapters/08_comparison.html",
                 "chapters/04_dnnh.html", "performance.html", "reproduce.html", "teaching.html", "glossary.html",
                 "bibliography.html"):
        assert (built_book / page).is_file(), page
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").is_file()  # math renders offline
    html = (built_book / "chapters" / "08_comparison.html").read_text()
    assert "<table" in html and "<img" in html
    assert "cdn.jsdelivr.net/npm/mathjax" not in (built_book / "intro.html").read_text()


def test_display_math_is_parsed_as_math_not_as_dollar_signs(built_book):
    """A `$$` block glued to a paragraph is read as two inline `$` and leaves stray dollars in the page."""
    for page in sorted((built_book / "chapters").glob("*.html")):
        html = page.read_text()
        assert '$<span class="math' not in html and '</span>$' not in html, page.name


def test_bibliography_lists_every_reference_and_chapters_cite_it(built_book):
    from bs4 import BeautifulSoup

    entries = len(re.findall(r"^@\w+\{", (repo_root() / "book" / "references.bib").read_text(), re.M))
    soup = BeautifulSoup((built_book / "bibliography.html").read_text(), "html.parser")
    rendered = soup.select(".citation")
    assert len(rendered) == entries, f"{len(rendered)} of {entries} references rendered"
    assert "10.1109/CVPR.2015.7298947" in soup.get_text()  # DNNH's DOI
    for chapter in METHOD_CHAPTERS:
        html = (built_book / "chapters" / f"{chapter}.html").read_text()
        assert "../bibliography.html#" in html, f"{chapter} cites nothing"


def test_no_plumbing_cell_is_rendered(built_book):
    """Parameters, papermill's injected parameters (machine paths) and the record-writing cell stay out of the book."""
    for page in sorted((built_book / "chapters").glob("*.html")):
        html = page.read_text()
        for plumbing in ("tag_parameters", "tag_injected-parameters", "papermill replaces", "Injected Parameters",
                         "write_record(", "results_dir ="):
            assert plumbing not in html, f"{page.name} shows {plumbing!r}"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (make test installs Debian's chromium)")


#: appended to a copy of a page: once MathJax has typeset it, record every display equation that does not
#: fit the article's width (wider than the article, or scrolled inside its own box) in <pre id="equations">
_EQUATION_CHECK = """
<script>
window.addEventListener('load', function () {
  function check() {
    var blocks = document.querySelectorAll('mjx-container[display="true"]'), overflow = [];
    blocks.forEach(function (m, i) {
      var article = (m.closest('article') || document.body).getBoundingClientRect();
      var math = (m.querySelector('mjx-math') || m).getBoundingClientRect();
      var scrolled = m.scrollWidth > m.clientWidth + 1;
      if (math.right > article.right + 1 || math.left < article.left - 1 || scrolled) {
        overflow.push({block: i, width: Math.round(math.width), article: Math.round(article.width),
                       scrolled: scrolled});
      }
    });
    var out = document.createElement('pre');
    out.id = 'equations';
    out.textContent = JSON.stringify({blocks: blocks.length, overflow: overflow});
    document.body.appendChild(out);
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { MathJax.startup.promise.then(check); }
  else { setTimeout(check, 3000); }
});
</script>
"""


def _dom(chromium: str, page: Path, screenshot: Path | None = None) -> str:
    """The page's DOM after its scripts ran (MathJax typeset, equations measured) at :data:`WINDOW`."""
    checked = page.with_name(f"{page.stem}.checked.html")
    checked.write_text(page.read_text().replace("</body>", _EQUATION_CHECK + "</body>"))
    profile_dir = ARTIFACTS / f".profile-{page.stem}"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--virtual-time-budget=15000", f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--user-data-dir={profile_dir}"]
    try:
        dom = subprocess.run([chromium, *flags, "--dump-dom", checked.as_uri()], capture_output=True, text=True,
                             timeout=180).stdout
        if screenshot is not None:
            subprocess.run([chromium, *flags, f"--screenshot={screenshot}", page.as_uri()], capture_output=True,
                           text=True, timeout=180)
    finally:
        shutil.rmtree(profile_dir, ignore_errors=True)
        checked.unlink()
    return dom


@pytest.fixture(scope="module")
def doms(built_book):
    """The rendered DOM of the landing page and of every chapter (screenshots of two kept in artifacts/)."""
    chromium = _chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {"08_comparison": "comparison.png", "04_dnnh": "dnnh.png"}
    pages = [built_book / "intro.html", built_book / "glossary.html",
             *sorted((built_book / "chapters").glob("0*.html"))]
    return {page.stem: _dom(chromium, page, ARTIFACTS / shots[page.stem] if page.stem in shots else None)
            for page in pages}


def _soup(dom: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(dom, "html.parser")


@pytest.mark.browser
def test_comparison_chapter_and_equations_render_in_chromium(doms):
    for page in ("08_comparison", "04_dnnh"):
        assert "<table" in doms[page] and "<img" in doms[page], page
    assert (ARTIFACTS / "comparison.png").stat().st_size > 10_000
    assert "mjx-container" in doms["04_dnnh"], "MathJax did not typeset the DNNH chapter's equations"


@pytest.mark.browser
def test_every_equation_fits_the_content_width(doms):
    checked = 0
    for page, dom in doms.items():
        report = _soup(dom).find(id="equations")
        assert report is not None, f"{page}: the equation check did not run"
        result = json.loads(report.get_text())
        assert not result["overflow"], f"{page}: equations wider than the text at {WINDOW[0]} px: {result['overflow']}"
        checked += result["blocks"]
    assert checked >= 5, f"only {checked} display equations typeset in the whole book"


@pytest.mark.browser
def test_verdict_box_leads_the_comparison_chapter_and_the_landing_page(doms):
    for page in ("08_comparison", "intro"):
        box = _soup(doms[page]).select_one("div.admonition.verdict")
        assert box is not None, f"{page}: no verdict box"
        text = " ".join(box.get_text().split())
        for label in PAPER_LABELS.values():
            line = next((li.get_text(" ") for li in box.select("li") if label in li.get_text(" ")), "")
            assert re.search(r": (reproduced|not yet|not comparable)\b", line), f"{page}: no verdict for {label}"
        assert "Records of this paper: `" not in text and "reduced" in text  # rendered, with the profiles


@pytest.mark.browser
def test_method_chapters_have_exercises_with_solution_dropdowns(doms):
    for chapter in METHOD_CHAPTERS:
        soup = _soup(doms[chapter])
        exercises = soup.select("div.admonition.exercise")
        solutions = [d for d in soup.find_all("details") if d.summary and "Solution" in d.summary.get_text()]
        assert len(exercises) >= 3, f"{chapter}: {len(exercises)} exercises"
        assert len(solutions) >= len(exercises), f"{chapter}: {len(solutions)} solutions for {len(exercises)} exercises"
        numbers = {re.search(r"Exercise (\d+\.\d+)", e.get_text()).group(1) for e in exercises}
        solved = {m.group(1) for d in solutions for m in [re.search(r"Exercise (\d+\.\d+)", d.summary.get_text())] if m}
        assert numbers <= solved, f"{chapter}: exercises without a solution: {sorted(numbers - solved)}"


@pytest.mark.browser
def test_no_parameters_cell_is_visible(doms):
    for page, dom in doms.items():
        soup = _soup(dom)
        assert not soup.select(".tag_parameters, .tag_injected-parameters"), page
        assert "papermill replaces this cell" not in soup.get_text(), page
