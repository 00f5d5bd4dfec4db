"""Indexing (placeholder until the indexing ops land)."""

__all__: list[str] = []
