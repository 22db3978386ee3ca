"""`make slides` on a 16:9 projector: every slide and fragment fits a 1280×720 frame.

Each deck is exported once per session (the ``exports`` fixture) and opened in Chromium at
1280×720; the test presses Space, which walks every fragment and every vertical sub-slide, and
at each step measures the current slide: the bounding box of everything it holds (fragments
still hidden included, since they take their place) must lie inside the window. A slide taller
than the frame has its bottom cut off on a projector (reveal.js then only shows a scroll bar).
"""

from __future__ import annotations

import pytest

from .conftest import NOTEBOOKS

pytestmark = pytest.mark.browser

DECKS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))
FRAME = {"width": 1280, "height": 720}
TOLERANCE_PX = 2

#: reveal.js is loaded by require.js (no global): take it from require's registry.
REVEAL = """() => {
    const defined = require.s.contexts._.defined;
    const key = Object.keys(defined).find(k => /dist\\/reveal(\\.js)?$/.test(k));
    return key === undefined ? null : defined[key];
}"""

#: The current slide's content box against the window, after MathJax has typeset it.
MEASURE = """async () => {
    const Reveal = (GET_REVEAL)();
    if (window.MathJax && MathJax.Hub) { await new Promise(r => MathJax.Hub.Queue(r)); }
    const slide = Reveal.getCurrentSlide();
    let top = Infinity, bottom = -Infinity, left = Infinity, right = -Infinity;
    for (const el of slide.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
        left = Math.min(left, r.left); right = Math.max(right, r.right);
    }
    // A scrolling slide (reveal's `scroll` option) hides its overflow inside itself.
    const hidden = slide.scrollHeight - slide.clientHeight;
    const idx = Reveal.getIndices();
    return {h: idx.h, v: idx.v || 0, f: idx.f === undefined ? -1 : idx.f,
            top, bottom, left, right, hidden,
            text: (slide.innerText || '').trim().split('\\n')[0].slice(0, 60),
            last: Reveal.isLastSlide() && !Reveal.availableFragments().next,
            total: Reveal.getTotalSlides()};
}""".replace("GET_REVEAL", REVEAL)

#: No slide transitions: every measurement sees the slide at rest.
NO_MOTION = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def overflow(step: dict) -> float:
    """How far (px) a step's content reaches outside the frame (0 when it fits)."""
    return max(
        0.0,
        -step["top"],
        step["bottom"] - FRAME["height"],
        -step["left"],
        step["right"] - FRAME["width"],
        step["hidden"],
    )


def walk(page, url: str, max_steps: int = 400) -> list[dict]:
    """Open a deck and press Space until its last fragment; one measurement per step."""
    page.goto(url)
    page.wait_for_selector(".reveal.ready")
    page.add_style_tag(content=NO_MOTION)
    page.wait_for_function(f"() => ({REVEAL})() !== null")
    steps = [page.evaluate(MEASURE)]
    while not steps[-1]["last"]:
        if len(steps) >= max_steps:
            raise AssertionError(f"{url}: more than {max_steps} steps; is Space stuck?")
        page.keyboard.press("Space")
        steps.append(page.evaluate(MEASURE))
    return steps


def overflowing_slides(steps: list[dict]) -> dict[tuple[int, int], dict]:
    """The slides (h, v) with a step that overflows, each with its worst step."""
    worst: dict[tuple[int, int], dict] = {}
    for s in steps:
        key = (s["h"], s["v"])
        if overflow(s) > TOLERANCE_PX and (key not in worst or overflow(s) > overflow(worst[key])):
            worst[key] = s
    return worst


@pytest.fixture
def deck_page(new_context):
    page = new_context(viewport=FRAME).new_page()
    page.set_default_timeout(60_000)
    return page


#: Slides that overflow 1280×720 today, per deck (measured 2026-11-29 with reveal.js set to a
#: 1280×720 frame, 65 of 185 slides): splitting them into sub-slides is the open part of issue
#: 11. The test still runs on these decks and is an expected failure; `strict` makes it fail
#: as soon as a deck fits, so that its entry is removed here.
STILL_OVERFLOWING = {
    "00_overview": 2,
    "01_softmax_temperature": 5,
    "02_straight_through": 3,
    "03_gumbel_max": 12,
    "04_gumbel_softmax": 10,
    "05_proof_sympy": 6,
    "06_gradient_estimators": 13,
    "07_categorical_vae": 14,
}


def _deck_param(md):
    if md.stem not in STILL_OVERFLOWING:
        return pytest.param(md, id=md.stem)
    reason = f"issue 11: {STILL_OVERFLOWING[md.stem]} slides of this deck still overflow"
    # raises=AssertionError: only the overflow counts as the expected failure, not an error.
    xfail = pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)
    return pytest.param(md, id=md.stem, marks=xfail)


@pytest.mark.parametrize("md", [_deck_param(md) for md in DECKS])
def test_every_slide_and_fragment_fits_the_frame(exports, deck_page, md):
    deck = exports["slides"] / f"{md.stem}.slides.html"
    steps = walk(deck_page, deck.as_uri())
    slides = {(s["h"], s["v"]) for s in steps}
    assert len(slides) == steps[-1]["total"], "Space did not visit every slide"
    bad = overflowing_slides(steps)
    report = [
        f"slide {h}/{v}: {overflow(s):.0f} px outside the frame "
        f"(content {s['bottom'] - s['top']:.0f} px tall): {s['text']!r}"
        for (h, v), s in sorted(bad.items())
    ]
    assert not bad, (
        f"{md.stem}: {len(bad)} of {len(slides)} slides do not fit {FRAME['width']}×"
        f"{FRAME['height']}:\n  " + "\n  ".join(report)
    )


def _deck(tmp_path, modules, cells) -> str:
    """A deck of ``cells`` (markdown sources, each a slide) exported like `make slides`."""
    import nbformat

    from scripts import export

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(src, metadata={"slideshow": {"slide_type": "slide"}})
        for src in cells
    ]
    out = tmp_path / "slides"
    out.mkdir()
    body, _ = export._exporter("slides", export.asset_urls(modules, out)).from_notebook_node(nb)
    (out / "deck.slides.html").write_text(body, encoding="utf-8")
    return (out / "deck.slides.html").as_uri()


def test_the_measure_tells_a_long_slide_from_short_ones(exports, deck_page, tmp_path):
    """The check itself: of three slides, only the one with 40 list items overflows, by the
    amount its extra items take; the short slides and the fragment steps are all visited."""
    long = "## Long\n\n" + "\n".join(f"- item {i}" for i in range(40))
    short = "## Short\n\n- one\n- two"
    url = _deck(tmp_path, exports["modules"], [short, long, short])
    steps = walk(deck_page, url)
    assert {(s["h"], s["v"]) for s in steps} == {(0, 0), (1, 0), (2, 0)}
    bad = overflowing_slides(steps)
    assert list(bad) == [(1, 0)]
    assert overflow(bad[(1, 0)]) > 300  # 40 items of about 30 px in a 720 px frame
