"""Typed usage of both clients, checked by `mypy --strict` (tests/test_typing.py); never run.

Each blocking `SyncClient` method must return exactly what the same-named `Client`
coroutine returns, and typical user handlers (plain or async functions) must be
accepted where the constructor and `call_tool` take handlers.
"""

from __future__ import annotations

from typing import Any, assert_type

from mcp import types

from mcpclient import (
    CallToolResult,
    Client,
    LogMessage,
    PromptTask,
    ResourceTask,
    SyncClient,
    SyncPromptTask,
    SyncResourceTask,
    SyncToolTask,
    ToolTask,
)
from mcpclient.handlers import HandlerContext
from mcpclient.skills import LoadedSkill, Skill, SkillsListResult
from mcpclient.subscriptions import EventStream
from mcpclient.sync.events import BlockingEventStream

TextOrBlob = types.TextResourceContents | types.BlobResourceContents
TaskResult = types.CallToolResult | types.ReadResourceResult | types.GetPromptResult
PROMPT_REF = types.PromptReference(type="ref/prompt", name="review_code")


def on_progress(progress: float, total: float | None, message: str | None) -> None: ...


async def on_progress_async(progress: float, total: float | None, message: str | None) -> None: ...


def on_log(message: LogMessage) -> None: ...


def on_sampling(
    messages: list[types.SamplingMessage], params: types.CreateMessageRequestParams, context: HandlerContext
) -> str:
    return "hi"


async def on_elicitation(
    message: str, response_type: Any, params: types.ElicitRequestParams, context: HandlerContext
) -> dict[str, Any]:
    return {"name": "Ada"}


def sync_usage() -> None:
    client = SyncClient(
        "server.py",
        timeout=10,
        log_handler=on_log,
        progress_handler=on_progress,
        sampling_handler=on_sampling,
        elicitation_handler=on_elicitation,
        roots=["."],
    )
    with client as entered:
        assert_type(entered, SyncClient)
    assert_type(client.connect(), SyncClient)
    assert_type(client.is_connected(), bool)
    assert_type(client.new(), SyncClient)
    assert_type(client.initialize_result, types.InitializeResult | None)
    assert_type(client.protocol_version, str | None)
    assert_type(client.initialize(), types.InitializeResult)
    assert_type(client.ping(), bool)
    assert_type(client.list_tools(), list[types.Tool])
    assert_type(client.list_tools_mcp(), types.ListToolsResult)
    assert_type(client.call_tool("add", {"a": 1, "b": 2}), CallToolResult)
    assert_type(client.call_tool("x", timeout=1.5, progress_handler=on_progress, raise_on_error=False), CallToolResult)
    assert_type(client.call_tool_mcp("x"), types.CallToolResult)
    assert_type(client.list_resources(), list[types.Resource])
    assert_type(client.list_resources_mcp(), types.ListResourcesResult)
    assert_type(client.list_resource_templates(), list[types.ResourceTemplate])
    assert_type(client.list_resource_templates_mcp(), types.ListResourceTemplatesResult)
    assert_type(client.read_resource("notes://today"), list[TextOrBlob])
    assert_type(client.read_resource_mcp("notes://today"), types.ReadResourceResult)
    assert_type(client.list_prompts(), list[types.Prompt])
    assert_type(client.list_prompts_mcp(), types.ListPromptsResult)
    assert_type(client.get_prompt("review_code", {"code": "x = 1"}), types.GetPromptResult)
    assert_type(client.get_prompt_mcp("review_code"), types.GetPromptResult)
    assert_type(client.complete(PROMPT_REF, {"name": "code", "value": "x"}), types.Completion)
    assert_type(client.complete_mcp(PROMPT_REF, {"name": "code", "value": "x"}), types.CompleteResult)
    assert_type(client.set_logging_level("info"), None)
    assert_type(client.send_roots_list_changed(), None)
    assert_type(client.cancel(1, "no longer needed"), None)
    assert_type(client.progress("token", 1.0, 2.0, "half"), None)
    assert_type(client.subscribe_resource("notes://today"), None)
    assert_type(client.unsubscribe_resource("notes://today"), None)
    assert_type(client.set_roots(["/tmp"]), None)
    assert_type(client.set_sampling_callback(on_sampling), None)
    assert_type(client.set_elicitation_callback(on_elicitation), None)
    # Task-augmented requests: the blocking twin of each async task type.
    assert_type(client.call_tool("x", task=True), SyncToolTask)
    assert_type(client.read_resource("notes://today", task=True), SyncResourceTask)
    assert_type(client.get_prompt("review_code", task=True), SyncPromptTask)
    assert_type(client.call_tool("x", task=True).result(), CallToolResult)
    assert_type(client.get_task_status("t1"), types.GetTaskResult)
    assert_type(client.get_task_result("t1"), TaskResult)
    assert_type(client.list_tasks(), types.ListTasksResult)
    assert_type(client.cancel_task("t1"), types.CancelTaskResult)
    skill = client.load_skill("pdf-processing")
    assert_type(skill, LoadedSkill)
    assert_type(client.list_skills(), list[Skill])
    assert_type(client.list_skills_mcp(), SkillsListResult)
    assert_type(client.get_skill("skill://pdf-processing/SKILL.md"), Skill)
    assert_type(client.read_skill_file(skill, "references/FORMS.md"), bytes)
    # Change events: a blocking iterator where async code has an async one.
    assert_type(client.events(timeout=5), BlockingEventStream)
    assert_type(client.async_client, Client)
    assert_type(client.close(), None)


