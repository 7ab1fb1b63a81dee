"""veRL's own code for the tests, from the installed wheel, without its GPU stack.

`import verl` runs verl/__init__.py, which imports torch, ray and tensordict
(about 4 GB with CUDA's libraries, which PyPI's torch needs even on a CPU).
The tests install veRL without those dependencies (scripts/python/
verl-tests.no-deps.txt) and run the code they exercise, unchanged, from
veRL's files:

- `verl_module("verl.utils.tracking")` imports a module whose own imports are
  light, with its parent packages registered as bare package objects, so that
  their __init__.py files (the torch imports) do not run;
- `verl_functions(file, names)` runs named functions of a veRL file whose
  module-level imports pull in torch, with only the imports those functions
  use: their code is veRL's. A function that needs torch fails to load, and a
  name it lacks fails with NameError, so the tests cannot drift from veRL.
"""

import ast
import functools
import importlib
import importlib.util
import os
import sys
import types


@functools.cache
def verl_root():
    """The installed verl package folder, found without importing it (and before any bare package stands in for it)."""
    spec = importlib.util.find_spec("verl")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("veRL is not installed in this Python; run `bash scripts/setup.sh` (it installs scripts/python/*.txt into .venv)")
    return spec.submodule_search_locations[0]


def config_dir():
    """veRL's Hydra config folder (verl/trainer/config)."""
    return os.path.join(verl_root(), "trainer", "config")


def _bare_packages(dotted):
    """Registers verl and its subpackages above `dotted` as package objects, without running their __init__.py."""
    parts = dotted.split(".")
    folder = os.path.dirname(verl_root())
    for i in range(1, len(parts)):
        folder = os.path.join(folder, parts[i - 1])
        name = ".".join(parts[:i])
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [folder]
            sys.modules[name] = package


def verl_module(dotted):
    """A veRL module, imported from its file under bare parent packages."""
    _bare_packages(dotted)
    return importlib.import_module(dotted)


def _bound_name(alias):
    return alias.asname or alias.name.split(".")[0]


def _used_names(nodes):
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}


def _imports_for(tree, functions):
    """The module-level imports of `tree` that `functions` use, each cut down to the names they use."""
    used = _used_names(functions)
    kept = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            kept.append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a for a in node.names if _bound_name(a) in used]
            if not names:
                continue
            modules = [a.name for a in names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] == "verl":
                    _bare_packages(module)
            copy = ast.Import(names=names) if isinstance(node, ast.Import) else ast.ImportFrom(module=node.module, names=names, level=node.level)
            kept.append(ast.copy_location(copy, node))
    return kept


def verl_functions(relative_file, names, class_name=None):
    """Named functions of a veRL file (relative to the verl folder), top-level or methods of `class_name`, with the imports they use."""
    path = os.path.join(verl_root(), relative_file)
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    scope = tree.body
    if class_name is not None:
        scope = next((n.body for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), [])
    functions = [n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in names]
    missing = set(names) - {f.name for f in functions}
    if missing:
        where = f"{class_name}." if class_name else ""
        sys.exit(f"{relative_file} of this veRL has no {where}{sorted(missing)[0]}: the test must follow veRL's code")
    for node in (n for f in functions for n in ast.walk(f)):
        # Imports inside the functions run at call time: their verl packages must be bare by then.
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "verl":
            _bare_packages(node.module)
    for f in functions:
        # A static method becomes a plain function; the decorator would need the class.
        f.decorator_list = [d for d in f.decorator_list if not (isinstance(d, ast.Name) and d.id == "staticmethod")]
    namespace = {"__name__": "verl_code"}
    exec(compile(ast.Module(body=_imports_for(tree, functions) + functions, type_ignores=[]), path, "exec"), namespace)
    return [namespace[n] for n in names]
