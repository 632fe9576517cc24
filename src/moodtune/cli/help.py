"""Help and usage errors in plain words, whatever Typer version renders them.

Typer 0.2x labels every option with its Python type (``--fresh <bool>``, ``<list[Path]>``)
and writes required arguments in braces (``moodtune predict [OPTIONS] {table}``).
:func:`plain_help` walks the Click command tree once and gives each parameter the classic
Click label instead: nothing after a flag, ``PATH``/``INTEGER``/``TEXT`` after an option that
takes a value, the choices for a choice, and ``TABLE`` / ``[IMAGE]`` / ``PATHS...`` for
arguments. :func:`one_line` turns a usage error into one line that says where to look.
"""

from __future__ import annotations

from typing import Any

import typer

__all__ = ["ClickException", "one_line", "plain_help"]

#: Click's base exception (vendored by Typer ≥ 0.2x, the click package before): found through
#: the public ``typer.BadParameter`` so that no private module is named.
ClickException: type[Exception] = next(
    cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException"
)


def plain_help(command: Any) -> Any:
    """Give every parameter of ``command`` and its subcommands a plain label; returns it."""
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument":
            _argument(param)
        elif param.param_type_name == "option":
            _option(param)
    original = command.get_help_option

    def help_option(ctx: Any) -> Any:  # made per context, after the other parameters
        option = original(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = help_option
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
    return command


def _argument(param: Any) -> None:
    name = (param.name or "value").upper()
    if param.nargs != 1:
        name += "..."
    param.metavar = name
    piece = name if param.required else f"[{name}]"
    # Typer 0.2x: the usage line and the type column take other methods than the metavar.
    param.get_usage_pieces = lambda ctx, piece=piece: [piece]
    param.display_type_rich = lambda ctx: None


def _option(param: Any) -> None:
    if param.is_flag or param.count:
        param.metavar = ""
        return
    if param.metavar is None:
        param.metavar = _value_label(param)


def _value_label(param: Any) -> str:
    """``PATH``, ``INTEGER``, ``TEXT``…, or ``[a|b|c]`` for a choice."""
    if hasattr(param, "display_type"):  # Typer 0.2x: "<path>", "<int range>", "<a|b>"
        label = param.display_type(None).strip("<>")
        if param.type_descriptor.is_choice:
            return f"[{label}]"
    else:  # Click's own parameter types
        choices = getattr(param.type, "choices", None)
        if choices:
            return "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
        label = param.type.name
    if label.startswith("list[") and label.endswith("]"):  # a repeatable option: one value
        label = label[5:-1]
    label = label.removesuffix(" range").upper()
    return {"INT": "INTEGER", "STR": "TEXT", "": "VALUE"}.get(label, label)


def one_line(error: Any) -> str:
    """A Click usage error as one line: the message and the help to read."""
    message = " ".join(str(error.format_message()).split()).rstrip(".")
    context = getattr(error, "ctx", None)
    if context is not None and type(error).__name__ != "ClickException":
        return f"{message} (see '{context.command_path} --help')"
    return message
