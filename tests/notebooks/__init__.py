"""Tests of the notebooks as a course: runs, md/ipynb pairs, prose, order, plan, slides."""
