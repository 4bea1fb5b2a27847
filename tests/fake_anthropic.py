"""A fake Anthropic Messages API on 127.0.0.1, so the real ``claude`` CLI runs offline.

Claude Code streams ``POST /v1/messages`` (server-sent events) and, given a
``tool_use`` block, runs the tool and sends its result in the next request.
The fake is stateless: it answers from the conversation in each request, so
tests, the benchmark and a person at a shell can all drive it by what they
type.  The last user message (Claude Code also puts ``system`` ones after it)
picks the reply:

- it carries a ``tool_result``: the text ``Done.`` (the turn ends), or, for
  a ``ToolSearch`` result, the tool it loaded;
- ``@@bash COMMAND@@``: a ``Bash`` tool_use running COMMAND;
- ``@@ask QUESTION@@``: an ``AskUserQuestion`` tool_use with two options;
- ``@@agent KIND ARGUMENT@@``: an ``Agent`` tool_use whose subagent is told
  ``@@KIND ARGUMENT@@`` (``@@agent bash touch x@@``: a subagent that runs Bash);
- ``@@plan FIRST LINE@@``: in plan mode, a plan that starts with FIRST LINE
  for approval, as the real model makes one: a ``Write`` of the plan file
  Claude names in its instructions (2.1.332 reads the plan from there), a
  ``ToolSearch`` that loads ``ExitPlanMode`` where the request lists it as
  deferred (2.1.332), then ``ExitPlanMode`` with the plan;
- ``@@error@@``: HTTP 400 with an ``invalid_request_error`` body (StopFailure);
- ``@@slow SECONDS@@``: a text reply streamed over SECONDS;
- anything else: a two-line text reply whose first line is ``REPLY_FIRST_LINE``.

Only the standard library; run it by hand with ``python tests/fake_anthropic.py``.
"""

import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIRECTIVE = re.compile(r"@@(bash|ask|error|slow|agent|plan)(?: ([^@]*))?@@")
REPLY_FIRST_LINE = "All good here."
REPLY_TEXT = f"{REPLY_FIRST_LINE}\nNothing else to report."
TOOL_DONE_TEXT = "Done."
API_ERROR_MESSAGE = "fake: this request is refused"
ASK_OPTIONS = ("Yes", "No")
AGENT_DESCRIPTION = "Run the task it was given"
PLAN_STEPS = "\n\n1. Look at the code.\n2. Change it."
"""What follows a plan's first line: a plan is several lines, its first one says what it is."""
TOOL_SEARCH = "ToolSearch"
PLAN_FILE = re.compile(r"create your plan at (/[^ ]+?\.md) using the Write tool")
"""Where Claude Code (2.1.332) tells the model in plan mode to write the plan it will approve."""
PLAN_TOOL = "ExitPlanMode"
SLOW_CHUNKS = 10
"""A slow reply is cut into this many deltas spread over its duration, so the
CLI keeps receiving (an Esc lands while the model is still streaming)."""
MAX_BODY_BYTES = 64 * 1024 * 1024
"""Larger requests are refused: a whole conversation fits with room to spare."""


@dataclass
class Reply:
    """One scripted answer: text blocks, or one tool call, or an HTTP error."""

    text: str = ""
    tool: tuple[str, dict[str, Any]] | None = None
    error_status: int = 0
    seconds: float = 0.0


def reply_for(request: dict[str, Any]) -> Reply:
    """The reply the conversation so far asks for (see the module docstring)."""
    messages = request.get("messages") or []
    users = [message for message in messages if message.get("role") == "user"]
    blocks = _blocks(users[-1]) if users else []
    results = [block for block in blocks if block.get("type") == "tool_result"]
    if results:
        answered = _tool_named(messages, results[0].get("tool_use_id"))
        planned = _directive_argument(messages, "plan")
        if planned and answered in (TOOL_SEARCH, "Write"):
            return _plan_step(request, planned, answered)
        return Reply(text=TOOL_DONE_TEXT)
    match = DIRECTIVE.search(_text_of(blocks))
    if match is None:
        return Reply(text=REPLY_TEXT)
    kind, argument = match.group(1), (match.group(2) or "").strip()
    if kind == "bash":
        return Reply(tool=("Bash", {"command": argument, "description": "Run what the test asked for"}))
    if kind == "ask":
        options = [{"label": label, "description": f"Answer {label.lower()}"} for label in ASK_OPTIONS]
        question = {"question": argument, "header": "Question", "options": options, "multiSelect": False}
        return Reply(tool=("AskUserQuestion", {"questions": [question]}))
    if kind == "agent":
        task = {"description": AGENT_DESCRIPTION, "prompt": f"@@{argument}@@", "subagent_type": "general-purpose"}
        return Reply(tool=("Agent", task))
    if kind == "plan":
        return _plan_step(request, argument, None)
    if kind == "error":
        return Reply(error_status=400)
    return Reply(text=REPLY_TEXT, seconds=float(argument or 5))


