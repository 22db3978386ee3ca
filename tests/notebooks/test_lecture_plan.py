"""docs/lecture-plan.md fits its time, by its own stated rule, on the notebooks as they are now.

The plan states a timing rule (a table: words per minute of prose, seconds per code cell, minutes
per live explorer and per exercise done in class, minutes of board work as each block states them
("board 5 min" in its say/ask column), a share of the whole for questions, and a minute for each
switch between the slides and JupyterLab in a block that runs something live). Each path is a `##`
section whose heading gives its length ("(90 minutes)") and whose table has one row per block:

    | clock | notebook | sections | run live | say / ask |
    | 12–30 | `03_gumbel_max` | *2. The Gumbel-max trick*, *Exercises* 2 | ... | ... |

The sections are `##`/`###` headings of that notebook, written exactly (a wrong name fails); a
`##` section includes its `###` subsections, unless written `*Title* (opening)`: then only the text
under its heading up to its first subsection. `*Exercises* 1, 3` means exercises 1 and 3 done in
class. For each block the test computes the estimate from the sections' content with the stated
rule and fails when the block's time is below it; it fails when a path's blocks do not follow each
other on the clock or end after the path's length, or when a block teaches an *Aside:* section
(asides are for reading). Pre-reading lines (`**Pre-reading**: ...`) name sections the same way;
their self-study time comes from each notebook's stated self-study time (its `**Self-study:**`
line), shared among its core sections by their content, and must stay within the plan's budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from tests.support.course import self_study_minutes
from tests.support.project import ROOT, notebook_paths
from tests.support.sections import Notebook, Piece, Section, notebook, table_rows

PLAN = ROOT / "docs" / "lecture-plan.md"
TITLE = re.compile(r"\*([^*]+)\*")
ENTRY = re.compile(r"\*([^*]+)\*(\s*\(opening\))?")
NB_NAME = re.compile(r"`(\d\d)(?:_\w+)?`")
CLOCK = re.compile(r"^(\d+)\s*[–-]\s*(\d+)$")
EXPLORER = re.compile(r"_explorer\(")
BOARD = re.compile(r"board (\d+) min")
FIGURE = re.compile(r"plots\.show\(")
DISPLAYED = re.compile(r"\$\$(.+?)\$\$", re.S)


@dataclass
class Rule:
    words_per_minute: float
    seconds_per_cell: float
    minutes_per_explorer: float
    minutes_per_exercise: float  # an easy (or unmarked) exercise
    minutes_per_medium_exercise: float  # one marked "(medium)"; "(hard)" ones are never in class
    question_share: float = 0.0  # questions: this fraction on top of the block's content
    seconds_per_formula: float = 0.0  # a displayed formula ($$ … $$), on top of its words
    minutes_per_figure: float = 0.0  # a code cell that draws a figure, on top of the cell
    minutes_per_switch: float = 0.0  # slides <-> JupyterLab, once per block with a live cell


@dataclass
class Block:
    start: int
    stop: int
    prefix: str | None  # "03", or None for a break
    titles: list[str]
    exercises: list[int] = field(default_factory=list)
    openings: list[str] = field(default_factory=list)  # "*Title* (opening)": up to a subsection
    board: float = 0.0  # minutes of board work the block states ("board 5 min")
    live: bool = False  # the block runs something in JupyterLab (its "run live" column)

    @property
    def minutes(self) -> int:
        return self.stop - self.start


@dataclass
class PlanPath:
    heading: str
    length: int
    blocks: list[Block]
    pre_reading: list[tuple[str, str]]
    homework: list[tuple[str, int]] = field(default_factory=list)  # (notebook, exercise)
    pre_reading_minutes: int | None = None  # the budget the path states ("(at most 120 minutes)")


def _number(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    if not m:
        raise AssertionError(f"the timing rule does not state {pattern!r}")
    return float(m.group(1))


def rule(plan: str) -> Rule:
    """The rates of the plan's timing-rule table (header `| what | time |`)."""
    rows = {
        re.match(r"\W*(\w+)", row[0]).group(1).lower(): row[1]
        for row in table_rows(plan, "| what | time |")
    }
    return Rule(
        words_per_minute=_number(r"(\d+) words per minute", rows["prose"]),
        seconds_per_cell=_number(r"(\d+) seconds", rows["code"]),
        minutes_per_explorer=_number(r"(\d+) minutes", rows["explorer"]),
        minutes_per_exercise=_number(r"(\d+) minutes \(easy", rows["exercise"]),
        minutes_per_medium_exercise=_number(r"(\d+) minutes \(medium", rows["exercise"]),
        question_share=_number(r"(\d+) %", rows["questions"]) / 100,
        seconds_per_formula=_number(r"(\d+) seconds", rows["displayed"]),
        minutes_per_figure=_number(r"(\d+) minutes?", rows["figure"]),
        minutes_per_switch=_number(r"(\d+) minutes?", rows["switching"]),
    )


