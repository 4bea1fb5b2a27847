"""The Textual application: one table of sessions, live from the daemon's signals.

The D-Bus client runs on Textual's own asyncio loop: ``SessionFollower``
subscribes before it lists, resyncs when the daemon restarts and reports
when it is gone, and each event it hands over touches only the rows it is
about (a changed row is re-rendered and repainted alone, and moves only when
its place in the urgency order changed).  Nothing polls the daemon; a
one-second tick only rewrites the durations whose text changed.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from agent_console.client.async_client import SessionsClient
from agent_console.client.follow import SessionFollower
from agent_console.client.mirror import Changed, NotRunning, Removed, SessionMirror, Snapshot, WatchEvent
from agent_console.dashboard.rows import (
    cells,
    columns,
    counts_line,
    duration_cell,
    matches,
    record_lines,
    widths,
)
from agent_console.dashboard.session_list import SessionList, row_text
from agent_console.errors import AgentConsoleError
from agent_console.focus.bring_forward import focus
from agent_console.presentation import SessionDict, elapsed, escape, name_of, now_us, urgency_key
from agent_console.vocabulary import WAITING

TICK_S = 1.0
"""How often durations are brought up to date; the smallest unit shown is a second."""
RECONNECT_S = 2.0
"""Wait before connecting again after the bus itself was unreachable or lost."""
COMPACT_WIDTH = 100
"""Below this many columns the table drops the id, agent and directory, and shows glyphs only."""
SHORT_HEIGHT = 12
"""Below this many lines the header and the footer make room for rows."""


def _same(old: Text, new: Text) -> bool:
    """Text's own ``==`` ignores the base style, and dimming a row changes only that."""
    return old.plain == new.plain and old.style == new.style and old.spans == new.spans


class FilterInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.clear_filter", "Clear filter")]