def _plan_step(request: dict[str, Any], first_line: str, after: str | None) -> Reply:
    """The next step towards a plan's approval, ``after`` the tool whose result came last
    (see the module docstring)."""
    plan = first_line + PLAN_STEPS
    plan_file = PLAN_FILE.search(json.dumps(request))
    if after is None and plan_file is not None:
        return Reply(tool=("Write", {"file_path": plan_file.group(1), "content": plan}))
    listed = any(tool.get("name") == PLAN_TOOL for tool in request.get("tools") or [])
    if after != TOOL_SEARCH and not listed:
        return Reply(tool=(TOOL_SEARCH, {"query": f"select:{PLAN_TOOL}", "max_results": 1}))
    return Reply(tool=(PLAN_TOOL, {"plan": plan}))


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content", "")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _text_of(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(block.get("text", "") for block in blocks if block.get("type") == "text")


def _tool_named(messages: list[dict[str, Any]], tool_use_id: object) -> str | None:
    """The name of the tool_use ``tool_use_id`` answers, from the assistant's messages."""
    for message in messages:
        if message.get("role") == "assistant":
            for block in _blocks(message):
                if block.get("type") == "tool_use" and block.get("id") == tool_use_id:
                    return str(block.get("name"))
    return None


def _directive_argument(messages: list[dict[str, Any]], kind: str) -> str:
    """The argument of the latest ``@@kind ...@@`` the person typed in this conversation."""
    found = ""
    for message in messages:
        if message.get("role") == "user":
            for match in DIRECTIVE.finditer(_text_of(_blocks(message))):
                if match.group(1) == kind:
                    found = (match.group(2) or "").strip()
    return found


def sse_events(reply: Reply, model: str, message_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The stream of (event, data) pairs the Messages API sends for ``reply``."""
    usage = {"input_tokens": 10, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    message = {"id": message_id, "type": "message", "role": "assistant", "model": model, "content": [],
               "stop_reason": None, "stop_sequence": None, "usage": usage}
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": message})]
    if reply.tool is not None:
        name, tool_input = reply.tool
        start = {"type": "tool_use", "id": f"toolu_{message_id[4:]}", "name": name, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(tool_input)}
        stop_reason = "tool_use"
    else:
        start = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": reply.text}
        stop_reason = "end_turn"
    events.append(("content_block_start", {"type": "content_block_start", "index": 0, "content_block": start}))
    if reply.seconds and reply.tool is None:
        step = max(1, len(reply.text) // SLOW_CHUNKS)
        pieces = [reply.text[i:i + step] for i in range(0, len(reply.text), step)]
        events += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                            "delta": {"type": "text_delta", "text": piece}}) for piece in pieces]
    else:
        events.append(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}))
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                           "usage": {"output_tokens": 5}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return events


@dataclass
class FakeAnthropic:
    """The server on its own thread; ``requests`` records every Messages request body."""

    server: ThreadingHTTPServer
    requests: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls) -> "FakeAnthropic":
        fake = cls(_Server(("127.0.0.1", 0), _Handler))
        fake.server.fake = fake  # type: ignore[attr-defined]
        threading.Thread(target=fake.server.serve_forever, name="fake-anthropic", daemon=True).start()
        return fake

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def record(self, body: dict[str, Any]) -> int:
        """Keep ``body`` and return how many requests came before it."""
        with self._lock:
            self.requests.append(body)
            return len(self.requests) - 1

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-stream (Esc in Claude) is normal; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Speaks HTTP/1.0: one response per connection, the end of a stream is the close."""

    server_version = "fake-anthropic/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the name BaseHTTPRequestHandler gives it)
        """Quiet: a test reads ``requests`` instead of a log."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._json(413, {"type": "error", "error": {"type": "request_too_large", "message": "too large"}})
            return
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.startswith("/v1/messages/count_tokens"):
            self._json(200, {"input_tokens": 10})
            return
        if not self.path.startswith("/v1/messages"):
            self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})
            return
        number = self.server.fake.record(body)  # type: ignore[attr-defined]
        reply = reply_for(body)
        if reply.error_status:
            self._json(reply.error_status,
                       {"type": "error", "error": {"type": "invalid_request_error", "message": API_ERROR_MESSAGE}})
            return
        events = sse_events(reply, str(body.get("model", "claude-fake")), f"msg_fake{number:06d}")
        if not body.get("stream"):
            self._json(200, _assembled(events))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        deltas = sum(1 for name, _ in events if name == "content_block_delta")
        for name, data in events:
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()
            if name == "content_block_delta" and reply.seconds:
                time.sleep(reply.seconds / deltas)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _assembled(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The non-streaming form of the same reply (Claude Code asks so for side requests)."""
    message = dict(events[0][1]["message"])
    block = dict(events[1][1]["content_block"])
    text = "".join(d["delta"].get("text", "") for n, d in events if n == "content_block_delta")
    partial = "".join(d["delta"].get("partial_json", "") for n, d in events if n == "content_block_delta")
    block.update({"text": text} if block["type"] == "text" else {"input": json.loads(partial)})
    message.update(content=[block], stop_reason=events[-2][1]["delta"]["stop_reason"])
    return message


def refusing_port() -> socket.socket:
    """A TCP port on 127.0.0.1 that refuses every connection, for the proxy variables.

    The socket is bound but never listens, so connects get RST at once, and no
    other program can take the port while the caller keeps the socket open.
    """
    bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    bound.bind(("127.0.0.1", 0))
    return bound


if __name__ == "__main__":
    served = FakeAnthropic.start()
    print(f"ANTHROPIC_BASE_URL={served.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        served.stop()
