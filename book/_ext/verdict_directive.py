"""The ``{verdict}`` directive: the per-paper verdict admonition, generated from the result records at build time.

Usage in a MyST page (the landing page)::

    ```{verdict}
    ```

It renders :func:`hashlib_core.verdict.verdict_markdown` for the checkout's ``results/`` (or the
folder given as the directive's argument, relative to the checkout), so the verdict follows the
records without anyone editing the page.
"""
from __future__ import annotations

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


class VerdictDirective(SphinxDirective):
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        from hashlib_core.files import repo_root
        from hashlib_core.verdict import verdict_markdown

        results = repo_root() / (self.arguments[0] if self.arguments else "results")
        text = verdict_markdown(results)
        container = nodes.container()
        self.state.nested_parse(StringList(text.splitlines(), source="verdict"), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("verdict", VerdictDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
