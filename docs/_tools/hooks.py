"""MkDocs hooks for the stalkrisk documentation site (see ``mkdocs.yml``).

Links out of ``docs/``
----------------------
The Markdown pages in ``docs/`` are also read on GitHub and in a source checkout, where a link
such as ``../examples/README.md`` leads to a file of the repository. The site cannot host those
files, so this hook rewrites each link that leaves ``docs/`` into the file's repository path in
plain text, and fails the strict build (a warning) if that file does not exist.

Sphinx roles in docstrings
--------------------------
The numpydoc docstrings use Sphinx cross-reference roles (``:class:`~stalkrisk.Case```), which
mkdocstrings renders as the role's name before the code. ``on_page_content`` drops the role,
and shortens a ``~``-prefixed name to its last part, as Sphinx does.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.plugins.stalkrisk")

_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]+)\]\((?P<target>\.\./[^)#\s]+)(?:#[^)]*)?\)")
_ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|exc|obj|const):<code>(~?)([^<]*)</code>")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def _rewrite(match: re.Match[str], page_dir: Path, root: Path, src: str) -> str:
    target = (page_dir / match["target"]).resolve()
    try:
        where = target.relative_to(root).as_posix()
    except ValueError:
        log.warning("%s links to %s, outside the repository", src, match["target"])
        return match[0]
    if not target.exists():
        log.warning("%s links to %s, which does not exist", src, where)
        return match[0]
    text = match["text"]
    if text.strip("`").rstrip("/") == where.rstrip("/"):
        return f"`{where}` (in the repository)"
    return f"{text} (`{where}` in the repository)"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Rewrite links to repository files outside ``docs/`` as their repository path."""
    docs = Path(config["docs_dir"]).resolve()
    root = Path(config["config_file_path"]).resolve().parent
    page_dir = (docs / page.file.src_uri).parent
    parts, last = [], 0
    for fence in _FENCE.finditer(markdown):  # leave code blocks alone
        parts.append(_sub(markdown[last : fence.start()], page_dir, root, docs, page.file.src_uri))
        parts.append(fence[0])
        last = fence.end()
    parts.append(_sub(markdown[last:], page_dir, root, docs, page.file.src_uri))
    return "".join(parts)


def _sub(text: str, page_dir: Path, root: Path, docs: Path, src: str) -> str:
    def replace(match: re.Match[str]) -> str:
        resolved = (page_dir / match["target"]).resolve()
        if resolved == docs or docs in resolved.parents:
            return match[0]  # inside docs/: MkDocs checks it
        return _rewrite(match, page_dir, root, src)

    return _LINK.sub(replace, text)


def _role(match: re.Match[str]) -> str:
    name = match[2].rsplit(".", 1)[-1] if match[1] else match[2]
    return f"<code>{name}</code>"


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Drop Sphinx roles (``:class:``) left in the HTML of docstrings."""
    return _ROLE.sub(_role, html)
