"""The ``langgraph-agentcore`` command: ``demo`` and ``local``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser; each subcommand module adds its own options."""
    from langgraph_agentcore import demo, local

    parser = argparse.ArgumentParser(
        prog="langgraph-agentcore",
        description="Durable LangGraph threads on DynamoDB and memory on AgentCore Memory.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True)
    demo.add_arguments(
        sub.add_parser("demo", help="run a conversation that survives a fresh runtime session")
    )
    local.add_arguments(
        sub.add_parser("local", help="run the local stack (DynamoDB + AgentCore Memory twin)")
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and ``python -m langgraph_agentcore``."""
    from langgraph_agentcore import demo, local

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # moto's embedded server logs every request at INFO
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    runners = {"demo": demo.run, "local": local.run}
    return runners[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
