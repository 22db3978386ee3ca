"""Tests of gumbel_lib's modules outside widgets/, one file per module (`make test-fast`)."""
