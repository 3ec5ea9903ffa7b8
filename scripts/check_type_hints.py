#!/usr/bin/env python3
"""Fail on a service, selector or task signature without type hints.

Services (`services.py` or a `services/` package, and the modules in ALSO that are
services or selectors under another name), selectors (`selectors.py`) and Celery tasks
(`tasks.py`) are what the rest of the code calls: each function there says what it takes
and returns. Every parameter but `self`/`cls`
has an annotation, and so does the return (private helpers, starting with `_`, too).

Usage: scripts/check_type_hints.py (checks the apps and core).
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "core",
    "notifications",
    "catalog",
    "orders",
    "payments",
    "gateway_sandbox",
    "aftersales",
    "settlement",
    "livestream",
]
KINDS = {"services", "selectors", "tasks"}
# Modules that are services or selectors under another name: the outbox's delivery,
# pricing, stock, rollups, counters, hooks' registries and what core offers every app.
ALSO = {
    "calendar",
    "channel_prices",
    "channels",
    "checkout",
    "counters",
    "db",
    "delivery",
    "languages",
    "locks",
    "messages",
    "names",
    "page_cache",
    "password_reset",
    "pricing",
    "reminders",
    "rendering",
    "revision",
    "rollups",
    "search",
    "search_documents",
    "shown_prices",
    "transitions",
    "viewers",
    "kinds",
}


def _is_checked(path: Path) -> bool:
    return path.stem in KINDS | ALSO or any(part in KINDS for part in path.parent.parts)


def _missing(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = function.args
    params = args.posonlyargs + args.args + args.kwonlyargs
    missing = [a.arg for a in params if a.annotation is None and a.arg not in ("self", "cls")]
    for extra in (args.vararg, args.kwarg):
        if extra is not None and extra.annotation is None:
            missing.append(f"*{extra.arg}")
    if function.returns is None:
        missing.append("return")
    return missing


def main() -> int:
    problems = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).is_dir() else []:
            if "migrations" in path.parts or not _is_checked(path.relative_to(ROOT)):
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in tree.body:  # module-level functions (and tasks)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    missing = _missing(node)
                    if missing:
                        problems.append(
                            f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}() "
                            f"has no type hint for {', '.join(missing)}"
                        )
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} signature(s) without type hints", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
