"""Rules of the codebase that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "huitong"
MAX_MODULE_LINES = 500


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_engine_never_imports_a_module() -> None:
    offenders = [
        f"{path.relative_to(ROOT.parent)} imports {name}"
        for path in (ROOT / "engine").rglob("*.py")
        for name in imports_of(path)
        if name.startswith("huitong.modules") or name in ("huitong.app", "huitong.demo", "huitong.cli")
    ]
    assert offenders == []


def test_migrations_do_not_import_application_code() -> None:
    offenders = [
        f"{path.name} imports {name}"
        for path in (ROOT / "engine" / "migrations" / "versions").glob("*.py")
        for name in imports_of(path)
        if name.startswith("huitong")
    ]
    assert offenders == []


def test_modules_stay_small() -> None:
    too_long = {
        str(path.relative_to(ROOT.parent)): length
        for path in ROOT.rglob("*.py")
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def test_no_type_name_branching_outside_the_type_registry() -> None:
    """Field-type behaviour lives in one class per type; other code must not test ``type == "currency"``."""
    allowed = {"types", "planner.py", "checks.py", "executor.py", "declare.py"}
    offenders = []
    for path in (ROOT / "engine").rglob("*.py"):
        if allowed & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value in ("currency", "percent", "decimal", "email", "phone", "url")
                for c in node.comparators
            ):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert offenders == []
