"""The command line's inputs of the senses, from the registry :data:`moodtune.senses.SENSES`.

:func:`with_sense_options` gives a command one option per sense (``--image PATH``,
``--text WORDS``) and the generic ``--sense FIELD=VALUE`` (repeatable) for any sense,
including one registered after the command was built; the command receives them together as
``inputs`` (by field, None when not given).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from moodtune.senses import SENSES, SenseSpec, sense_for_field

__all__ = ["SenseOption", "sense_inputs", "sense_option", "with_sense_options"]

SenseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--sense",
        help="The input of a sense as FIELD=VALUE (a path for a sense that reads a file); "
        "repeat for several. Senses: "
        + ", ".join(f"{s.field} ({s.kind})" for s in SENSES.values()),
    ),
]


def sense_option(sense: SenseSpec) -> Any:
    """The Typer annotation of the option ``--FIELD`` of ``sense``."""
    kind = Path if sense.kind == "file" else str
    return Annotated[kind | None, typer.Option(f"--{sense.field}", help=sense.help)]


def sense_inputs(given: list[str] | None) -> dict[str, Any]:
    """``["hum=la la"]`` → ``{"hum": "la la"}``; a file sense's value as a Path.

    Raises :class:`typer.BadParameter` for a value without ``=`` or an unknown field.
    """
    inputs: dict[str, Any] = {}
    for item in given or []:
        field, equals, value = item.partition("=")
        if not equals:
            raise typer.BadParameter(f"--sense {item!r}: write FIELD=VALUE, e.g. text=rainy day")
        try:
            sense = sense_for_field(field.strip())
        except Exception as error:  # MoodtuneError: its message names the choices
            raise typer.BadParameter(str(error)) from None
        inputs[sense.field] = Path(value) if sense.kind == "file" else value
    return inputs


def with_sense_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command(…, inputs)`` → a Typer command with ``--FIELD`` for every sense and
    ``--sense FIELD=VALUE``, placed where ``inputs`` was; ``inputs`` maps every sense's
    field to what was given (None otherwise)."""
    signature = inspect.signature(command, eval_str=True)
    senses = list(SENSES.values())
    added = [
        inspect.Parameter(s.field, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=a)
        for s, a in ((s, sense_option(s)) for s in senses)
    ]
    generic = inspect.Parameter(
        "sense", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=SenseOption
    )
    parameters = []
    for parameter in signature.parameters.values():
        if parameter.name == "inputs":
            parameters += [*added, generic]
        else:
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        # the options are those of the senses registered when the command was made; a sense
        # removed since is left out unless it was given (then it is refused by name)
        now = {s.field for s in SENSES.values()}
        inputs = {s.field: kwargs.pop(s.field, None) for s in senses}
        inputs = {k: v for k, v in inputs.items() if v is not None or k in now}
        inputs.update(sense_inputs(kwargs.pop("sense", None)))
        return command(**kwargs, inputs=inputs)

    del wrapper.__wrapped__
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper
