"""The emotion model: training, evaluation, the artifact and its forward pass."""

__all__: list[str] = []
