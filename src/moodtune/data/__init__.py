"""Track tables: reading, checking and labelling them."""

__all__: list[str] = []
