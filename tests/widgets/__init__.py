"""Tests of the explorers in gumbel_lib/widgets/, one file per explorer (`make test-fast`)."""
