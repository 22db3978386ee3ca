"""What the tests share, one module per idea: a helper two test files need lives here.

- ``project``: the repository's root, its numbered notebooks (the one place they are listed) and
  each notebook run once per session;
- ``course``: which notebook introduces each part of ``gumbel_lib`` (the course's order);
- ``sections``: a notebook cut into its ``##`` / ``###`` sections;
- ``prose_numbers``: the numbers a notebook's prose states and the evidence for them;
- ``browser``: Debian's Chromium for Playwright, and how a missing browser skips or fails;
- ``axe``: axe-core's accessibility rules in a browser page;
- ``interrupt``: Ctrl-C stops the whole run and every process it started (hooks in conftest.py).

Fixtures live in ``tests/conftest.py`` (every folder sees them); processes are read through
``scripts/procs.py``, which the test hub shares.
"""
