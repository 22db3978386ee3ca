"""Tests of the course in people's hands: browser, exports, Binder, make targets, hub."""
