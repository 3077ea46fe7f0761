"""The protocol package must stay usable without Odoo: no module in it may import odoo."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1]


def test_no_module_imports_odoo():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += ["%s: %s" % (path.relative_to(PACKAGE), n) for n in names if n.split(".")[0] == "odoo"]
    assert offenders == []