def _path_sections(plan: str) -> list[tuple[str, str]]:
    """``(heading, body)`` of each `##` section of the plan whose heading gives a length."""
    parts = re.split(r"(?m)^## ", plan)[1:]
    out = []
    for part in parts:
        heading, _, body = part.partition("\n")
        if re.search(r"\((\d+) minutes\)", heading):
            out.append((heading.strip(), body))
    return out


def _exercise_numbers(cell: str) -> list[int]:
    m = re.search(r"\*Exercises\*\s*([\d,\s]+(?:and\s+\d+)?)", cell)
    return [int(n) for n in re.findall(r"\d+", m.group(1))] if m else []


def paths(plan: str) -> list[PlanPath]:
    found = []
    for heading, body in _path_sections(plan):
        length = int(re.search(r"\((\d+) minutes\)", heading).group(1))
        blocks = []
        for row in table_rows(body, "| clock |"):
            m = CLOCK.match(row[0])
            assert m, f"{heading}: clock {row[0]!r} is not 'start–stop'"
            nb = NB_NAME.search(row[1])
            entries = ENTRY.findall(row[2]) if nb else []
            titles = [t for t, _ in entries]
            openings = [t for t, opening in entries if opening]
            exercises = _exercise_numbers(row[2]) if nb else []
            start, stop = int(m.group(1)), int(m.group(2))
            board = sum(float(n) for n in BOARD.findall(" ".join(row[3:])))
            live = bool(nb) and len(row) > 3 and row[3].strip() not in ("", "—", "-")
            blocks.append(
                Block(start, stop, nb and nb.group(1), titles, exercises, openings, board, live)
            )
        pre, homework, budget = [], [], None
        for line in body.splitlines():
            if line.startswith("**Pre-reading**"):
                head = re.match(r"\*\*Pre-reading\*\*\s*\(at most (\d+) minutes\)", line)
                budget = int(head.group(1)) if head else None
                for chunk in line.removeprefix("**Pre-reading**").split(";"):
                    nb = NB_NAME.search(chunk)
                    pre += [(nb.group(1), t) for t in TITLE.findall(chunk)] if nb else []
            if line.startswith("**Homework**"):  # "`02` exercises 1 and 4; `03` exercise 2"
                for chunk in line.removeprefix("**Homework**").split(";"):
                    nb = NB_NAME.search(chunk)
                    numbers = re.findall(r"\d+", chunk[nb.end() :]) if nb else []
                    homework += [(nb.group(1), int(n)) for n in numbers]
        found.append(PlanPath(heading, length, blocks, pre, homework, budget))
    return found


def _words(text: str) -> int:
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return len(text.split())


def _exercises(text: str) -> dict[int, str]:
    """Exercise number -> "easy", "medium" or "hard", from "**2.** *(pen and paper, medium)*",
    "**2. (easy)**" and the like at the start of a line (unmarked counts as easy)."""
    found = {}
    for n, head in re.findall(r"(?m)^\*\*(\d+)\.(.{0,60})", text):
        marks = " ".join(re.findall(r"\(([^)]*)\)", head)).lower()
        found[int(n)] = "hard" if "hard" in marks else "medium" if "medium" in marks else "easy"
    return found


def _is_aside(nb: Notebook, index: int) -> bool:
    return any(s.title.startswith("Aside:") for s in nb.enclosing(index))


