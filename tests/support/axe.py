"""axe-core in the browser tests: WCAG 2.0/2.1 A and AA rules, serious or critical violations fail.

axe-core is pinned with the other offline assets (requirements/npm/package-lock.json) and installed
into build/assets by scripts/export.py; it is injected into a Playwright page as a script tag.
"""

from __future__ import annotations

from pathlib import Path

#: The rule sets of WCAG 2.1 level AA (axe-core's tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Impacts that fail a test; "minor" and "moderate" ones are reported only.
FAILING = ("serious", "critical")
AXE_FILE = "axe-core/axe.min.js"


def axe_script(modules: Path) -> str:
    """The text of ``axe.min.js`` under ``modules`` (``build/assets/node_modules``)."""
    path = modules / AXE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: axe-core is in requirements/npm/package.json")
    return path.read_text(encoding="utf-8")


def wait_for_mathjax(page) -> None:
    """Wait until MathJax 2 (if the page loads it) has typeset everything."""
    page.wait_for_function(
        "() => !document.querySelector('script[src*=\"MathJax.js\"]') || "
        "(window.MathJax && MathJax.isReady)"
    )
    page.evaluate(
        "() => window.MathJax && MathJax.Hub ? new Promise(r => MathJax.Hub.Queue(r)) : null"
    )


def run_axe(page, script: str, context: str | None = None) -> list[dict]:
    """Inject axe (once per page) and return its violations of :data:`WCAG_TAGS` in ``context``
    (a CSS selector; default the whole document), each with its nodes' targets and messages."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=script)
    return page.evaluate(
        """async ([context, tags]) => {
            const root = context === null ? document : {include: [context]};
            const result = await axe.run(root, {runOnly: {type: 'tag', values: tags},
                                                 resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                          summary: n.failureSummary,
                                          html: n.html.slice(0, 160)})),
            }));
        }""",
        [context, WCAG_TAGS],
    )


#: JupyterLab's own elements that axe flags inside a notebook panel (upstream's interface, not
#: this project's content): (rule, a class in the element's selector, why).
JUPYTERLAB_UPSTREAM = [
    ("aria-input-field-name", ".cm-content", "JupyterLab's code editor (CodeMirror) has no name"),
    ("aria-required-children", ".jp-WindowedPanel-viewport", "JupyterLab's cell list (role=feed)"),
    ("button-name", ".jp-collapseHeadingButton", "JupyterLab's heading fold button has no text"),
]


def split_upstream(violations: list[dict], known: list[tuple[str, str, str]]):
    """``(ours, upstream)``: the violations with the nodes that ``known`` lists moved aside."""
    ours, upstream = [], []
    for v in violations:
        mine = [
            n
            for n in v["nodes"]
            if not any(v["id"] == rule and cls in n["target"] for rule, cls, _ in known)
        ]
        theirs = [n for n in v["nodes"] if n not in mine]
        if mine:
            ours.append({**v, "nodes": mine})
        if theirs:
            upstream.append({**v, "nodes": theirs})
    return ours, upstream


def failing(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING]


def describe(violations: list[dict], max_nodes: int = 3) -> str:
    """A readable list: rule, impact, number of elements, and the first few elements."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        for n in v["nodes"][:max_nodes]:
            lines.append(f"    {n['target']}: {n['html']}")
            for s in (n["summary"] or "").splitlines()[1:2]:
                lines.append(f"      {s.strip()}")
    return "\n".join(lines)
