"""The package's layout, as docs/architecture.md draws it (issue 14).

1. Every module declares its public names in ``__all__``.
2. The sub-packages depend on each other in one direction only (the layers below): no import
   cycle, nothing imports the shells (``moodtune.cli``, ``moodtune.web``), and only the
   command line prints.
3. No module over 400 lines, no function over 60 lines.

Imports are read with :mod:`ast` from the source, wherever they are (module top or inside a
function: a lazy import is still a dependency). A module's ``if __name__ == "__main__":``
block and a top-level ``main()`` are left out here; tests/test_imports.py counts them too (no
library module imports the CLI, no cycle between modules).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import moodtune

PACKAGE = Path(moodtune.__file__).resolve().parent

#: The layers, bottom first: a unit may import only from units of lower layers (and from
#: itself). A unit is a sub-package (``moodtune.text``) or a top-level module
#: (``moodtune.errors``); ``moodtune`` is the package's own ``__init__``. Keep this table and
#: the picture in docs/architecture.md the same.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("emotions", "files", "progress", "assets"),
    ("moodtune", "reading"),
    ("data", "index"),
    ("model",),
    ("text", "collect", "audio"),
    ("vision", "catalogue"),
    ("senses",),
    ("recommend",),
    ("playlists", "distributed"),
    ("pipelines",),
    ("web",),
    ("cli",),
    ("__main__",),
)
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}
SHELLS = ("cli", "web")

#: Modules without ``__all__``: ``python -m moodtune``'s entry (nothing to import from it).
NO_ALL = {"moodtune.__main__"}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def unit(self) -> str:
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else "moodtune"


def _modules() -> list[Module]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        found.append(Module(name, path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


MODULES = _modules()


def _is_main_block(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    ) or (isinstance(node, ast.FunctionDef) and node.name == "main")


def _imports(module: Module, *, entries: bool = False) -> list[tuple[str, int]]:
    """``(imported moodtune module, line)`` for every import in ``module``; with ``entries``
    false, the ``python -m`` entries (main blocks, ``def main``) are left out."""
    found: list[tuple[str, int]] = []
    skipped = [] if entries else [n for n in module.tree.body if _is_main_block(n)]
    inside = {id(n) for block in skipped for n in ast.walk(block)}
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    for node in ast.walk(module.tree):
        if id(node) in inside:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "moodtune":  # from moodtune import assets / __version__
                found += [(f"moodtune.{alias.name}", node.lineno) for alias in node.names]
            else:
                found.append((base, node.lineno))
    return [(name, line) for name, line in found if name.split(".")[0] == "moodtune"]


def _unit_of(imported: str) -> str:
    parts = imported.split(".")
    if len(parts) == 1 or parts[1] not in RANK:  # moodtune itself, or moodtune.__version__
        return "moodtune"
    return parts[1]


def _all_params() -> list:
    return [pytest.param(m, id=m.name) for m in MODULES if m.name not in NO_ALL]


@pytest.mark.parametrize("module", _all_params())
def test_every_module_declares_its_public_names(module: Module) -> None:
    assigned = [
        node
        for node in module.tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(target, ast.Name) and target.id == "__all__"
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
    ]
    assert assigned, f"{module.path}: no __all__"
    namespace = {n.id for n in ast.walk(module.tree) if isinstance(n, ast.Name)}
    defined = {
        node.name
        for node in ast.walk(module.tree)
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    } | {
        alias.asname or alias.name.split(".")[0]
        for n in ast.walk(module.tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for alias in n.names
    }
    value = assigned[0].value
    if isinstance(value, ast.List | ast.Tuple):  # a literal list: every name must exist
        for element in value.elts:
            assert isinstance(element, ast.Constant), f"{module.path}: __all__ holds a non-string"
            assert element.value in defined | namespace | _assigned(module), (
                f"{module.path}: __all__ names {element.value!r}, which the module does not define"
            )


def _assigned(module: Module) -> set[str]:
    names = set()
    for node in module.tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_every_unit_has_a_layer() -> None:
    units = {module.unit for module in MODULES}
    assert units <= set(RANK), f"add {sorted(units - set(RANK))} to LAYERS"


def test_dependencies_point_down_the_layers() -> None:
    wrong = []
    for module in MODULES:
        for imported, line in _imports(module):
            target = _unit_of(imported)
            if target != module.unit and RANK[target] >= RANK[module.unit]:
                wrong.append(f"{module.path.relative_to(PACKAGE)}:{line} imports {imported}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_cycle_between_units() -> None:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        for imported, _ in _imports(module):
            if _unit_of(imported) != module.unit:
                graph.setdefault(module.unit, set()).add(_unit_of(imported))

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted(unit for unit in graph if unit in reach(unit))
    assert not cycles, f"units on an import cycle: {cycles}"


def test_nothing_imports_the_shells() -> None:
    wrong = []
    for module in MODULES:
        for imported, line in _imports(module):
            shell = _unit_of(imported)
            if shell in SHELLS and module.unit != shell and module.unit not in ("cli", "__main__"):
                wrong.append(f"{module.path.relative_to(PACKAGE)}:{line} imports {imported}")
    assert not wrong, "the CLI and the web app are shells:\n" + "\n".join(wrong)


def test_only_the_command_line_prints() -> None:
    wrong = []
    for module in MODULES:
        if module.unit in ("cli", "__main__"):
            continue
        entries = {id(n) for b in module.tree.body if _is_main_block(b) for n in ast.walk(b)}
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "print"
                and id(node) not in entries
            ):
                wrong.append(f"{module.path.relative_to(PACKAGE)}:{node.lineno}")
    assert not wrong, "print() outside the CLI (log to the 'moodtune' logger):\n" + "\n".join(wrong)


def _function_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function from ``def`` to its end, its docstring left out (a numpydoc
    docstring is documentation, not length of logic)."""
    length = (node.end_lineno or node.lineno) - node.lineno + 1
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        length -= (first.end_lineno or first.lineno) - first.lineno + 1
    return length


def _too_long() -> list[str]:
    found = []
    for module in MODULES:
        lines = len(module.path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{module.name}: {lines} lines")
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = _function_lines(node)
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{module.name}.{node.name}: {length} lines")
    return found


def test_no_module_over_400_lines_and_no_function_over_60() -> None:
    found = _too_long()
    assert not found, "too long:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "name",
    [m.name for m in MODULES if ">>>" in m.path.read_text(encoding="utf-8")],
)
def test_docstring_examples_run(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