def estimate(nb: Notebook, block: Block, r: Rule) -> float:
    """Minutes the block needs by the rule: prose, code cells, explorers, exercises and board
    work, plus the share for questions and a minute to switch to JupyterLab and back."""
    pieces: set[int] = set()
    for title in block.titles:
        if title == "Exercises":
            continue
        sections = nb.named(title)
        assert sections, f"{nb.stem} has no section {title!r} (headings: {nb.titles()})"
        assert not title.startswith("Aside:"), f"{nb.stem} *{title}* is an aside: reading only"
        for s in sections:
            if title in block.openings:  # the text under the heading, up to its first subsection
                inner = [t.start for t in nb.sections if s.start < t.start < s.stop]
                pieces.update(range(s.start, min(inner, default=s.stop)))
            else:
                pieces.update(range(s.start, s.stop))
    minutes = block.board
    for i in sorted(pieces):
        if _is_aside(nb, i) and not any(t.startswith("Aside:") for t in block.titles):
            continue  # a section's asides are left for reading
        piece = nb.pieces[i]
        if piece.kind == "markdown":
            minutes += _words(piece.text) / r.words_per_minute
            minutes += len(DISPLAYED.findall(piece.text)) * r.seconds_per_formula / 60
        elif "hide-cell" not in piece.tags:  # solutions are not shown in class
            minutes += r.seconds_per_cell / 60
            if EXPLORER.search(piece.text):
                minutes += r.minutes_per_explorer
            elif FIGURE.search(piece.text):
                minutes += r.minutes_per_figure
    if "Exercises" in block.titles:
        assert nb.named("Exercises"), f"{nb.stem} has no Exercises section"
        text = "\n".join(p.text for s in nb.named("Exercises") for p in s.pieces)
        numbers = _exercises(text)
        chosen = block.exercises or sorted(numbers)
        missing = [n for n in chosen if n not in numbers]
        assert not missing, f"{nb.stem} has no exercise {missing} (it has {sorted(numbers)})"
        for n in chosen:
            level = numbers[n]
            assert level != "hard", f"{nb.stem} exercise {n} is marked hard: set it as homework"
            medium = level == "medium"
            minutes += r.minutes_per_medium_exercise if medium else r.minutes_per_exercise
    minutes *= 1 + r.question_share
    return minutes + (r.minutes_per_switch if block.live else 0.0)


def _weight(nb: Notebook, index: int) -> float:
    """A piece's share of self-study: its words, or 60 words' worth for a code cell."""
    piece = nb.pieces[index]
    return _words(piece.text) if piece.kind == "markdown" else 60.0


def _reading_pieces(nb: Notebook) -> list[int]:
    """The pieces a student reads and runs: the core sections, without asides and exercises."""
    first = min((s.start for s in nb.sections), default=len(nb.pieces))
    exercises = {i for s in nb.named("Exercises") for i in range(s.start, s.stop)}
    return [i for i in range(first, len(nb.pieces)) if not _is_aside(nb, i) and i not in exercises]


def self_study(nb: Notebook, title: str) -> float:
    """Minutes of self-study for reading and running the section ``title``: the notebook's stated
    reading time for its core sections, shared among them by weight (asides excluded)."""
    reading_minutes = self_study_minutes(nb.path)[0]
    core = _reading_pieces(nb)
    total = sum(_weight(nb, i) for i in core)
    mine = {i for s in nb.named(title) for i in range(s.start, s.stop)} & set(core)
    return reading_minutes * sum(_weight(nb, i) for i in mine) / total if total else 0.0


def check(plan: str) -> list[str]:
    """Every way the plan does not fit: unknown sections, short blocks, clock gaps, overruns."""
    r = rule(plan)
    problems = []
    for p in paths(plan):
        assert p.blocks, f"{p.heading}: no block table"
        clock = 0
        for b in p.blocks:
            if b.start != clock:
                problems.append(f"{p.heading}: block {b.start}–{b.stop} does not start at {clock}")
            clock = b.stop
            if b.prefix is None:
                continue
            try:
                need = estimate(notebook(b.prefix), b, r)
            except (AssertionError, LookupError) as err:
                problems.append(f"{p.heading}: {err}")
                continue
            if b.minutes < need - 1e-9:
                problems.append(
                    f"{p.heading}: {b.prefix} {b.titles} gets {b.minutes} min, the rule needs "
                    f"{need:.1f}"
                )
        if clock > p.length:
            problems.append(f"{p.heading}: the blocks end at {clock}, after {p.length} minutes")
        reading = 0.0
        for prefix, title in p.pre_reading:
            try:
                if not notebook(prefix).named(title):
                    problems.append(f"{p.heading}: pre-reading {prefix} has no section {title!r}")
                else:
                    reading += self_study(notebook(prefix), title)
            except LookupError as err:
                problems.append(f"{p.heading}: pre-reading: {err}")
        if p.pre_reading and p.pre_reading_minutes is None:
            problems.append(f"{p.heading}: the pre-reading states no budget (at most N minutes)")
        elif p.pre_reading and reading > p.pre_reading_minutes:
            problems.append(
                f"{p.heading}: the pre-reading takes {reading:.0f} minutes of self-study, more "
                f"than its {p.pre_reading_minutes}"
            )
        for prefix, n in p.homework:
            try:
                nb = notebook(prefix)
            except LookupError as err:
                problems.append(f"{p.heading}: homework: {err}")
                continue
            text = "\n".join(piece.text for s in nb.named("Exercises") for piece in s.pieces)
            if n not in _exercises(text):
                problems.append(f"{p.heading}: homework: {nb.stem} has no exercise {n}")
    problems += [f"If time runs short: {err}" for err in _named_elsewhere(plan)]
    return problems


