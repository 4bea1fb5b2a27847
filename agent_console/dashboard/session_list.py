"""The table of sessions: a scrolling list that draws only the lines on screen.

Textual's DataTable measures every cell of every row it is given and
redraws the whole table on any cell change; with 1,000 sessions that made
the first screen take seconds.  Here each row is rendered once into a
cached strip when it is first shown, a change re-renders that one row and
repaints its line only, and the order is kept by inserting each row where
it belongs (the urgency key), never by sorting the table.
"""

from bisect import bisect_left
from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

OrderKey = tuple[int, int, str]
CELL_GAP = 1
"""Blank cells on either side of a column's text."""


class SessionList(ScrollView, can_focus=True):
    """Rows of cells in urgency order, one highlighted; Enter asks the app to focus it.

    No horizontal scrolling: the columns are laid out for the screen's width,
    and a side panel simply hides the last ones.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "app.focus_session", "Focus"),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "move(-1_000_000)", "First", show=False),
        Binding("end", "move(1_000_000)", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"session-list--cursor"}
    DEFAULT_CSS = """
    SessionList { height: 1fr; overflow-x: hidden; }
    SessionList > .session-list--cursor { background: $accent; color: $text; text-style: bold; }
    """
    """The selected row is drawn over its cells' own styles (see ``render_line``), so its
    background shows whatever the row's colours; under NO_COLOR it is in reverse video."""

    class Highlighted(Message):
        """The cursor moved to another session (or the list emptied: None)."""

        def __init__(self, session_id: str | None) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's own name
        super().__init__(id=id)
        self._order: list[str] = []
        self._keys: dict[str, OrderKey] = {}
        self._cells: dict[str, list[Text]] = {}
        self._strips: dict[str, Strip] = {}
        self._widths: list[int] = []
        self.cursor = 0

    # What the app changes

    def reset(self, widths: Sequence[int], rows: Sequence[tuple[str, OrderKey, list[Text]]]) -> None:
        """Every row anew (``rows`` in any order), keeping the cursor on its session if it stays."""
        selected = self.selected_id
        self._widths = list(widths)
        self._keys = {session_id: key for session_id, key, _ in rows}
        self._cells = {session_id: cells for session_id, _, cells in rows}
        self._order = sorted(self._keys, key=self._keys.__getitem__)
        self._strips.clear()
        self._after_reorder(selected)

    def put(self, session_id: str, key: OrderKey, cells: list[Text]) -> None:
        """Add a row, or change one: its line is repainted, the others only if it moved."""
        selected = self.selected_id
        self._cells[session_id] = cells
        self._strips.pop(session_id, None)
        if self._keys.get(session_id) == key:
            self.refresh_line(self._order.index(session_id))
            return
        if session_id in self._keys:
            self._order.remove(session_id)
        self._keys[session_id] = key
        self._order.insert(bisect_left(self._order, key, key=self._keys.__getitem__), session_id)
        self._after_reorder(selected)

    def drop(self, session_id: str) -> None:
        if session_id not in self._keys:
            return
        selected = self.selected_id
        self._order.remove(session_id)
        del self._keys[session_id], self._cells[session_id]
        self._strips.pop(session_id, None)
        self._after_reorder(selected)

    def set_cells(self, changed: dict[str, list[Text]]) -> None:
        """New cells for rows that keep their place (the durations of a tick): the rows on screen
        are repainted, the others are drawn anew only if they scroll into view."""
        for session_id, cells in changed.items():
            self._cells[session_id] = cells
            self._strips.pop(session_id, None)
        top = self.scroll_offset.y
        for y, session_id in enumerate(self._order[top : top + self.scrollable_content_region.height]):
            if session_id in changed:
                self.refresh_line(top + y)

    def cells_of(self, session_id: str) -> list[Text]:
        return self._cells[session_id]

    def key_of(self, session_id: str) -> OrderKey | None:
        return self._keys.get(session_id)

    @property
    def ids(self) -> list[str]:
        """The sessions in the order shown."""
        return list(self._order)

    @property
    def selected_id(self) -> str | None:
        return self._order[self.cursor] if self.cursor < len(self._order) else None

    def _after_reorder(self, selected: str | None) -> None:
        self.virtual_size = Size(0, len(self._order))
        if selected in self._keys:
            self.cursor = self._order.index(selected)
        self._place_cursor(min(self.cursor, max(0, len(self._order) - 1)))
        self.refresh()

    # Moving

    def action_move(self, rows: int) -> None:
        self._place_cursor(max(0, min(len(self._order) - 1, self.cursor + rows)))

    def action_page(self, pages: int) -> None:
        self.action_move(pages * max(1, self.scrollable_content_region.height))

    def on_click(self, event: Click) -> None:
        """A click selects; only Enter jumps."""
        offset = event.get_content_offset(self)
        if offset is not None and offset.y + self.scroll_offset.y < len(self._order):
            self._place_cursor(offset.y + self.scroll_offset.y)

    def _place_cursor(self, row: int) -> None:
        previous, self.cursor = self.cursor, row
        height = self.scrollable_content_region.height
        if row < self.scroll_offset.y:
            self.scroll_to(y=row, animate=False)
        elif height and row >= self.scroll_offset.y + height:
            self.scroll_to(y=row - height + 1, animate=False)
        if previous != row:
            self.refresh_line(previous)
            self.refresh_line(row)
        self.post_message(self.Highlighted(self.selected_id))

    # Drawing

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        if row >= len(self._order):
            return Strip.blank(width, self.rich_style)
        session_id = self._order[row]
        strip = self._strips.get(session_id)
        if strip is None:
            strip = self._strips[session_id] = self._render_row(self._cells[session_id])
        if row == self.cursor:
            strip = self._selected(strip)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _selected(self, strip: Strip) -> Strip:
        """The cursor's style laid over the row's (``post_style``): a base style would lose to
        each cell's own colours.  NO_COLOR leaves no background to show, so reverse video."""
        style = self.get_component_rich_style("session-list--cursor")
        if self.app.no_color:
            style += Style(reverse=True)
        return Strip(Segment.apply_style(strip, post_style=style), strip.cell_length)

    def _render_row(self, cells: list[Text]) -> Strip:
        line = row_text(cells, self._widths)
        return Strip(line.render(self.app.console), line.cell_len).apply_style(self.rich_style)


def row_text(cells: Sequence[Text], widths: Sequence[int]) -> Text:
    """Cells side by side, each cut or padded to its column: a row, or the column headings."""
    line = Text(no_wrap=True, end="")
    for cell, width in zip(cells, widths, strict=False):
        fitted = cell.copy()
        fitted.truncate(width, overflow="ellipsis", pad=True)
        line.append(" " * CELL_GAP)
        line.append_text(fitted)
        line.append(" " * CELL_GAP)
    return line
