"""Files an instructor hands convkit beside the submissions (a Gradescope export's metadata, a
course's settings and seed), read safely: each within a size cap, YAML with a safe loader whose
aliases may not blow a document up. Whatever is wrong with one is a single line naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

YAML_NODES = 100_000
"""The most nodes a YAML document may hold once its aliases are expanded, past four times the nodes
it writes: aliases that repeat a node a few times pass, a "billion laughs" (829 bytes, a billion
strings) does not."""


def read_text(path: Path, most: int, error: type[Exception]) -> str:
    """`path`'s text (UTF-8, undecodable bytes replaced), or `error` with one line when it holds
    more than `most` bytes: the file is never read past that."""
    with path.open("rb") as handle:
        data = handle.read(most + 1)
    if len(data) > most:
        raise error(f"{path} is over {_size(most)}, more than such a file holds; it was not read")
    return data.decode("utf-8", errors="replace")


def _size(count: int) -> str:
    return f"{count >> 20} MiB" if count >= 1 << 20 else f"{count >> 10} KiB"


def load_yaml(path: Path, most: int, error: type[Exception]) -> Any:
    """The YAML document in `path` (`read_text`'s cap), loaded safely; `error` with one line when it
    cannot be read, is not YAML, nests too deep or expands past YAML_NODES through its aliases."""
    text = read_text(path, most, error)
    try:
        return yaml.load(text, Loader=_Bounded)  # noqa: S506 - a safe loader, bounded
    except _Expanding as expanding:
        raise error(f"{path} is not read: {expanding}") from None
    except yaml.YAMLError as invalid:
        raise error(f"{path} is not valid YAML ({str(invalid).splitlines()[0]})") from None
    except RecursionError:
        raise error(f"{path} is not read: it nests too deep") from None


class _Expanding(yaml.YAMLError):
    """A document whose aliases expand it too far, or refer to themselves."""


class _Bounded(yaml.SafeLoader):
    """The safe loader, refusing a document whose aliases expand it past YAML_NODES (and four times
    what it writes) before anything of it is built. Python's, not libyaml's: libyaml's parser
    overflows the C stack on a document nested 100,000 deep, where Python's raises
    RecursionError."""

    def construct_document(self, node: yaml.Node) -> Any:
        sizes: dict[int, int] = {}
        expanded = _expanded(node, sizes, set())
        most = max(YAML_NODES, 4 * len(sizes))
        if expanded > most:
            raise _Expanding(f"its aliases expand it to more than {most} nodes")
        return super().construct_document(node)


def _expanded(node: yaml.Node, sizes: dict[int, int], open_: set[int]) -> int:
    """How many nodes `node` holds with every alias expanded; `sizes` keeps each node's (so a node
    written once is counted once however often it is repeated), `open_` those being counted."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise _Expanding("an alias refers to a node that holds it")
    open_.add(key)
    if isinstance(node, yaml.SequenceNode):
        children: list[yaml.Node] = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = []
    sizes[key] = 1 + sum(_expanded(child, sizes, open_) for child in children)
    open_.discard(key)
    return sizes[key]
