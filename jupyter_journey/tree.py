"""The journey as a tree: children by parent, and a text drawing for terminals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .node import Node


def children_by_parent(nodes: Sequence[Node]) -> dict[int | None, list[Node]]:
    """Nodes grouped under their parent's id, each group oldest first."""
    children: dict[int | None, list[Node]] = defaultdict(list)
    for node in sorted(nodes, key=lambda n: n.id):
        children[node.parent_id].append(node)
    return children


def describe(node: Node) -> str:
    """One line for a node: id, iteration, accuracy with its interval and n."""
    if node.kind == "start":
        head = f"○ #{node.id} start"
    else:
        head = f"● #{node.id} iteration {node.iteration}"
    test = node.test
    if test.accuracy is None or test.interval is None:
        return f"{head}  accuracy n/a (no test samples)"
    low, high = test.interval
    return f"{head}  accuracy {test.accuracy:.4f} [{low:.3f}, {high:.3f}] n={test.n}"


def render_text(nodes: Sequence[Node]) -> str:
    """The tree drawn in text, like ``git log --graph``.

    A node's first child continues its column, so a straight run reads as one
    column; each later child starts a branch, indented, right under the node.
    A node that does not follow its parent's line says whose child it is.
    Every node is drawn once, even where damaged records break the tree: a
    node whose parent is missing, or that sits on a loop of parents, starts a
    tree of its own.
    """
    children = children_by_parent(nodes)
    known = {node.id for node in nodes}
    waiting = sorted(
        (n for n in nodes if n.parent_id is None or n.parent_id not in known),
        key=lambda n: n.id,
    )
    undrawn = {node.id: node for node in nodes}
    lines: list[str] = []
    previous: int | None = None
    while undrawn:
        root = waiting.pop(0) if waiting else undrawn[min(undrawn)]
        # A stack of (node, prefix of its first line, prefix of the lines below).
        stack = [(root, "", "")]
        while stack:
            node, first, rest = stack.pop()
            if undrawn.pop(node.id, None) is None:
                continue  # drawn already: the records loop back to it
            origin = ""
            if node.parent_id is not None and node.parent_id != previous:
                origin = f"  (from #{node.parent_id})"
            lines.append(f"{first}{describe(node)}{origin}")
            previous = node.id
            below = [n for n in children.get(node.id, []) if n.id in undrawn]
            if below:
                stack.append((below[0], rest, rest))
                for branch in reversed(below[1:]):
                    stack.append((branch, rest + "├─", rest + "│ "))
    return "\n".join(lines)
