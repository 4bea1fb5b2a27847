// The desktop widgets' shared logic: one copy for the GNOME Shell indicator and the Plasma applet.
//
// No imports, no exports and no toolkit here, so the same text runs in gjs (concatenated into the
// extension, 43 and 45+ alike) and in QML's JavaScript engine (imported as "sessions.js"); the
// tests run it in gjs beside Python's own rules (tests/test_widget_logic.py).  Top-level names
// are `var`/`function` so that QML's script import and gjs's legacy import both see them.
//
// `VOCABULARY`, `BUS` and `AGENT_CONSOLE` are written above this text at install time by
// agent_console/widgets/install.py, from agent_console.presentation and agent_console.wire.names:
// no table of statuses, glyphs or colours is kept here by hand.

// A subscriber's copy of the daemon's sessions: agent_console/client/mirror.py's rules, the same
// names.  A change whose seq is not above the last applied is already in; one that skips a number
// means the bus dropped signals, so `missed` asks for a new Snapshot.  A removal waits for the
// Sequence that PropertiesChanged brings after it.
var SessionMirror = class SessionMirror {
    constructor() {
        this.sessions = null;
        this.sequence = null;
        this.missed = false;
        this._pendingRemoval = null;
    }

    get running() {
        return this.sessions !== null;
    }

    current() {
        return this.sessions === null ? null : Array.from(this.sessions.values());
    }

    replace(sessions, sequence) {
        this.sessions = new Map(sessions.map(session => [session.id, session]));
        this.sequence = typeof sequence === 'number' ? sequence : null;
        this.missed = false;
        this._pendingRemoval = null;
    }

    // true when applied.
    change(session) {
        if (this.sessions === null || !this._inOrder(session.seq))
            return false;
        this.sessions.set(session.id, session);
        return true;
    }

    remove(sessionId) {
        if (this.sessions === null)
            return false;
        if (this.sequence === null) {
            this.sessions.delete(sessionId);
            return true;
        }
        if (this._pendingRemoval !== null)
            this.missed = true;
        this._pendingRemoval = sessionId;
        return false;
    }

    announce(sequence) {
        const sessionId = this._pendingRemoval;
        this._pendingRemoval = null;
        if (this.sessions === null || !this._inOrder(sequence))
            return false;
        if (sessionId === null) {
            this.missed = true;
            return false;
        }
        this.sessions.delete(sessionId);
        return true;
    }

    lose() {
        this.sessions = null;
        this.sequence = null;
        this._pendingRemoval = null;
    }

    _inOrder(seq) {
        if (this.sequence === null || typeof seq !== 'number')
            return true;
        if (seq <= this.sequence)
            return false;
        if (seq > this.sequence + 1) {
            this.missed = true;
            return false;
        }
        this.sequence = seq;
        return true;
    }
};

var US_PER_S = 1000000;
var MAX_SHOWN_DETAIL = 120;
// Characters of a detail a menu row shows (the daemon allows 200): the row stays one readable line.