class ConfirmClose(ModalScreen[bool]):
    """Closing an open session is asked first: its agent keeps running and reports again on its next event."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Close it"),
        Binding("n,escape", "answer(False)", "Keep it"),
    ]
    DEFAULT_CSS = """
    ConfirmClose { align: center middle; }
    ConfirmClose > Static { width: auto; max-width: 80%; padding: 1 2; border: thick $warning; background: $surface; }
    """

    def __init__(self, session_name: str) -> None:
        super().__init__()
        self._session_name = session_name

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Close the open session {self._session_name}?  y: close it   n: keep it"))

    def action_answer(self, close: bool) -> None:
        self.dismiss(close)


class DashboardApp(App[None]):
    TITLE = "agent-console"
    ENABLE_COMMAND_PALETTE = False
    AUTO_FOCUS = "#sessions"
    """Keys go to the table from the start, not to the hidden filter field."""
    CSS = """
    #counts { height: 1; padding: 0 1; background: $panel; }
    #main { height: 1fr; }
    #table { width: 1fr; height: 1fr; }
    #columns { height: 1; text-style: bold; background: $boost; }
    #info { width: 60; height: 1fr; display: none; border-left: vkey $accent; padding: 0 1; overflow-y: auto; }
    #info.shown { display: block; }
    #filter { display: none; }
    #filter.shown { display: block; }
    Screen.-compact #info { width: 1fr; }
    Screen.-short #counts, Screen.-short Footer { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "toggle_info", "Info"),
        Binding("slash", "filter", "Filter"),
        Binding("a", "ack", "Seen"),
        Binding("d", "remove", "Remove"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, address: str | None = None) -> None:
        super().__init__()
        self._address = address
        self._client: SessionsClient | None = None
        self._mirror = SessionMirror()
        self._shown: dict[str, dict[str, Text]] = {}
        """The cells on screen, by session id: what a change is compared with."""
        self._needle = ""
        self._compact = False
        self._width = 0
        """The screen width the columns were laid out for."""
        self._sizes = widths(compact=False, screen_width=0)
        self._problem: str | None = "connecting to the daemon…"
        """Shown in the header instead of the counts: before the first list, and while the bus is unreachable."""
        self._info_record: SessionDict | None = None
        self._info_text = ""
        """The panel's text as last drawn: the tick redraws it only when a duration in it changed."""
        # Held here rather than queried: a timer or a signal may still fire while the app shuts down.
        self.table = SessionList(id="sessions")
        self._columns = Static(id="columns")
        self._counts = Static(id="counts")
        self._info = Static(id="info")
        self._filter = FilterInput(placeholder="filter: text in a name, id, directory, detail, agent or status", id="filter")

    def compose(self) -> ComposeResult:
        yield self._counts
        with Horizontal(id="main"):
            with Vertical(id="table"):
                yield self._columns
                yield self.table
            yield self._info
        yield self._filter
        yield Footer()

    def on_mount(self) -> None:
        """The columns are laid out on the first Resize, which a terminal may send before or after this."""
        self.set_interval(TICK_S, self._tick)
        self._follow()

    # The daemon

    @work(exclusive=True, group="follow")
    async def _follow(self) -> None:
        """Connect, follow until the bus connection is lost, connect again: forever, until quit."""
        while True:
            try:
                self._client = await SessionsClient.connect(self._address)
                follower = SessionFollower(self._client, self._on_event)
                self._mirror = follower.mirror
                await follower.run()
            except AgentConsoleError as error:
                self._problem = f"{error}; trying again every {RECONNECT_S:g} s"
            finally:
                if self._client is not None:
                    self._client.close()
                    self._client = None
            self._mirror.lose()
            self._rebuild()
            await asyncio.sleep(RECONNECT_S)

    async def _on_event(self, event: WatchEvent, mirror: SessionMirror) -> None:
        self._problem = None
        match event:
            case Snapshot() | NotRunning():
                self._rebuild()
            case Changed(session, _):
                self._upsert(session)
            case Removed(session_id, _):
                self._drop(session_id)
        self._show_counts()
        if self._info_record is not None and self._info_record.get("id") == self._selected_id():
            self._load_info()

    # Rows

    def _rebuild(self) -> None:
        """The whole table anew: at start, after a resync, a new filter or a new layout; drawn once."""
        with self.batch_update():
            self._fill()
        self._show_counts()

    def _fill(self) -> None:
        self._sizes = widths(self._compact, self._width)
        shown = columns(self._compact)
        self._columns.update(
            row_text([Text(column.heading(self._sizes[column.key])) for column in shown], list(self._sizes.values()))
        )
        at_us = now_us()
        self._shown = {s["id"]: cells(s, at_us, self._sizes) for s in self._visible_sessions()}
        self.table.reset(
            list(self._sizes.values()),
            [(session_id, self._key(session_id), self._in_order(row)) for session_id, row in self._shown.items()],
        )

    def _visible_sessions(self) -> list[SessionDict]:
        return [s for s in self._mirror.current() or [] if matches(s, self._needle)]

    def _key(self, session_id: str) -> tuple[int, int, str]:
        return urgency_key((self._mirror.sessions or {})[session_id])

    def _in_order(self, row: dict[str, Text]) -> list[Text]:
        return [row[key] for key in self._sizes]

    def _upsert(self, session: SessionDict) -> None:
        session_id = session["id"]
        if not matches(session, self._needle):
            self._drop(session_id)
            return
        new = cells(session, now_us(), self._sizes)
        old = self._shown.get(session_id)
        self._shown[session_id] = new
        if old is not None and all(_same(old[key], new[key]) for key in new) and not self._moved(session_id):
            return
        self.table.put(session_id, self._key(session_id), self._in_order(new))

    def _moved(self, session_id: str) -> bool:
        return self.table.key_of(session_id) != self._key(session_id)

    def _drop(self, session_id: str) -> None:
        if self._shown.pop(session_id, None) is not None:
            self.table.drop(session_id)

    def _selected_id(self) -> str | None:
        return self.table.selected_id

    def _tick(self) -> None:
        """Durations grow by themselves: rewrite each one whose text changed, nothing else.

        Only the text is compared (no cell is built for a duration that did
        not change), and the changed rows go to the table at once, which
        repaints those on screen: a second in which no duration changed
        draws nothing, and one in which many did draws one frame.
        """
        at_us = now_us()
        sessions = self._mirror.sessions or {}
        changed: dict[str, list[Text]] = {}
        for session_id, row in self._shown.items():
            session = sessions.get(session_id)
            if session is not None and elapsed(session.get("since"), at_us) != row["for"].plain:
                row["for"] = duration_cell(session, at_us)
                changed[session_id] = self._in_order(row)
        if changed:
            self.table.set_cells(changed)
        if self._info_record is not None:
            fresh = record_lines(self._info_record, at_us)
            if fresh.plain != self._info_text:
                self._info_text = fresh.plain
                self._info.update(fresh)

    def _show_counts(self) -> None:
        if self._problem:
            self._counts.update(Text(self._problem))
        else:
            self._counts.update(counts_line(self._mirror.current(), len(self._shown), self._needle, self._compact))

    # Layout

    def on_resize(self, event: Resize) -> None:
        """A new width shares the flexible columns anew; below ``COMPACT_WIDTH`` the compact columns."""
        self.screen.set_class(event.size.width < COMPACT_WIDTH, "-compact")
        self.screen.set_class(event.size.height < SHORT_HEIGHT, "-short")
        if event.size.width != self._width:
            self._width = event.size.width
            self._compact = self._width < COMPACT_WIDTH
            self._rebuild()

    # Keys

    async def action_focus_session(self) -> None:
        session = self._selected_session()
        if session is None:
            return
        try:
            focused = await asyncio.to_thread(focus, session)
        except AgentConsoleError as error:
            self.notify(escape(str(error)), severity="error", markup=False)
            return
        self.notify(f"focused {escape(', '.join(focused))}", markup=False)

    def action_toggle_info(self) -> None:
        info = self._info
        info.toggle_class("shown")
        if info.has_class("shown"):
            self._load_info()
        else:
            self._info_record = None

    @on(SessionList.Highlighted)
    def _highlighted(self) -> None:
        if self._info.has_class("shown"):
            self._load_info()

    @work(exclusive=True, group="info")
    async def _load_info(self) -> None:
        """``Get`` for the history, which signals leave out; the mirror's copy while it cannot be had."""
        session = self._selected_session()
        info = self._info
        if session is None:
            self._info_record = None
            info.update(Text("no session selected"))
            return
        record = session
        if self._client is not None:
            try:
                record = await self._client.get(session["id"])
            except AgentConsoleError:
                record = session
        self._info_record = record
        text = record_lines(record, now_us())
        self._info_text = text.plain
        info.update(text)

    def action_filter(self) -> None:
        field = self._filter
        field.add_class("shown")
        field.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._needle = event.value
        self._rebuild()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self._filter.remove_class("shown")
        self.table.focus()

    def action_clear_filter(self) -> None:
        field = self._filter
        field.value = ""
        self._filter_done()

    def action_ack(self) -> None:
        """``a``: the selected wait is seen (as ``agent-console ack``); the row shows it when its signal comes."""
        session = self._selected_session()
        if session is None:
            return
        if session.get("status") not in WAITING:
            self.notify(f"{name_of(session)} is not waiting: nothing to mark seen", markup=False)
            return
        self._call(lambda client: client.ack(session["id"]))

    def action_remove(self) -> None:
        """``d``: a closed session goes at once; an open one is closed (reason ``user``) once confirmed."""
        session = self._selected_session()
        if session is None or self._client is None:
            return
        if session.get("status") == "closed":
            self._call(lambda client: client.remove(session["id"]))
            return

        def answered(close: bool | None) -> None:
            if close:
                self._call(lambda client: client.set(session["id"], "closed"))

        self.push_screen(ConfirmClose(name_of(session)), answered)

    @work(group="calls")
    async def _call(self, action: Callable[[SessionsClient], Awaitable[object]]) -> None:
        """The change shows when its signal comes back, like any other; only a failure is reported here."""
        if self._client is None:
            return
        try:
            await action(self._client)
        except AgentConsoleError as error:
            self.notify(escape(str(error)), severity="error", markup=False)

    def _selected_session(self) -> SessionDict | None:
        selected = self._selected_id()
        return None if selected is None else (self._mirror.sessions or {}).get(selected)