def _named_elsewhere(plan: str) -> list[str]:
    """Sections named in "## If time runs short" (`NN` then *titles*) that do not exist."""
    part = re.split(r"(?m)^## If time runs short", plan)
    if len(part) < 2:
        return []
    text = re.split(r"(?m)^## ", part[1])[0]
    marks = list(NB_NAME.finditer(text))
    errors = []
    for m, nxt in zip(marks, [*marks[1:], None], strict=True):
        chunk = text[m.end() : nxt.start() if nxt else len(text)]
        for title in TITLE.findall(chunk):
            try:
                if not notebook(m.group(1)).named(title):
                    errors.append(f"{m.group(1)} has no section {title!r}")
            except LookupError as err:
                errors.append(str(err))
    return errors


def test_the_plan_fits_by_its_rule():
    assert check(PLAN.read_text(encoding="utf-8")) == []


def test_the_plan_has_the_promised_paths():
    found = paths(PLAN.read_text(encoding="utf-8"))
    lengths = sorted(p.length for p in found)
    assert 50 in lengths and lengths.count(90) >= 2, f"paths of {lengths} minutes"


def test_every_notebook_is_in_the_plan():
    plan = PLAN.read_text(encoding="utf-8")
    named = {b.prefix for p in paths(plan) for b in p.blocks} | {
        prefix for p in paths(plan) for prefix, _ in p.pre_reading
    }
    for md in notebook_paths():
        assert md.stem[:2] in named, f"the lecture plan never uses {md.stem}"


def test_the_sessions_must_choose():
    """The plan says: teaching every section of 01–06 in class takes longer than two sessions."""
    r = rule(PLAN.read_text(encoding="utf-8"))
    total = 0.0
    for prefix in ("01", "02", "03", "04", "05", "06"):
        nb = notebook(prefix)
        top = [
            s.title
            for s in nb.sections
            if s.level == 2 and s.title != "Exercises" and not s.title.startswith("Aside:")
        ]
        total += estimate(nb, Block(0, 0, prefix, top), r)
    assert total > 2 * 90


def test_the_plan_does_not_repeat_the_old_claim():
    """For a linear loss the naive trick's gradient is exact at τ = 1: the plan must not say
    that no τ makes it exact."""
    assert "no τ makes the surrogate exact" not in PLAN.read_text(encoding="utf-8")


# ---- the checker itself can fail --------------------------------------------------------------

RULE = """| what | time |
|---|---|
| prose of the named sections | 100 words per minute |
| code cell (solutions excluded) | 30 seconds |
| explorer (a slider demo) | 2 minutes more |
| exercise done in class | 5 minutes (easy or unmarked), 10 minutes (medium) |
| displayed formula | 30 seconds more |
| figure | 1 minute more |
| questions | 20 % on top |
| switching to JupyterLab and back | 1 minute per block with a live cell |
"""


def _toy_plan(rows: str, length: int = 50) -> str:
    return (
        f"{RULE}\n## A path ({length} minutes)\n\n"
        f"| clock | notebook | sections | run live | say |\n|---|---|---|---|---|\n{rows}"
    )


def test_exercise_difficulty_is_read():
    text = (
        "**1.** *(pen and paper, easy)* a\n**2. (medium)** b\n**3.** (medium to hard) c\n"
        "**4.** no mark\n"
    )
    assert _exercises(text) == {1: "easy", 2: "medium", 3: "hard", 4: "easy"}


def test_rule_is_read_from_the_plan():
    assert rule(_toy_plan("")) == Rule(
        words_per_minute=100,
        seconds_per_cell=30,
        minutes_per_explorer=2,
        minutes_per_exercise=5,
        minutes_per_medium_exercise=10,
        question_share=0.2,
        seconds_per_formula=30,
        minutes_per_figure=1,
        minutes_per_switch=1,
    )


