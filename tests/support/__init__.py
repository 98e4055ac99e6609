"""Test support: service detection, stacks (app + store + broker + real worker), signing."""
