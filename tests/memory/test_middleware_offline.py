"""The offline deterministic chat models the middleware tests, examples and demo use."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from langgraph_agentcore.nodes import system_message_with_memory
from langgraph_agentcore.offline import OfflineChatModel, ScriptedToolModel, ToolRule


@tool
def lookup(term: str) -> str:
    """Look a term up."""
    return term


@tool
def summarize(text: str) -> str:
    """Summarize a text."""
    return text


def test_offline_model_records_requests_and_answers_from_recalled_context() -> None:
    model = OfflineChatModel()
    system = SystemMessage(
        "Be brief.\n\n<user_context>\n- The user is vegetarian.\n</user_context>"
    )
    reply = model.invoke([system, HumanMessage("What should I cook?")])
    assert reply.content == "From long-term memory I remember: The user is vegetarian. (turn 1)"
    assert model.system_prompts == [system.content]
    assert model.invoke([HumanMessage("Hi, I'm Ada.")]).content == "Noted: name = Ada. (turn 1)"
    assert model.last_system_prompt == "" and len(model.requests) == 2


def test_scripted_model_calls_bound_tools_by_rule_and_chains_after_results() -> None:
    model = ScriptedToolModel(
        rules=[
            ToolRule("look up (\\w+)", "lookup", lambda text: {"term": text.split()[-1]}),
            ToolRule(".", "summarize", {"text": "done"}, after="lookup"),
        ]
    )
    bound = model.bind_tools([lookup, summarize])
    first = bound.invoke([HumanMessage("please look up otters")])
    assert isinstance(first, AIMessage)
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [("lookup", {"term": "otters"})]
    again = bound.invoke([HumanMessage("please look up otters")])
    assert [c["id"] for c in again.tool_calls] == [c["id"] for c in first.tool_calls]
    result = ToolMessage(
        "otters are mustelids", tool_call_id=first.tool_calls[0]["id"], name="lookup"
    )
    second = bound.invoke([HumanMessage("please look up otters"), first, result])
    assert [c["name"] for c in second.tool_calls] == ["summarize"]
    done = ToolMessage("done", tool_call_id=second.tool_calls[0]["id"], name="summarize")
    final = bound.invoke([HumanMessage("please look up otters"), first, result, second, done])
    assert final.tool_calls == [] and "summarize tool says: done" in final.content
    # without bound tools it never calls one
    assert model.invoke([HumanMessage("please look up otters")]).tool_calls == []


def test_system_message_with_memory_keeps_the_prompt_first() -> None:
    block = "<user_context>\n- x\n</user_context>"
    assert system_message_with_memory(None, None) is None
    assert system_message_with_memory("Hi", None) == SystemMessage("Hi")
    assert system_message_with_memory(None, block) == SystemMessage(block)
    assert system_message_with_memory("Hi", block).content == f"Hi\n\n{block}"
    blocks = SystemMessage([{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}])
    out = system_message_with_memory(blocks, block)
    assert out is not None and out.content[0] == blocks.content[0]
    assert out.content[1] == {"type": "text", "text": block}
