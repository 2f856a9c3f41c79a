"""Which lines of a file an excerpt shows: whole definitions, or a note saying where it is cut.

A tour page names an excerpt by its first line (`start`, text on that line) and a
most lines it may take. In a Python file the excerpt is the statement that
starts there (a whole function, class or assignment, decorators included) plus
the statements after it at the same level that still fit; a definition longer
than the limit is cut, and the note says where and where it really ends. An
excerpt starting inside a function says which one. Other files (Pipfile, the
Procfile) end at the next `[section]`, at the limit, or at the end of the file.
"""

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    first: int  # 1-based, inclusive
    last: int
    cut: str  # "" when the excerpt holds whole definitions


def _start(node: ast.stmt) -> int:
    """A statement's first line, its decorators included."""
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _siblings(tree: ast.Module) -> dict[int, list[ast.stmt]]:
    """For each statement's first line, the statements from it to the end of its block
    (the outermost statement when several start on one line)."""
    found: dict[int, list[ast.stmt]] = {}
    for node in [tree, *ast.walk(tree)]:
        for value in ast.iter_fields(node):
            block = value[1]
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                for index, statement in enumerate(block):
                    found.setdefault(_start(statement), block[index:])
    return dict(sorted(found.items(), key=lambda item: item[0]))


def _enclosing_function(tree: ast.Module, line: int) -> ast.stmt | None:
    """The innermost function whose lines hold `line` (not as its first line)."""
    functions = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _start(node) < line <= node.end_lineno
    ]
    return max(functions, key=_start, default=None)


def python_span(source: str, first: int, limit: int) -> Span:
    tree = ast.parse(source)
    statements = _siblings(tree).get(first)
    if statements is None:
        # Not the start of a statement: show the lines, and say they are a fragment.
        function = _enclosing_function(tree, first)
        where = ""
        if function is not None:
            where = f" of {function.name}(), which starts at line {_start(function)}"
        return Span(first, first + limit - 1, f"an extract from the middle{where}")
    head = statements[0]
    if head.end_lineno - first + 1 > limit:
        last = first + limit - 1
        name = getattr(head, "name", None)
        what = f"{name}() continues" if name else "the statement continues"
        return Span(first, last, f"cut after line {last}: {what} to line {head.end_lineno}")
    last = head.end_lineno
    for statement in statements[1:]:
        if statement.end_lineno - first + 1 > limit:
            break
        last = statement.end_lineno
    function = _enclosing_function(tree, first)
    if function is not None:
        # Whole statements, but inside a function the reader does not see begin.
        note = f"from inside {function.name}(), which starts at line {_start(function)}"
        return Span(first, last, note)
    return Span(first, last, "")


def text_span(lines: list[str], first: int, limit: int) -> Span:
    """A section of a non-Python file: up to the next `[header]`, the limit or the end."""
    last = first
    while last < len(lines) and last - first + 1 < limit and not lines[last].startswith("["):
        last += 1
    while last > first and not lines[last - 1].strip():
        last -= 1  # no trailing blank lines
    following = lines[last:]
    whole = not following or not following[0].strip() or following[0].startswith("[")
    return Span(first, last, "" if whole else f"cut after line {last}: the section continues")


def span(path: str, text: str, first: int, limit: int) -> Span:
    if path.endswith(".py"):
        return python_span(text, first, limit)
    return text_span(text.splitlines(), first, limit)
