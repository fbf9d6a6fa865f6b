"""Python source read as code: the string constants a module's code holds, its docstrings left
out (documentation may name what the code must not spell). Used by the scans that keep SQL out
of Python strings and run-folder names out of everything but their owner."""

from __future__ import annotations

import ast


def code_strings(tree: ast.AST) -> list[ast.Constant]:
    """Every string constant of a parsed module that is not a module, class or function
    docstring (f-strings are seen through their literal parts), in ``ast.walk`` order."""
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body and isinstance(node.body[0], ast.Expr)}
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docs]
