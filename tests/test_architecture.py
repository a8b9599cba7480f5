"""The folders are the layers (ARCHITECTURE.md): no module imports from a layer above its own."""
from __future__ import annotations

import ast
from pathlib import Path

import hashlib_core

PACKAGE = Path(hashlib_core.__file__).parent
#: top-level module or folder of hashlib_core → layer (ARCHITECTURE.md's table)
LAYERS = {
    "eval": 0, "files": 0, "machine": 0,
    "data": 1, "protocols": 1, "features": 1,
    "baselines": 2, "losses": 2, "methods": 2, "models": 2,
    "train": 3,
    "profiles": 4, "experiment": 4, "results": 4, "reproduce": 4,
    "papers": 5, "report": 5, "plots": 5, "display": 5, "dynamics": 5, "verdict": 5, "bookbuild": 5,
    "cli": 6, "__main__": 6, "__init__": 6,
}


def _top(module_path: Path) -> str:
    return module_path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The hashlib_core top-level names ``path`` imports, anywhere in the file (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hashlib_core"):
            parts = node.module.split(".")
            names.add(parts[1] if len(parts) > 1 else node.names[0].name)
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[1] for a in node.names if a.name.startswith("hashlib_core."))
    return names


def test_every_module_has_a_layer():
    tops = {_top(p) for p in PACKAGE.rglob("*.py")}
    assert tops <= set(LAYERS), sorted(tops - set(LAYERS))


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = LAYERS[_top(path)]
        upward += [f"{path.relative_to(PACKAGE)} (layer {own}) imports {name} (layer {LAYERS[name]})"
                   for name in _imports(path) if name in LAYERS and LAYERS[name] > own]
    assert not upward, "\n".join(upward)
