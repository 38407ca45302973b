"""The code's shape, as docs/concepts/architecture.md describes it: layers and the module map."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "src" / "stalkrisk"

#: Each module's layer: a module may import its own layer and those below, never above.
LAYERS: list[set[str]] = [
    {
        "_version",
        "errors",
        "_internal",
        "_internal.canonical",
        "_internal.defaults",
        "_internal.documents",
        "_internal.files",
        "_internal.jsonschema",
        "_internal.public",
        "_internal.terminal",
        "_internal.validation",
    },
    {"schemas"},
    {"_internal.ogrs3", "features", "bands"},
    {"assessment", "explain"},  # Assessment.explain() is explain(assessment)
    {"instruments"},
    {"_internal.intake", "_internal.items", "_internal.vectorised", "scoring", "examples"},
    {"audit", "changes", "judgement", "signing", "synthetic"},
    {"batch", "report", "model", "testing"},
    {"cli", "__init__", "__main__"},
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def _layer(module: str) -> int:
    """The layer of a module: its own entry, or its package's (``batch._rows`` is ``batch``)."""
    candidates = [module]
    while "." in candidates[-1]:
        candidates.append(candidates[-1].rsplit(".", 1)[0])
    for name in candidates:
        for i, layer in enumerate(LAYERS):
            if name in layer:
                return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to the module map")


def _imports(path: Path, module: str) -> set[str]:
    """The stalkrisk modules a file imports (anywhere in it, deferred imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("stalkrisk.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from .schemas import ...
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *([node.module] if node.module else [])])
                found.add(f"stalkrisk.{target}" if target else "stalkrisk")
            elif node.module and node.module.startswith("stalkrisk"):
                found.add(node.module)
    return {m.removeprefix("stalkrisk").removeprefix(".") or "__init__" for m in found}


MODULES = sorted((p, _module_name(p)) for p in PACKAGE.rglob("*.py") if "_data" not in p.parts)


@pytest.mark.parametrize(("path", "module"), MODULES, ids=[m for _, m in MODULES])
def test_no_module_imports_a_higher_layer(path: Path, module: str) -> None:
    own = _layer(module if path.name != "__init__.py" or module != "stalkrisk" else "__init__")
    for target in _imports(path, module):
        if target == "__init__" or target.split(".")[0] == module.split(".", maxsplit=1)[0]:
            continue  # the package itself, or a module of its own package
        assert _layer(target) <= own, f"{module} (layer {own}) imports {target}"


def test_the_module_map_lists_every_module_and_package() -> None:
    page = (ROOT / "docs" / "concepts" / "architecture.md").read_text(encoding="utf-8")
    tree = page.split("src/stalkrisk/", 1)[1].split("```", 1)[0]
    listed = set(re.findall(r"^  (\S+?)/?\s", tree, flags=re.MULTILINE))
    present = {
        p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" or (p.is_dir() and p.name != "__pycache__"))
    }
    assert listed == present


def test_batch_modules_import_no_private_name_of_another() -> None:
    for path in (PACKAGE / "batch").glob("_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "stalkrisk.batch._"
            ):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"
