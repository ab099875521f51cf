"""``--help`` as plain text: the commands' descriptions are their module docstrings, written
in reStructuredText for the code's readers; a terminal should not show the markup.

``plain_help(parser)`` rewrites the description, epilog and every argument's help of a parser
and of all its sub-commands, so a command added later gets the same treatment.
"""

from __future__ import annotations

import argparse
import re

_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_ROLE = re.compile(r":(?:[a-z]+:)?(?:func|class|meth|mod|attr|data|obj|ref|doc|envvar):`~?([^`]+)`")
_ESCAPED_SPACE = re.compile(r"\\ ")
_DOUBLE_BACKSLASH = re.compile(r"\\\\")


def plain_text(text: str) -> str:
    """``text`` without reST inline markup: ``code`` and :role:`target` keep their words."""
    text = _ROLE.sub(r"\1", text)
    text = _LITERAL.sub(r"\1", text)
    text = _ESCAPED_SPACE.sub("", text)
    return _DOUBLE_BACKSLASH.sub(r"\\", text)


def plain_help(parser: argparse.ArgumentParser) -> None:
    """Strip reST markup from ``parser``'s help texts and from all its sub-commands'."""
    for attribute in ("description", "epilog"):
        value = getattr(parser, attribute)
        if value:
            setattr(parser, attribute, plain_text(value))
    for action in parser._actions:
        if isinstance(action.help, str):
            action.help = plain_text(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if isinstance(choice.help, str):
                    choice.help = plain_text(choice.help)
            for subparser in set(action.choices.values()):
                plain_help(subparser)
