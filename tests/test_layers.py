"""The package's shape: layers that import only downward, no import cycles, small modules, and
function-level imports kept only where they keep Keras out of flag parsing (each with its comment).

The layers, top to bottom, are the `[importlinter]` contract of setup.cfg:
cli, recipes, runs, evaluation, training, sampling, data, models, core.
"""

import ast
import io
import os
import subprocess
import sys
import tokenize

import grimp

from tests.conftest import ROOT

PACKAGE = "gan_keras"
PACKAGE_DIR = os.path.join(ROOT, PACKAGE)
MAX_TOP_LEVEL_MODULES = 12
MAX_MODULE_LINES = 400
# Heavy imports that a function may hold back, and only to keep them out of flag parsing.
HEAVY_ROOTS = {"keras", "tensorflow", "jax", "torch", PACKAGE}


def _python_files():
    """Every .py file of the package, as paths relative to ROOT, sorted."""
    found = []
    for folder, subfolders, files in os.walk(PACKAGE_DIR):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        found += [os.path.relpath(os.path.join(folder, f), ROOT) for f in sorted(files) if f.endswith(".py")]
    return found


def _read(relative_path):
    with open(os.path.join(ROOT, relative_path), encoding="utf-8") as f:
        return f.read()


# (a) The layers contract.

def test_lint_imports_keeps_the_layers_contract():
    lint_imports = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    result = subprocess.run([lint_imports, "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, "lint-imports failed:\n" + result.stdout + result.stderr


# (b) No import cycles, counting the imports inside functions.

def _strongly_connected_components(graph):
    """Tarjan's algorithm, iterative: the components of `graph` ({module: set of modules})."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _one_cycle(graph, component):
    """A shortest cycle through the first module of `component`, as a list of modules."""
    start, members = component[0], set(component)
    paths, frontier = {start: [start]}, [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    return paths[node] + [start]
                if child not in paths:
                    paths[child] = paths[node] + [child]
                    following.append(child)
        frontier = following
    return component


def _describe_cycle(import_graph, cycle):
    lines = []
    for importer, imported in zip(cycle, cycle[1:]):
        details = import_graph.get_import_details(importer=importer, imported=imported)
        where = ", ".join(f"l.{d['line_number']}" for d in details)
        lines.append(f"  {importer} -> {imported} ({where})")
    return "\n".join(lines)


def test_strongly_connected_components_finds_a_cycle_and_leaves_a_chain():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    components = _strongly_connected_components(graph)
    assert sorted(components) == [["a", "b", "c"], ["d"], ["e"]]
    assert _one_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycles_between_the_package_modules():
    import_graph = grimp.build_graph(PACKAGE, cache_dir=None)
    graph = {m: import_graph.find_modules_directly_imported_by(m) - {m} for m in import_graph.modules}
    cycles = [c for c in _strongly_connected_components(graph) if len(c) > 1]
    message = []
    for component in cycles:
        message.append("cycle between " + ", ".join(component) + ":\n"
                       + _describe_cycle(import_graph, _one_cycle(graph, component)))
    assert not cycles, "\n".join(message)


# (c) Few top-level modules, none long.

def test_at_most_twelve_modules_at_the_top_of_the_package():
    entries = sorted(e for e in os.listdir(PACKAGE_DIR) if e != "__pycache__" and not e.startswith("."))
    assert len(entries) <= MAX_TOP_LEVEL_MODULES, f"{len(entries)} entries in {PACKAGE}/: {entries}"


def test_no_module_is_longer_than_400_lines():
    long = {path: n for path in _python_files() if (n := len(_read(path).splitlines())) > MAX_MODULE_LINES}
    assert not long, "\n".join(f"{path}: {n} lines (at most {MAX_MODULE_LINES})" for path, n in long.items())


# (d) Function-level imports of Keras, TensorFlow, JAX, PyTorch or the package say why they stay there.

def _heavy_function_imports(tree):
    """The import statements inside functions of `tree` that import one of HEAVY_ROOTS, by line."""
    found = {}
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {PACKAGE} if node.level else {(node.module or "").split(".")[0]}
            else:
                continue
            if roots & HEAVY_ROOTS:
                found[node.lineno] = node
    return [found[line] for line in sorted(found)]


def _uncommented(source, imports):
    """The line numbers of `imports` with no `#` comment on their lines or the line above.

    A block of imports (only blank lines between them) shares the comment above its first import.
    """
    comments = {token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT}
    lines = source.splitlines()
    bad, covered_until = [], None
    for node in imports:
        own = any(line in comments for line in range(node.lineno, node.end_lineno + 1))
        above = node.lineno >= 2 and lines[node.lineno - 2].strip().startswith("#")
        in_block = covered_until is not None and not any(
            line.strip() for line in lines[covered_until:node.lineno - 1])
        ok = own or above or in_block
        if not ok:
            bad.append(node.lineno)
        covered_until = node.end_lineno if ok else None
    return bad


def test_uncommented_finds_function_imports_without_a_comment():
    source = ("import keras\n\n\ndef f():\n    import numpy\n    import keras\n\n\ndef g():\n"
              "    # Keras loads only when a run starts.\n    import keras\n\n    from gan_keras.core import gan\n"
              "    x = 1\n    import torch\n\n\ndef h():\n    from . import x  # why\n    import tensorflow as tf\n")
    imports = _heavy_function_imports(ast.parse(source))
    assert [node.lineno for node in imports] == [6, 11, 13, 15, 19, 20]
    assert _uncommented(source, imports) == [6, 15]


def test_function_level_heavy_imports_have_a_comment_saying_why():
    bad = []
    for path in _python_files():
        source = _read(path)
        bad += [f"{path}:{line}" for line in _uncommented(source, _heavy_function_imports(ast.parse(source)))]
    assert not bad, ("function-level imports of keras/tensorflow/jax/torch/gan_keras without a comment (move "
                     "them to the top of the module, or say on the line above why they stay, e.g. "
                     "`# Keras loads only when a run starts, not while flags are parsed`):\n" + "\n".join(bad))
