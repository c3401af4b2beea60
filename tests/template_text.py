"""A checker for visible template text outside gettext (CONVENTIONS rule 6), used by
tests/test_i18n.py: literal text that people read in a page or a mail must be inside `_()` or
`{% trans %}`, so every string reaches the catalogs."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser

import jinja2
from jinja2 import nodes

# Attributes whose value people read (tooltips, screen readers, image text, empty-field hints).
VISIBLE_ATTRIBUTES = frozenset({"placeholder", "title", "aria-label", "alt"})
# Proper names that stay the same in every language: the product and its logo's initials.
NAMES = re.compile(r"\b(?:HelpRealm|HR)\b")
HIDDEN_ELEMENTS = frozenset({"script", "style"})
ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# Stands in for whatever a Jinja expression or tag prints, so the HTML around it still parses.
GAP = "\ue000"


def has_visible_words(text: str) -> bool:
    """Letters left once entities and names are gone; punctuation and symbols (· # : ( ) – →) are not
    words, and the `isalpha` test covers every script, not just Latin."""
    return any(char.isalpha() for char in NAMES.sub(" ", ENTITY.sub(" ", text)))


@dataclass(frozen=True)
class Finding:
    line: int
    text: str


class _VisibleTextFinder(HTMLParser):
    """Reports text content and visible attribute values of the literal HTML of one template."""

    def __init__(self, line_of: Callable[[int], int]) -> None:
        super().__init__(convert_charrefs=False)  # entities arrive apart from the text, and are ignored
        self.line_of = line_of
        self.line_starts: list[int] = []
        self.findings: list[Finding] = []
        self.hidden_depth = 0

    def check(self, html: str) -> list[Finding]:
        self.line_starts = [0] + [i + 1 for i, char in enumerate(html) if char == "\n"]
        self.feed(html)
        self.close()
        return self.findings

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _report(self, offset: int, text: str) -> None:
        shown = " ".join(text.strip(GAP + " \t\r\n").replace(GAP, "{{…}}").split())
        self.findings.append(Finding(self.line_of(offset), shown[:100]))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_ELEMENTS:
            self.hidden_depth += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and has_visible_words(value):
                self._report(self._offset(), f'{name}="{value}"')

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN_ELEMENTS:
            self.hidden_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_ELEMENTS and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth and has_visible_words(data):
            first_letter = next(i for i, char in enumerate(data) if char.isalpha())
            self._report(self._offset() + first_letter, data)


CHECKER_ENV = jinja2.Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
BLOCK_IN_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*["'][^"'<>]*\{%-?\s*block\s+(\w+)""")


def blocks_inside_attributes(sources: Iterable[str]) -> dict[str, str]:
    """Block name -> the attribute a layout puts it in (`<body class="{% block body_class %}...`): a
    child's text for such a block is an attribute value, not text on the page."""
    return {block: attribute.lower() for source in sources for attribute, block in BLOCK_IN_ATTRIBUTE.findall(source)}


def _literal_parts(node: nodes.Node, block: str | None = None) -> Iterator[tuple[nodes.TemplateData, str | None]]:
    """Jinja's TemplateData nodes in source order, each with the innermost block around it."""
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.TemplateData):
            yield child, block
        else:
            yield from _literal_parts(child, child.name if isinstance(child, nodes.Block) else block)


def find_untranslated_text(
    source: str, filename: str, attribute_blocks: Mapping[str, str] | None = None
) -> list[Finding]:
    """Literal template text (Jinja's TemplateData: not expressions, and not `{% trans %}` bodies,
    which the i18n extension turns into gettext calls) that people would read untranslated."""
    attribute_blocks = attribute_blocks or {}
    parts = list(_literal_parts(CHECKER_ENV.parse(source, filename=filename)))
    if filename.endswith(".txt"):  # a mail body: every literal word is read
        return [
            Finding(part.lineno + number, line.strip())
            for part, _block in parts
            for number, line in enumerate(part.data.split("\n"))
            if has_visible_words(line)
        ]
    findings = [
        Finding(part.lineno, f'{attribute_blocks[block]}="{part.data.strip()}"')
        for part, block in parts
        if attribute_blocks.get(block) in VISIBLE_ATTRIBUTES and has_visible_words(part.data)
    ]
    literal_parts = [part for part, block in parts if block not in attribute_blocks]
    # HTML: stitch the literal parts in source order with a GAP for each expression or tag between
    # them, parse once (a tag may start in one part and end in another), map offsets back to lines.
    html, starts = "", []
    for part in literal_parts:
        html += GAP
        starts.append(len(html))
        html += part.data

    def line_of(offset: int) -> int:
        index = max(bisect_right(starts, offset) - 1, 0)
        return literal_parts[index].lineno + html.count("\n", starts[index], offset)

    if literal_parts:
        findings += _VisibleTextFinder(line_of).check(html)
    return sorted(findings, key=lambda finding: finding.line)
