"""Build the book from the smoke run's executed notebooks and look at it in headless Chromium."""
import shutil
import subprocess
from pathlib import Path

import pytest

from hashlib_core.bookbuild import build_book
from hashlib_core.io import repo_root

pytestmark = pytest.mark.slow
ARTIFACTS = repo_root() / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def built_book(smoke_run, tmp_path_factory):
    book = tmp_path_factory.mktemp("book") / "book"
    shutil.copytree(repo_root() / "book", book, ignore=shutil.ignore_patterns("_build", "chapters"))
    index = build_book("smoke", executed_dir=smoke_run["executed"], book_dir=book)
    return index.parent


def test_book_builds_with_every_chapter(built_book):
    for page in ("index.html", "intro.html", "chapters/01_introduction.html", "chapters/08_comparison.html",
                 "chapters/04_dnnh.html", "performance.html", "reproduce.html"):
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


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (make test installs Debian's chromium)")


@pytest.mark.browser
def test_comparison_chapter_and_equations_render_in_chromium(built_book):
    chromium = _chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--virtual-time-budget=15000", "--window-size=1280,2400"]
    for page, shot in (("chapters/08_comparison.html", "comparison.png"), ("chapters/04_dnnh.html", "dnnh.png")):
        url = (built_book / page).as_uri()
        profile_dir = ARTIFACTS / f".profile-{shot}"
        dom = subprocess.run([chromium, *flags, f"--user-data-dir={profile_dir}", "--dump-dom", url],
                             capture_output=True, text=True, timeout=120).stdout
        subprocess.run([chromium, *flags, f"--user-data-dir={profile_dir}", f"--screenshot={ARTIFACTS / shot}", url],
                       capture_output=True, text=True, timeout=120)
        shutil.rmtree(profile_dir, ignore_errors=True)
        assert "<table" in dom and "<img" in dom, page
        assert (ARTIFACTS / shot).stat().st_size > 10_000
    assert "mjx-container" in dom, "MathJax did not typeset the DNNH chapter's equations"
