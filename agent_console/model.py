"""What a session is, and how one changes.

Stored sessions are frozen, slotted dataclasses: a ``Set`` replaces the value
instead of editing it, so whatever a caller holds is a snapshot it cannot use
to change the store, and no copy is ever needed to hand one out.  Values that
arrive from outside are checked by a pydantic model before they touch a
session; pydantic is kept out of the stored objects because 10,000 sessions
of model instances would cost several times the memory.
"""

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, ValidationError, field_validator

from agent_console.errors import InvalidArgs
from agent_console.limits import MAX_HISTORY, MAX_ID_LENGTH, MAX_WORKING_DIR_BYTES


class Status(StrEnum):
    WORKING = "working"
    ATTENTION = "attention"
    QUESTION = "question"
    CLOSED = "closed"


class AgentType(StrEnum):
    CLAUDE_CODE = "claude-code"


DISPLAY_NAME_FALLBACK_LENGTH = 8
"""Characters of the id shown when the working dir gives no usable name."""


@dataclass(frozen=True, slots=True)
class StateTransition:
    from_status: Status
    to_status: Status
    at: int
    """Wall-clock microseconds since the epoch."""
    duration: int
    """Microseconds the old status lasted, measured on the monotonic clock."""


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    agent_type: AgentType
    status: Status
    working_dir: str
    since: int
    """Wall-clock microseconds when the status last changed."""
    last_activity: int
    """Wall-clock microseconds of the latest Set, whatever it changed."""
    since_monotonic: int
    """Monotonic twin of ``since``: what durations are measured from."""
    history: tuple[StateTransition, ...] = ()

    @property
    def closed(self) -> bool:
        return self.status is Status.CLOSED

    @property
    def display_name(self) -> str:
        name = self.working_dir.rstrip("/").rpartition("/")[2]
        return name or self.id[:DISPLAY_NAME_FALLBACK_LENGTH]


def _lowercase(value: Any) -> Any:
    """Statuses and agent types are matched without regard to case."""
    return value.lower() if isinstance(value, str) else value


class SessionUpdate(BaseModel):
    """One Set request, checked against every bound before it is applied."""

    model_config = ConfigDict(frozen=True)

    session_id: StrictStr = Field(min_length=1, max_length=MAX_ID_LENGTH)
    status: Annotated[Status, BeforeValidator(_lowercase)]
    working_dir: StrictStr | None = None
    agent_type: Annotated[AgentType, BeforeValidator(_lowercase)] | None = None

    @field_validator("working_dir")
    @classmethod
    def _working_dir_fits(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode()) > MAX_WORKING_DIR_BYTES:
            raise ValueError(f"at most {MAX_WORKING_DIR_BYTES} bytes are allowed")
        return value

    @classmethod
    def parse(cls, **fields: Any) -> "SessionUpdate":
        """Validate, turning pydantic's report into one readable InvalidArgs."""
        try:
            return cls(**fields)
        except ValidationError as error:
            raise InvalidArgs(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    """Name the field and the rule, never echo the (possibly huge) input."""
    first = error.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "string_too_long":
        message = f"at most {first['ctx']['max_length']} characters are allowed"
    elif first["type"] == "string_too_short":
        message = "must not be empty"
    return f"{field}: {message}"


def new_session(update: SessionUpdate, wall_us: int, monotonic_us: int) -> Session:
    return Session(
        id=update.session_id,
        agent_type=update.agent_type or AgentType.CLAUDE_CODE,
        status=update.status,
        working_dir=update.working_dir or "",
        since=wall_us,
        last_activity=wall_us,
        since_monotonic=monotonic_us,
    )


def apply_update(session: Session, update: SessionUpdate, wall_us: int, monotonic_us: int) -> Session:
    """The next value of ``session``: a status change is recorded as a transition."""
    changes: dict[str, Any] = {"last_activity": wall_us}
    if update.working_dir is not None:
        changes["working_dir"] = update.working_dir
    if update.agent_type is not None:
        changes["agent_type"] = update.agent_type
    if update.status is not session.status:
        transition = StateTransition(
            from_status=session.status,
            to_status=update.status,
            at=wall_us,
            duration=max(0, monotonic_us - session.since_monotonic),
        )
        changes["history"] = (*session.history, transition)[-MAX_HISTORY:]
        changes.update(status=update.status, since=wall_us, since_monotonic=monotonic_us)
    return replace(session, **changes)
