"""The architecture as a test: the import-linter contracts of pyproject.toml, and the size of each unit.

Layers (pyproject.toml [tool.importlinter]): pages → ui → services → render → geo | data_access →
vocabulary; the app never imports the loader or the demo generator; the loader reads only the
vocabulary and never the demo generator (the CLI, etl/__main__.py, wires them); no package has an
import cycle between its modules. Units stay small enough to read: no function over 80 lines, no
module over 500 lines, outside tests.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_CODE = ["app.py", "pages", "ui", "services", "render", "geo", "data_access", "vocabulary", "etl",
                "demo", "bench"]
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500


def _python_files() -> list[Path]:
    files = []
    for name in PROJECT_CODE:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py")) if path.is_dir() else []
    return files


def test_every_import_points_downstream():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_function_over_80_lines_and_no_module_over_500():
    long_units = []
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_units.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_units.append(f"{name}:{node.lineno} {node.name}() is {length} lines")
    assert not long_units, "split these by job:\n" + "\n".join(long_units)


def test_nothing_imports_the_app_frame():
    """app.py is the router at the top: a module importing it would run the whole frame."""
    importers = [p.relative_to(ROOT).as_posix() for p in _python_files()
                 if any(isinstance(n, ast.Import) and any(a.name == "app" for a in n.names)
                        or isinstance(n, ast.ImportFrom) and n.module == "app"
                        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert importers == []
