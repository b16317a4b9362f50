"""The ``langgraph-agentcore`` command.

Each subcommand lives in its own module with ``add_arguments(parser)`` and
``run(args) -> int``; to add one, add a line to :data:`COMMANDS` (imported lazily, so a
subcommand's dependencies load only when it runs).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

#: ``(name, module, help)`` of every subcommand, in ``--help`` order.
COMMANDS: list[tuple[str, str, str]] = [
    (
        "demo",
        "langgraph_agentcore.demo",
        "show the memory loop end to end: events, extracted records, recall, resume",
    ),
    (
        "local",
        "langgraph_agentcore.local",
        "run the local stack (DynamoDB + AgentCore Memory twin)",
    ),
    (
        "migrate",
        "langgraph_agentcore.migrate",
        "copy threads from a langgraph-checkpoint-aws DynamoDBSaver table",
    ),
    ("threads", "langgraph_agentcore.threads", "list, show, inspect and delete threads"),
    ("serve", "langgraph_agentcore.serve", "serve an AgentCore Runtime app (module:attr)"),
    ("invoke", "langgraph_agentcore.invoke", "send a turn to an app as AgentCore Runtime does"),
]


def _version() -> str:
    from langgraph_agentcore import __version__

    return __version__


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """``-v/--verbose`` that also works after the subcommand (``local --verbose``)."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,  # keep the value given before the subcommand
        help="log at DEBUG level (with `local`: every request the servers answer)",
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the argument parser; each subcommand module adds its own options.

    With ``argv``, only the module of the subcommand it names is imported (``--version``,
    ``--help`` and ``local`` stay fast); without it, every subcommand's options are added.
    """
    names = [name for name, _, _ in COMMANDS]
    chosen = None if argv is None else next((a for a in argv if a in names), "")
    parser = argparse.ArgumentParser(
        prog="langgraph-agentcore",
        description="Durable LangGraph threads on DynamoDB and memory on AgentCore Memory.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module, help_text in COMMANDS:
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        add_verbose(sub_parser)
        if chosen is None or chosen == name:
            importlib.import_module(module).add_arguments(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and ``python -m langgraph_agentcore``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    module = dict((name, mod) for name, mod, _ in COMMANDS)[args.command]
    code: int = importlib.import_module(module).run(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
