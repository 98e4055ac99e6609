"""Batch sync framework: streams read the source in pages, the engine maps, compares
fingerprints, writes only what changed in bounded concurrent batches, and checkpoints."""

from connector.sync.stream import Page, Planned, Skip, Stream, Window, WriteOutcome

__all__ = ["Page", "Planned", "Skip", "Stream", "Window", "WriteOutcome"]
