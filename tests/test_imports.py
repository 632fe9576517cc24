"""Three measures of the imports under ``src/moodtune`` (issue 23), read with :mod:`ast`.

1. No import cycle between *modules* (not only between packages).
2. Nothing imports the shells ``moodtune.cli`` or ``moodtune.web`` except ``moodtune.__main__``
   and the shells themselves.
3. No module imports another top-level package's private name (a module ``_x`` or a name
   ``_x`` taken from ``moodtune.<other package>``); inside one package it is fine.

What counts as an import: every ``import``/``from ... import`` anywhere in a module, at its top
or inside a function or a ``__main__`` block (a lazy import is still a dependency and still
closes a cycle when it runs), except those under ``if TYPE_CHECKING:`` (never executed; they
exist for annotations only). ``from package import module`` is an import of that module; a
package's ``__init__`` runs before any of its modules whoever imports them, so it is not counted
as a dependency of its own modules unless they take a name from it.

A short script anyone can run; it prints what it finds and exits 1 when a measure fails::

    python tests/test_imports.py            # or: pytest tests/test_imports.py
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "moodtune"
SHELLS = ("moodtune.cli", "moodtune.web")


@dataclass(frozen=True)
class Import:
    importer: str  # the importing module, ``moodtune.audio.builtin``
    target: str  # the imported module, ``moodtune.cli.scripts``
    names: tuple[str, ...]  # names taken from it by ``from target import ...``
    line: int


def _module_names() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        found[".".join(relative.parts).removesuffix(".__init__")] = path
    return found


MODULES = _module_names()


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """Ids of the nodes under ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                inside |= {id(n) for child in node.body for n in ast.walk(child)}
    return inside


def _resolve(importer: str, path: Path, node: ast.ImportFrom) -> str:
    base = node.module or ""
    if not node.level:
        return base
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    parts = package.split(".")
    anchor = parts[: len(parts) - node.level + 1]
    return ".".join([*anchor, base] if base else anchor)


def imports() -> list[Import]:
    """Every executed import of a ``moodtune`` module by a ``moodtune`` module."""
    found: list[Import] = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                found += [Import(name, a.name, (), node.lineno) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path, node)
                modules = [a.name for a in node.names if f"{base}.{a.name}" in MODULES]
                names = tuple(a.name for a in node.names if a.name not in modules)
                if names:
                    found.append(Import(name, base, names, node.lineno))
                found += [Import(name, f"{base}.{m}", (), node.lineno) for m in modules]
    return [i for i in found if i.target.split(".")[0] == "moodtune"]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in imports():
        if imp.target in MODULES and imp.target != imp.importer:
            graph[imp.importer].add(imp.target)
    return graph


def module_cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(cycles)


def _is_shell(name: str) -> bool:
    return any(name == shell or name.startswith(shell + ".") for shell in SHELLS)


def shell_imports() -> list[str]:
    """Imports of ``moodtune.cli``/``moodtune.web`` from outside the two shells and
    ``moodtune.__main__`` (the CLI may import the web app it serves)."""
    return [
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for imp in imports()
        if _is_shell(imp.target)
        and not _is_shell(imp.importer)
        and imp.importer != "moodtune.__main__"
    ]


def _top(module: str) -> str:
    """The top-level package (or module) of ``moodtune.a.b``: ``a``; ``moodtune`` itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "moodtune"


def private_imports() -> list[str]:
    """Imports of a private module or name belonging to another top-level package."""
    wrong = []
    for imp in imports():
        if _top(imp.target) == _top(imp.importer):
            continue
        private_module = [p for p in imp.target.split(".")[1:] if p.startswith("_")]
        if private_module and private_module != ["__main__"]:
            wrong.append(f"{imp.importer}:{imp.line} imports {imp.target}")
            continue
        for name in imp.names:
            if name.startswith("_") and not name.startswith("__"):
                wrong.append(f"{imp.importer}:{imp.line} imports {name} from {imp.target}")
    return wrong


def test_no_import_cycle_between_modules() -> None:
    cycles = module_cycles()
    assert not cycles, "modules on an import cycle:\n" + "\n".join(map(" <-> ".join, cycles))


def test_nothing_under_src_imports_cli_or_web() -> None:
    wrong = shell_imports()
    assert not wrong, "only moodtune.__main__ may import the shells:\n" + "\n".join(wrong)


def test_no_import_of_another_packages_private_name() -> None:
    wrong = private_imports()
    assert not wrong, f"{len(wrong)} private names used across packages:\n" + "\n".join(wrong)


def test_the_measures_see_the_known_imports() -> None:
    """The reader itself works: a few imports that exist must be found."""
    found = {(i.importer, i.target) for i in imports()}
    assert ("moodtune.__main__", "moodtune.cli.main") in found
    assert any(importer.startswith("moodtune.cli") for importer, _ in found)


def main() -> int:
    failed = 0
    for title, found in (
        ("import cycles between modules", [" <-> ".join(c) for c in module_cycles()]),
        ("imports of moodtune.cli/moodtune.web from the library", shell_imports()),
        ("imports of another package's private names", private_imports()),
    ):
        print(f"{title}: {len(found)}")
        for line in found:
            print(f"  {line}")
        failed += bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