// agent_console.presentation.escape: control, bidirectional and line-separator characters as
// \x1b / \u202e escapes, so a name or detail is one line that cannot reorder or restyle the rest.
function escapeText(text) {
    return String(text).replace(
        /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g,
        ch => {
            const code = ch.charCodeAt(0);
            return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}`
                : `\\u${code.toString(16).padStart(4, '0')}`;
        });
}

// agent_console.presentation.human_duration: two units at most (45s, 1m05s, 14m, 3h05m, 2d4h).
function humanDuration(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const minutes = Math.floor(total / 60), secs = total % 60;
    const hours = Math.floor(minutes / 60), mins = minutes % 60;
    const days = Math.floor(hours / 24), hrs = hours % 24;
    const two = n => String(n).padStart(2, '0');
    if (days)
        return `${days}d${hrs}h`;
    if (hours)
        return `${hours}h${two(mins)}m`;
    if (total >= VOCABULARY.exact_below_s)
        return `${minutes}m`;
    if (minutes)
        return `${minutes}m${two(secs)}s`;
    return `${secs}s`;
}

function elapsed(sinceUs, atUs) {
    return typeof sinceUs === 'number' && typeof atUs === 'number' ? humanDuration((atUs - sinceUs) / US_PER_S) : '?';
}

function textOf(session, key) {
    const value = session[key];
    return value === undefined || value === null ? '' : escapeText(value);
}

// agent_console.presentation.is_seen_wait: a question or attention a person marked seen
// (Ack); a daemon without `seen` sends none, and its waits are all unseen.
function isSeen(session) {
    return session.seen === true && VOCABULARY.waiting.includes(session.status);
}

// agent_console.presentation.face_status: the status, or "seen" for a seen wait.
function faceStatus(session) {
    return isSeen(session) ? VOCABULARY.seen : session.status;
}

function faceRank(session) {
    const index = VOCABULARY.face_order.indexOf(faceStatus(session));
    return index < 0 ? VOCABULARY.face_order.length : index;
}

// agent_console.presentation.by_urgency: unseen waits, seen ones, work, closed; within each
// whoever has waited longest; then by id.
function byUrgency(sessions) {
    const key = s => [faceRank(s), typeof s.since === 'number' ? s.since : 0, String(s.id)];
    return sessions.slice().sort((a, b) => {
        const [ka, kb] = [key(a), key(b)];
        for (let i = 0; i < ka.length; i++) {
            if (ka[i] < kb[i])
                return -1;
            if (ka[i] > kb[i])
                return 1;
        }
        return 0;
    });
}

// What the top bar or the panel shows, as the status bars do (agent_console.cli.summary):
// counts in face order, e.g. "2? 1✓ 1~", the most urgent first; `state` the first of them,
// "none" or "not-running".  Each part carries its own colour: a seen wait the quiet one.
function summarize(sessions) {
    const quiet = VOCABULARY.quiet_color;
    if (sessions === null)
        return {state: 'not-running', parts: [{text: 'off', color: quiet}], text: 'off'};
    const parts = [];
    let state = 'none';
    for (const status of VOCABULARY.face_order) {
        if (status === 'closed')
            continue;
        const count = sessions.filter(s => faceStatus(s) === status).length;
        if (!count)
            continue;
        parts.push({text: `${count}${VOCABULARY.glyphs[status]}`, color: VOCABULARY.colors[status]});
        if (state === 'none')
            state = status;
    }
    if (!parts.length)
        parts.push({text: 'idle', color: quiet});
    return {state, parts, text: parts.map(p => p.text).join(' ')};
}

// agent_console.presentation.status_label: "question, seen", "working, quiet 14m", "closed, user".
function statusLabel(session, atUs) {
    let note = '';
    if (isSeen(session))
        note = VOCABULARY.seen;
    else if (session.stale === true)
        note = `quiet ${elapsed(session.last_activity, atUs)}`;
    else
        note = textOf(session, 'close_reason');
    return note ? `${textOf(session, 'status')}, ${note}` : textOf(session, 'status');
}

// One menu row per session, most urgent first: what a person reads to choose whom to answer.
function rows(sessions, atUs) {
    return byUrgency(sessions || []).map(session => {
        const shown = faceStatus(session);
        const detail = textOf(session, 'detail');
        return {
            id: String(session.id),
            name: textOf(session, 'display_name') || textOf(session, 'id'),
            glyph: VOCABULARY.glyphs[shown] || '?',
            color: VOCABULARY.colors[shown] || VOCABULARY.quiet_color,
            status: statusLabel(session, atUs),
            time: elapsed(session.since, atUs),
            detail: detail.length > MAX_SHOWN_DETAIL ? `${detail.slice(0, MAX_SHOWN_DETAIL - 1)}…` : detail,
            canMarkSeen: VOCABULARY.waiting.includes(session.status) && !isSeen(session),
        };
    });
}

// A click on a session: `agent-console focus ID` (by the absolute path written at install) brings
// its terminal forward; the logic is in Python (agent_console.focus), so the widgets run it.
function focusCommand(sessionId) {
    return [AGENT_CONSOLE, 'focus', '--', String(sessionId)];
}

// For a widget that can only run a shell command line (Plasma's executable engine): each word
// single-quoted, so an id is never read by the shell.
function shellLine(argv) {
    return argv.map(word => `'${String(word).replace(/'/g, "'\\''")}'`).join(' ');
}

function nowUs() {
    return Date.now() * 1000;
}