async def async_usage() -> None:
    client = Client(
        "server.py",
        timeout=10,
        log_handler=on_log,
        progress_handler=on_progress_async,
        sampling_handler=on_sampling,
        elicitation_handler=on_elicitation,
        roots=["."],
    )
    async with client as entered:
        assert_type(entered, Client)
    assert_type(await client.connect(), Client)
    assert_type(client.is_connected(), bool)
    assert_type(client.new(), Client)
    assert_type(client.initialize_result, types.InitializeResult | None)
    assert_type(client.protocol_version, str | None)
    assert_type(await client.initialize(), types.InitializeResult)
    assert_type(await client.ping(), bool)
    assert_type(await client.list_tools(), list[types.Tool])
    assert_type(await client.list_tools_mcp(), types.ListToolsResult)
    assert_type(await client.call_tool("add", {"a": 1, "b": 2}), CallToolResult)
    assert_type(
        await client.call_tool("x", timeout=1.5, progress_handler=on_progress_async, raise_on_error=False),
        CallToolResult,
    )
    assert_type(await client.call_tool_mcp("x"), types.CallToolResult)
    assert_type(await client.list_resources(), list[types.Resource])
    assert_type(await client.list_resources_mcp(), types.ListResourcesResult)
    assert_type(await client.list_resource_templates(), list[types.ResourceTemplate])
    assert_type(await client.list_resource_templates_mcp(), types.ListResourceTemplatesResult)
    assert_type(await client.read_resource("notes://today"), list[TextOrBlob])
    assert_type(await client.read_resource_mcp("notes://today"), types.ReadResourceResult)
    assert_type(await client.list_prompts(), list[types.Prompt])
    assert_type(await client.list_prompts_mcp(), types.ListPromptsResult)
    assert_type(await client.get_prompt("review_code", {"code": "x = 1"}), types.GetPromptResult)
    assert_type(await client.get_prompt_mcp("review_code"), types.GetPromptResult)
    assert_type(await client.complete(PROMPT_REF, {"name": "code", "value": "x"}), types.Completion)
    assert_type(await client.complete_mcp(PROMPT_REF, {"name": "code", "value": "x"}), types.CompleteResult)
    assert_type(await client.set_logging_level("info"), None)
    assert_type(await client.send_roots_list_changed(), None)
    assert_type(await client.cancel(1, "no longer needed"), None)
    assert_type(await client.progress("token", 1.0, 2.0, "half"), None)
    assert_type(await client.subscribe_resource("notes://today"), None)
    assert_type(await client.unsubscribe_resource("notes://today"), None)
    assert_type(client.set_roots(["/tmp"]), None)
    assert_type(client.set_sampling_callback(on_sampling), None)
    assert_type(client.set_elicitation_callback(on_elicitation), None)
    assert_type(await client.call_tool("x", task=True), ToolTask)
    assert_type(await client.read_resource("notes://today", task=True), ResourceTask)
    assert_type(await client.get_prompt("review_code", task=True), PromptTask)
    assert_type(await (await client.call_tool("x", task=True)).result(), CallToolResult)
    assert_type(await client.get_task_status("t1"), types.GetTaskResult)
    assert_type(await client.get_task_result("t1"), TaskResult)
    assert_type(await client.list_tasks(), types.ListTasksResult)
    assert_type(await client.cancel_task("t1"), types.CancelTaskResult)
    loaded = await client.load_skill("pdf-processing")
    assert_type(loaded, LoadedSkill)
    assert_type(await client.list_skills(), list[Skill])
    assert_type(await client.list_skills_mcp(), SkillsListResult)
    assert_type(await client.get_skill("skill://pdf-processing/SKILL.md"), Skill)
    assert_type(await client.read_skill_file(loaded, "references/FORMS.md"), bytes)
    assert_type(client.events(), EventStream)
    assert_type(await client.close(), None)


def contrib_usage() -> None:
    from flask import Flask

    from mcpclient.contrib.django import get_client
    from mcpclient.contrib.flask import MCP

    mcp = MCP(Flask(__name__), timeout=30)
    assert_type(mcp.client, SyncClient)
    assert_type(get_client(), SyncClient)
