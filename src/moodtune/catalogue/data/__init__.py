"""Data files shipped with the recommender (the TidyTuesday songs)."""

__all__: list[str] = []
