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
var NEEDS_A_PERSON = ['question', 'attention'];
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

// agent_console.presentation.human_duration: two units at most (45s, 14m, 3h05m, 2d4h).
function humanDuration(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const minutes = Math.floor(total / 60), secs = total % 60;
    const hours = Math.floor(minutes / 60), mins = minutes % 60;
    const days = Math.floor(hours / 24), hrs = hours % 24;
    if (days)
        return `${days}d${hrs}h`;
    if (hours)
        return `${hours}h${String(mins).padStart(2, '0')}m`;
    if (minutes)
        return `${minutes}m`;
    return `${secs}s`;
}

function elapsed(sinceUs, atUs) {
    return typeof sinceUs === 'number' ? humanDuration((atUs - sinceUs) / US_PER_S) : '?';
}

function textOf(session, key) {
    const value = session[key];
    return value === undefined || value === null ? '' : escapeText(value);
}

function urgencyOf(status) {
    const index = VOCABULARY.urgency.indexOf(status);
    return index < 0 ? VOCABULARY.urgency.length : index;
}

// A wait the person has marked seen (`agent-console ack`); a daemon without `seen` sends none.
function isSeen(session) {
    return session.seen === true && NEEDS_A_PERSON.includes(session.status);
}

// agent_console.presentation.urgency_key, with seen waits after unseen ones of the same status.
function byUrgency(sessions) {
    const key = s => [urgencyOf(s.status), isSeen(s) ? 1 : 0, typeof s.since === 'number' ? s.since : 0, String(s.id)];
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

// What the top bar or the panel shows: the most urgent unseen status first, in its own glyph and
// colour, then the others; seen waits count apart, in the quiet colour.  `sessions` null: no daemon.
// Each part: {text, color}; `state` names the whole (a status, "none" or "not-running").
function summarize(sessions) {
    const quiet = VOCABULARY.quiet_color;
    if (sessions === null)
        return {state: 'not-running', parts: [{text: 'off', color: quiet}], text: 'off'};
    const parts = [];
    let state = 'none';
    for (const status of VOCABULARY.urgency) {
        if (status === 'closed')
            continue;
        const here = sessions.filter(s => s.status === status);
        const seen = here.filter(isSeen).length;
        const unseen = here.length - seen;
        const glyph = VOCABULARY.glyphs[status];
        if (unseen) {
            parts.push({text: `${glyph}${unseen}`, color: VOCABULARY.colors[status]});
            if (state === 'none')
                state = status;
        }
        if (seen)
            parts.push({text: unseen ? `+${seen}` : `${glyph}${seen}`, color: quiet});
    }
    if (!parts.length)
        parts.push({text: 'idle', color: quiet});
    return {state, parts, text: parts.map(p => p.text).join(' ')};
}

// One menu row per session, most urgent first: what a person reads to choose whom to answer.
function rows(sessions, atUs) {
    return byUrgency(sessions || []).map(session => {
        const status = String(session.status);
        const seen = isSeen(session);
        let note = '';
        if (session.stale === true)
            note = `quiet ${elapsed(session.last_activity, atUs)}`;
        else if (session.close_reason)
            note = textOf(session, 'close_reason');
        if (seen)
            note = note ? `seen, ${note}` : 'seen';
        const detail = textOf(session, 'detail');
        return {
            id: String(session.id),
            name: textOf(session, 'display_name') || textOf(session, 'id'),
            glyph: VOCABULARY.glyphs[status] || '?',
            color: seen ? VOCABULARY.quiet_color : VOCABULARY.colors[status] || VOCABULARY.quiet_color,
            status: escapeText(status) + (note ? ` (${note})` : ''),
            time: elapsed(session.since, atUs),
            detail: detail.length > MAX_SHOWN_DETAIL ? `${detail.slice(0, MAX_SHOWN_DETAIL - 1)}…` : detail,
            canMarkSeen: NEEDS_A_PERSON.includes(status) && !seen,
        };
    });
}

// The one place a widget turns a person's click into a command: `agent-console focus ID` brings
// the session's terminal forward; `agent-console ack ID` marks its wait seen.
function commandFor(action, sessionId) {
    const verbs = {focus: 'focus', seen: 'ack'};
    if (!(action in verbs))
        throw new Error(`unknown action ${action}`);
    return [AGENT_CONSOLE, verbs[action], '--', String(sessionId)];
}

// For a widget that can only run a shell command line (Plasma's executable engine): each word
// single-quoted, so an id is never read by the shell.
function shellLine(argv) {
    return argv.map(word => `'${String(word).replace(/'/g, "'\\''")}'`).join(' ');
}

function nowUs() {
    return Date.now() * 1000;
}
