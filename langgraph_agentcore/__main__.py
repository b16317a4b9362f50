"""``python -m langgraph_agentcore`` runs the CLI."""

import sys

from langgraph_agentcore.cli import main

sys.exit(main())
