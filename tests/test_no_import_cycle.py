"""Dependencies point one way: the core has no import circle and imports nothing of the shell.

The import graph is read from the source (``ast``; nothing is imported or run). Every
import counts, wherever it stands: at the top, inside a function, or under
``TYPE_CHECKING`` — a circle that only a late import keeps from failing at run time is
still a circle for a reader.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "pausepact"
CORE = f"{PACKAGE}.core"

# Circles inside the core that another change is removing; each must still exist (so this list only shrinks).
KNOWN_CORE_CIRCLES: set[frozenset[str]] = {
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """Every module ``name`` imports (absolute names; outside the package too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            submodules = {f"{target}.{a.name}" for a in node.names} & known
            # ``from . import evidence`` imports the module evidence; ``from .x import Y``, the module x
            yield from submodules
            if len(submodules) < len(node.names):
                yield target


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: set(imported(name, path, set(found))) for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (or a module importing itself); Tarjan."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges[v]:
                out.append(frozenset(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(edges)))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return out


def in_core(name: str) -> bool:
    return name == CORE or name.startswith(CORE + ".")


def test_the_graph_is_read() -> None:
    g = graph()
    assert "pausepact.core.engine.state" in g["pausepact.core.engine.machine"]
    assert "pausepact.core.engine.evidence" in g["pausepact.core.engine.machine"]  # from . import evidence as ev
    assert "pausepact.core.status" in g["pausepact.core.engine.state"]


def test_circles_are_found() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    assert circles({"a": {"a"}}) == [frozenset("a")]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_circle_inside_the_core() -> None:
    core = [c for c in circles(graph()) if any(in_core(m) for m in c)]
    unknown = [sorted(c) for c in core if c not in KNOWN_CORE_CIRCLES]
    assert unknown == [], f"import circles in the core: {unknown}"
    gone = [sorted(c) for c in KNOWN_CORE_CIRCLES if c not in core]
    assert gone == [], f"no longer a circle, remove from KNOWN_CORE_CIRCLES: {gone}"


def test_machine_and_state_are_one_way() -> None:
    g = graph()
    assert "pausepact.core.engine.machine" not in g["pausepact.core.engine.state"]


def test_the_core_imports_nothing_of_the_shell() -> None:
    outward = {m: sorted(t for t in ts if t.startswith(PACKAGE) and not in_core(t) and t != PACKAGE)
               for m, ts in graph().items() if in_core(m)}
    assert {m: ts for m, ts in outward.items() if ts} == {}
    assert not any(PACKAGE in ts for m, ts in graph().items() if in_core(m))  # nor the package face
