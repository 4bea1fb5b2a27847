"""A fake model API on 127.0.0.1 that Gemini CLI, Codex and opencode can talk to.

The agents' own CLIs run for real in the tests (and in the fixture capture),
only the model is fake: nothing may leave the machine.  One small rule decides
every reply, whatever the dialect: a prompt containing ``RUN_TOOL`` gets one
shell tool call first; once a tool result is in the conversation, or without
the marker, the reply is plain text.  Three dialects are spoken:

- Gemini (``…:streamGenerateContent?alt=sse``, ``…:generateContent``,
  ``…:countTokens``), reached through ``GOOGLE_GEMINI_BASE_URL``;
- OpenAI Responses (``/v1/responses``), which Codex uses;
- OpenAI chat completions (``/v1/chat/completions``), which opencode's
  bundled openai-compatible provider uses.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOOL_MARKER = "RUN_TOOL"
"""A prompt containing this gets one shell tool call before the text reply."""

ESCALATE_MARKER = "RUN_ESCALATED"
"""For Codex: the tool call asks to leave the sandbox, which makes it ask for approval."""

TOOL_COMMAND = "mkdir -p agent-console-fixture"
REPLY_TEXT = "Done."


def _wants_tool(request_text: str, has_tool_result: bool) -> bool:
    return TOOL_MARKER in request_text and not has_tool_result


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the name BaseHTTPRequestHandler gives it)
        """Quiet: the tests read the agents' timelines, not the request log."""

    def do_GET(self) -> None:
        self._json({"models": [], "data": [], "object": "list"})

    def do_POST(self) -> None:
        text = self._body().decode("utf-8", "replace")
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        if ":countTokens" in self.path:
            self._json({"totalTokens": 1})
        elif ":streamGenerateContent" in self.path:
            self._sse([(None, _gemini_reply(text))])
        elif ":generateContent" in self.path:
            self._json(_gemini_reply(text))
        elif self.path.rstrip("/").endswith("/responses"):
            self._sse(_responses_events(text))
        elif self.path.rstrip("/").endswith("/chat/completions"):
            self._sse([(None, chunk) for chunk in _chat_chunks(text)], done=True)
        else:
            self._json({})

    def _body(self) -> bytes:
        """The request body, sent with a length or chunked (Node's fetch streams it)."""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():
            pass
        return b"".join(chunks)

    def _json(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events: list[tuple[str | None, object]], done: bool = False) -> None:
        lines = []
        for name, body in events:
            if name:
                lines.append(f"event: {name}\n")
            lines.append(f"data: {json.dumps(body)}\n\n")
        if done:
            lines.append("data: [DONE]\n\n")
        data = "".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _gemini_reply(request_text: str) -> dict[str, Any]:
    try:
        contents = json.loads(request_text).get("contents", [])
    except (ValueError, AttributeError):
        contents = []
    last = json.dumps(contents[-1:]) if contents else ""
    if _wants_tool(last, "functionResponse" in last):
        part: dict[str, Any] = {"functionCall": {"name": "run_shell_command", "args": {"command": TOOL_COMMAND}}}
    else:
        part = {"text": REPLY_TEXT}
    return {
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
        "modelVersion": "fake",
    }


def _responses_events(request_text: str) -> list[tuple[str | None, object]]:
    try:
        items = json.loads(request_text).get("input", [])
    except (ValueError, AttributeError):
        items = []
    last_user = next((json.dumps(item) for item in reversed(items) if item.get("role") == "user"), "")
    has_result = any(item.get("type") == "function_call_output" for item in items)
    if _wants_tool(last_user, has_result):
        item: dict[str, Any] = {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "exec_command",
            "arguments": json.dumps(_codex_arguments(last_user)),
        }
    else:
        item = {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "content": [{"type": "output_text", "text": REPLY_TEXT, "annotations": []}],
        }
    usage = {
        "input_tokens": 1,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 1,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 2,
    }
    return [
        ("response.created", {"type": "response.created", "response": {"id": "resp_1"}}),
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}),
        ("response.completed", {"type": "response.completed", "response": {"id": "resp_1", "usage": usage}}),
    ]


def _codex_arguments(last_user: str) -> dict[str, str]:
    if ESCALATE_MARKER not in last_user:
        return {"cmd": TOOL_COMMAND}
    return {"cmd": TOOL_COMMAND, "sandbox_permissions": "require_escalated", "justification": "Make a folder?"}


def _chat_chunks(request_text: str) -> list[dict[str, Any]]:
    try:
        messages = json.loads(request_text).get("messages", [])
    except (ValueError, AttributeError):
        messages = []
    last_user = next((json.dumps(m) for m in reversed(messages) if m.get("role") == "user"), "")
    has_result = bool(messages) and messages[-1].get("role") == "tool"
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "fake"}
    if _wants_tool(last_user, has_result):
        call = {
            "index": 0,
            "id": "call_1",
            "type": "function",
            "function": {"name": "bash", "arguments": json.dumps({"command": TOOL_COMMAND, "description": "echo"})},
        }
        delta: dict[str, Any] = {"role": "assistant", "tool_calls": [call]}
        finish = "tool_calls"
    else:
        delta = {"role": "assistant", "content": REPLY_TEXT}
        finish = "stop"
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    return [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": usage},
    ]


class FakeModelApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def fake_model_api() -> Iterator[FakeModelApi]:
    """A running fake API, shut down on exit."""
    server = FakeModelApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