@pytest.mark.parametrize(
    "rows, problem",
    [
        ("| 0–1 | `00` | *Notation* | | |\n", "the rule needs"),
        ("| 0–10 | `00` | *Notaton* | | |\n", "has no section"),
        ("| 0–10 | `00` | *Exercises* 7 | | |\n", "has no exercise"),
        ("| 0–10 | `00` | *Notation* | | |\n| 12–20 | — | break | | |\n", "does not start"),
        ("| 0–40 | `00` | *Notation* | | |\n| 40–60 | — | break | | |\n", "after 50 minutes"),
        ("| 0–10 | `99` | *Notation* | | |\n", "no single"),
    ],
)
def test_checker_catches(rows, problem):
    found = check(_toy_plan(rows))
    assert any(problem in p for p in found), found


def test_opening_is_shorter_than_the_whole_section():
    r = rule(_toy_plan(""))
    nb = notebook("03")
    with_subsections = [
        s
        for s in nb.sections
        if s.level == 2
        and any(
            t.level == 3 and not t.title.startswith("Aside:") and s.start < t.start < s.stop
            for t in nb.sections
        )
    ]
    title = with_subsections[0].title
    whole = estimate(nb, Block(0, 0, "03", [title]), r)
    opening = estimate(nb, Block(0, 0, "03", [title], openings=[title]), r)
    assert 0 < opening < whole


def test_checker_catches_a_wrong_pre_reading():
    plan = _toy_plan("| 0–10 | `00` | *Notation* | | |\n") + "\n**Pre-reading**: `00` *Notaton*\n"
    assert any("pre-reading 00 has no section 'Notaton'" in p for p in check(plan))


def test_checker_catches_a_missing_homework_exercise():
    plan = (
        _toy_plan("| 0–10 | `00` | *Notation* | | |\n") + "\n**Homework**: `00` exercises 2 and 9\n"
    )
    assert [p for p in check(plan) if "homework" in p] == [
        "A path (50 minutes): homework: 00_overview has no exercise 9"
    ]


def test_checker_catches_a_wrong_name_in_the_drop_list():
    plan = _toy_plan("| 0–10 | `00` | *Notation* | | |\n")
    plan += "\n## If time runs short\n\n- `00` *Notation*\n- `00` *Notaton*\n"
    assert check(plan) == ["If time runs short: 00 has no section 'Notaton'"]


def test_checker_counts_questions_switching_and_board_work():
    r = rule(_toy_plan(""))
    nb = notebook("00")
    plain = estimate(nb, Block(0, 0, "00", ["Notation"]), r)
    live = estimate(nb, Block(0, 0, "00", ["Notation"], board=4, live=True), r)
    assert live == pytest.approx(plain + 4 * 1.2 + 1)


def test_checker_counts_displayed_formulas_and_figures():
    r = rule(_toy_plan(""))
    md = "## S\n\nText $$a = b$$ and $$c$$.\n"
    nb = Notebook(
        ROOT / "x.md",
        [Piece("markdown", md), Piece("code", "gl.plots.show(fig, alt='a')")],
        [Section(2, "S", 0, 2)],
    )
    words = _words(md) / r.words_per_minute
    got = estimate(nb, Block(0, 0, "99", ["S"]), r)
    assert got == pytest.approx((words + 2 * 0.5 + 0.5 + 1) * 1.2)


def test_checker_refuses_an_aside_in_class():
    found = check(_toy_plan("| 0–20 | `00` | *Aside: history and credits* | | |\n"))
    assert any("is an aside" in p for p in found), found


def test_checker_catches_pre_reading_over_budget():
    plan = _toy_plan("| 0–10 | `00` | *Notation* | | |\n")
    over = (
        plan
        + "\n**Pre-reading** (at most 1 minutes): `00` "
        + "*The problem: a gradient through a discrete choice*\n"
    )
    assert any("more than its 1" in p for p in check(over)), check(over)
    assert not any("pre-reading" in p for p in check(over.replace("at most 1 ", "at most 100 ")))
    assert any("states no budget" in p for p in check(over.replace(" (at most 1 minutes)", "")))


def test_checker_passes_a_block_that_fits():
    assert check(_toy_plan("| 0–20 | `00` | *Notation*, *Exercises* 1 | | |\n")) == []
