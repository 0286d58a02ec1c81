"""A tiny stand-in for the OpenAI and Anthropic HTTP APIs on 127.0.0.1, for the agent examples.

It lets `examples/agents_*.py` and the docs samples run without network or API key: the real
SDKs talk to it through `base_url=` (or `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`). It speaks
the JSON of `POST /v1/chat/completions`, `POST /v1/responses` and `POST /v1/messages`, and
"thinks" by rules:

- a user turn containing "A + B" calls a tool named `add` (or `<prefix>_add`), and "weather in
  City" calls `weather`, in parallel when both appear;
- a turn that carries tool results answers "Answer: <results joined by '; '>" (whitespace
  collapsed, so JSON results fit on one line);
- a request without tools (MCP sampling) answers "sampled: <first user text>", cut at the first
  stop sequence found in it.

Every request body is kept in `FakeLLM.requests` (tests assert on them). Run it alone with
``python examples/fake_llm.py`` (prints its URL).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ids = itertools.count(1)


class FakeLLM:
    """The fake API server, serving in a daemon thread until `stop()`; `url` is its base URL."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                path = self.path.split("?")[0].rstrip("/")
                outer.requests.append((path, body))
                if path.endswith("/chat/completions"):
                    reply = chat_completion(body)
                elif path.endswith("/responses"):
                    reply = response(body)
                elif path.endswith("/messages"):
                    reply = anthropic_message(body)
                else:
                    self.send_error(404)
                    return
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# ------------------------------------------------------------------------------- the "model"


def _tool_named(tools: list[str], base: str) -> str | None:
    return next((name for name in tools if name == base or name.endswith(f"_{base}")), None)


def plan(text: str, tools: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls the rules pick for a user's text."""
    calls: list[tuple[str, dict[str, Any]]] = []
    add = _tool_named(tools, "add")
    for a, b in re.findall(r"(-?\d+)\s*\+\s*(-?\d+)", text):
        if add:
            calls.append((add, {"a": int(a), "b": int(b)}))
    weather = _tool_named(tools, "weather")
    for city in re.findall(r"weather in ([A-Z][a-zA-Z]+)", text):
        if weather:
            calls.append((weather, {"city": city}))
    return calls


def sampled(text: str, stop: list[str] | None) -> tuple[str, str | None]:
    reply = f"sampled: {text}"
    for sequence in stop or ():
        if sequence in reply:
            return reply[: reply.index(sequence)], sequence
    return reply, None


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for part in content or ():
        if isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text"):
            texts.append(part["text"])
        elif isinstance(part, dict) and part.get("type") == "tool_result":
            texts.append(_text_of(part.get("content")))
    return "\n".join(texts)


def _answer(results: list[str]) -> str:
    return "Answer: " + "; ".join(" ".join(r.split()) for r in results)


def _first_user_text(messages: list[dict[str, Any]]) -> str:
    return next((_text_of(m.get("content")) for m in messages if m.get("role") == "user"), "")


# ------------------------------------------------------------------------- Chat Completions


def chat_completion(body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages", [])
    tools = [t["function"]["name"] for t in body.get("tools") or ()]
    last = messages[-1] if messages else {}
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None, "annotations": []}
    finish = "stop"
    if last.get("role") == "tool":
        results = [_text_of(m["content"]) for m in messages if m.get("role") == "tool"]
        message["content"] = _answer(results)
    elif not tools:
        message["content"], _ = sampled(_first_user_text(messages), body.get("stop"))
    elif calls := plan(_text_of(last.get("content")), tools):
        message["tool_calls"] = [
            {"id": f"call_{next(_ids)}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
            for n, a in calls
        ]
        finish = "tool_calls"
    else:
        message["content"] = "I cannot help with that."
    return {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        "system_fingerprint": "fp_fake",
    }


# -------------------------------------------------------------------------------- Responses


def response(body: dict[str, Any]) -> dict[str, Any]:
    items = body.get("input", [])
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    tools = [t["name"] for t in body.get("tools") or () if t.get("type") == "function"]
    last = items[-1] if items else {}
    output: list[dict[str, Any]]
    if last.get("type") == "function_call_output":
        results = [_text_of(i["output"]) for i in items if i.get("type") == "function_call_output"]
        output = [_output_message(_answer(results))]
    elif calls := plan(_text_of(last.get("content")), tools):
        output = [
            {"type": "function_call", "id": f"fc_{next(_ids)}", "call_id": f"call_{next(_ids)}", "name": n,
             "arguments": json.dumps(a), "status": "completed"}
            for n, a in calls
        ]  # fmt: skip
    else:
        output = [_output_message("I cannot help with that.")]
    return {
        "id": f"resp_{next(_ids)}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "model": body.get("model", "fake"),
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": body.get("tools") or [],
        "temperature": 1.0,
        "top_p": 1.0,
        "usage": {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        },
    }


def _output_message(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"msg_{next(_ids)}",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


# -------------------------------------------------------------------------------- Anthropic


def anthropic_message(body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages", [])
    tools = [t["name"] for t in body.get("tools") or ()]
    last = messages[-1] if messages else {}
    content = last.get("content")
    tool_results = [b for b in content if b.get("type") == "tool_result"] if isinstance(content, list) else []
    stop_reason, stop_sequence = "end_turn", None
    blocks: list[dict[str, Any]]
    if tool_results:
        blocks = [{"type": "text", "text": _answer([_text_of(b.get("content")) for b in tool_results])}]
    elif not tools:
        text, stop_sequence = sampled(_first_user_text(messages), body.get("stop_sequences"))
        blocks = [{"type": "text", "text": text}]
        stop_reason = "stop_sequence" if stop_sequence else "end_turn"
    elif calls := plan(_text_of(content), tools):
        blocks = [{"type": "tool_use", "id": f"toolu_{next(_ids)}", "name": n, "input": a} for n, a in calls]
        stop_reason = "tool_use"
    else:
        blocks = [{"type": "text", "text": "I cannot help with that."}]
    return {
        "id": f"msg_{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


if __name__ == "__main__":
    with FakeLLM() as fake:
        print(f"fake OpenAI/Anthropic API at {fake.url} (OpenAI base_url: {fake.url}/v1); Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
