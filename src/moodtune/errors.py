"""Errors that reach the user as a clear message instead of a traceback."""

from __future__ import annotations

__all__ = ["InputError", "MissingExtraError", "MoodtuneError"]


class MoodtuneError(Exception):
    """A problem the user can fix: bad input, a missing file, a wrong parameter.

    The message says what was wrong and, where it helps, what to do next. The CLI
    prints it and exits with status 2; the web API answers it with a 4xx and a JSON reason.
    """


class InputError(MoodtuneError):
    """Bad content in an input file: names the file and, where known, the row and column."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        where = []
        if path is not None:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class MissingExtraError(MoodtuneError):
    """An optional part of moodtune is used without its dependencies installed."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"this needs the optional dependency {module!r}; "
            f"install it with: pip install 'moodtune[{extra}]'"
        )
