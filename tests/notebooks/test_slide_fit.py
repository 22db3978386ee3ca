"""`make slides` on a 16:9 projector: every slide and fragment fits a 1280×720 frame.

Each deck is exported once per session (the ``exports`` fixture) and opened in Chromium at
1280×720; the test presses Space, which walks every fragment and every vertical sub-slide, and
at each step measures the current slide once MathJax has re-rendered it and its layout has
settled: the bounding box of everything it holds (fragments still hidden included, since they
take their place) must lie inside the window. A slide taller than the frame has its bottom cut
off on a projector. How the decks are made to fit: slide metadata in the notebooks (a sub-slide
per idea), figures capped at 400 px and a long cell's figure on a sub-slide of its own
(scripts/export.py and scripts/templates/offline_reveal.html.j2)."""

from __future__ import annotations

import pytest

from tests.support.project import notebook_paths

pytestmark = pytest.mark.browser

DECKS = notebook_paths()
FRAME = {"width": 1280, "height": 720}
TOLERANCE_PX = 2

#: reveal.js is loaded by require.js (no global): take it from require's registry.
REVEAL = """() => {
    const defined = require.s.contexts._.defined;
    const key = Object.keys(defined).find(k => /dist\\/reveal(\\.js)?$/.test(k));
    return key === undefined ? null : defined[key];
}"""

#: The current slide's content box against the window, once MathJax is done with it. The slides
#: re-render a slide's maths when it is shown (nbconvert's template, on `slidechanged`), and the
#: re-rendered slide, laid out at its real width, is what the projector shows; its layout can
#: still move for a moment after MathJax's queue is empty. So the measure waits for the queue,
#: then measures every 60 ms until three measurements in a row agree (at most 3 s).
MEASURE = """async () => {
    const Reveal = (GET_REVEAL)();
    const slide = Reveal.getCurrentSlide();
    if (window.MathJax && MathJax.Hub) { await new Promise(r => MathJax.Hub.Queue(r)); }
    const box = () => {
        let top = Infinity, bottom = -Infinity, left = Infinity, right = -Infinity;
        for (const el of slide.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
            left = Math.min(left, r.left); right = Math.max(right, r.right);
        }
        // A scrolling slide (reveal's `scroll` option) hides its overflow inside itself.
        const hidden = slide.scrollHeight - slide.clientHeight;
        return {top, bottom, left, right, hidden};
    };
    let last = box(), same = 0;
    for (let i = 0; i < 50 && same < 2; i++) {
        await new Promise(r => setTimeout(r, 60));
        const now = box();
        same = JSON.stringify(now) === JSON.stringify(last) ? same + 1 : 0;
        last = now;
    }
    const idx = Reveal.getIndices();
    return {h: idx.h, v: idx.v || 0, f: idx.f === undefined ? -1 : idx.f, ...last,
            stable: same >= 2,
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
    moving = [f"{s['h']}/{s['v']}" for s in steps if not s["stable"]]
    if moving:
        raise AssertionError(f"{url}: slides {moving} kept changing size for 3 s")
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


@pytest.mark.parametrize("md", DECKS, ids=[md.stem for md in DECKS])
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
