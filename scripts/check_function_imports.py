#!/usr/bin/env python3
"""Fail on an import of project code inside a function.

import-linter (pyproject.toml) checks which app may import which; an import written
inside a function would still be seen by it, but such imports usually hide a cycle or a
dependency the layers forbid, so the apps do not have them at all. The one exception is
`AppConfig.ready()`, Django's place for wiring signals and hooks once models are loaded.

Usage: scripts/check_function_imports.py [package …] (default: the apps and core).
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {
    "core",
    "notifications",
    "catalog",
    "orders",
    "payments",
    "aftersales",
    "settlement",
    "livestream",
    "demo",
    "hubei_market",
}


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return ["." if node.level else node.module or ""]
    return []


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = []

    def visit(node: ast.AST, function: str | None, in_ready: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                is_ready = child.name == "ready" and path.name == "apps.py"
                visit(child, child.name, in_ready or is_ready)
                continue
            if function and not in_ready:
                for module in _imported_modules(child):
                    if module == "." or module.split(".")[0] in PROJECT:
                        problems.append(
                            f"{path.relative_to(ROOT)}:{child.lineno}: "
                            f"import of {module} inside {function}()"
                        )
            visit(child, function, in_ready)

    visit(tree, None, False)
    return problems


def main(packages: list[str]) -> int:
    problems = []
    for package in packages or sorted(PROJECT):
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            problems += _problems(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} function-level import(s) of project code", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
