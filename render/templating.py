"""The Jinja2 environment the printable reports (render/templates/) are rendered with.

Autoescaping is on: ward, area and group names come from the council's files and from users, so every value a
template prints is escaped unless it is markup built by a template itself (a macro's output). The escaping is
the standard library's html.escape (quotes too, as `&quot;` and `&#x27;`), applied through the environment's
`finalize` hook, rather than markupsafe's own (which writes `&#34;` and `&#39;`): the pages then read byte for
byte as they did when they were built by string concatenation with html.escape, and None prints as nothing.

Whitespace: trim_blocks and lstrip_blocks, so a line holding only a block tag leaves nothing behind; templates
break long lines of markup at `{%- … -%}` / `{#- -#}` so the output keeps the exact lines of the printed page.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"


def _escaped(value: object) -> Markup:
    """What a template prints for `{{ value }}`: markup as it is, anything else html.escape'd, None as ''."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(html.escape("" if value is None else str(value)))


@functools.cache
def environment() -> jinja2.Environment:
    """One environment for the process (templates compile once and are cached by Jinja2)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, finalize=_escaped,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=False)


def render(template: str, /, **context: object) -> str:
    """`template` (a file under render/templates/) rendered with `context`, as text."""
    return environment().get_template(template).render(**context)


def macros(name: str):
    """The macros of template `name`, callable from Python (each returns markup)."""
    return environment().get_template(name).module
