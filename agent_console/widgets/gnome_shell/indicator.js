// The GNOME Shell indicator, the same text for GNOME 43/44 and 45+: the entry point the installer
// puts around it (legacy_entry.js or module_entry.js) provides St, Gio, GLib, Clutter, Main,
// PanelMenu and PopupMenu, and calls `new Indicator(uuid, name)` / `indicator.destroy()`.
// sessions.js (the mirror, the summary, the rows) is placed before this text.
//
// Everything comes from signals: nothing is polled.  A timer ticks once a second only while the
// menu is open, for the "time in status" column.

var CALL_TIMEOUT_MS = 5000;
// How long a Snapshot may take before the indicator says the daemon does not answer.
var RETRY_AFTER_S = 5;
// After a Snapshot failed while the daemon still owns its name (it hangs, or refuses): a new try
// this often, until one answers or the name changes hands.  The only timer besides the menu's.
var TICK_S = 1;
var DEBUG_PATH = '/io/github/AgentConsole1/GnomeShellIndicator';
var DEBUG_XML = `<node>
  <interface name="io.github.AgentConsole1.GnomeShellIndicator">
    <property name="State" type="s" access="read"/>
    <method name="Activate">
      <arg name="session_id" type="s" direction="in"/>
      <arg name="action" type="s" direction="in"/>
    </method>
    <method name="ShowMenu">
      <arg name="open" type="b" direction="in"/>
    </method>
  </interface>
</node>`;
// What the indicator shows, as JSON, the menu's two clicks and opening the menu, on the shell's own
// connection: how the tests and docs/screenshots.py (and a person with gdbus) drive and read it.

function logLine(text) {
    if (GLib.getenv('AGENT_CONSOLE_WIDGET_LOG'))
        log(`agent-console-widget: ${text}`);
}

// The daemon's sessions, kept current from its signals.  `onChange(sessions)` gets the list, or
// null while no daemon owns the name.
var SessionsFeed = class SessionsFeed {
    constructor(onChange) {
        this._onChange = onChange;
        this._mirror = new SessionMirror();
        this._bus = Gio.DBus.session;
        this._owner = null;
        this._subscriptions = [];
        this._generation = 0;
        this._queued = null;
        this._retry = 0;
        this.error = '';
        this._watch = this._bus.watch_name(BUS.name, Gio.BusNameWatcherFlags.NONE,
            (_bus, _name, owner) => this._follow(owner), () => this._follow(null));
    }

    destroy() {
        this._bus.unwatch_name(this._watch);
        this._unsubscribe();
        this._cancelRetry();
        this._generation++;
    }

    // A new owner (a daemon started or restarted) or none: forget everything, then listen to the
    // new owner only, and only then ask for its Snapshot, so that no change falls between the two.
    _follow(owner) {
        this._unsubscribe();
        this._cancelRetry();
        this._owner = owner;
        this._mirror.lose();
        this.error = '';
        this._generation++;
        if (owner === null) {
            this._onChange(null);
            return;
        }
        const on = (iface, member, handler) => this._subscriptions.push(this._bus.signal_subscribe(
            owner, iface, member, BUS.path, null, Gio.DBusSignalFlags.NONE,
            (_c, _s, _p, _i, _m, parameters) => this._receive(handler, parameters.recursiveUnpack())));
        on(BUS.iface, 'SessionChanged', ([session]) => this._mirror.change(session));
        on(BUS.iface, 'SessionRemoved', ([sessionId]) => this._mirror.remove(sessionId));
        on('org.freedesktop.DBus.Properties', 'PropertiesChanged', ([iface, changed]) =>
            iface === BUS.iface && typeof changed.Sequence === 'number' && this._mirror.announce(changed.Sequence));
        this._snapshot();
    }

    // Signals that arrive while a Snapshot is on its way wait for it: they are applied after it,
    // where the seq rules drop those it already holds.
    _receive(handler, parameters) {
        if (this._queued !== null) {
            this._queued.push([handler, parameters]);
            return;
        }
        if (handler(parameters))
            this._onChange(this._mirror.current());
        if (this._mirror.missed)
            this._snapshot();
    }

    _snapshot() {
        const generation = ++this._generation;
        this._queued = [];
        this._bus.call(this._owner, BUS.path, BUS.iface, 'Snapshot', null,
            new GLib.VariantType('(taa{sv})'), Gio.DBusCallFlags.NO_AUTO_START, CALL_TIMEOUT_MS, null,
            (bus, result) => {
                if (generation !== this._generation)
                    return;
                const queued = this._queued;
                this._queued = null;
                try {
                    const [sequence, sessions] = bus.call_finish(result).recursiveUnpack();
                    this._mirror.replace(sessions, sequence);
                    this.error = '';
                } catch (e) {
                    this.error = `${e.message}`;
                    logLine(`Snapshot failed: ${e.message}`);
                    this._mirror.lose();
                    this._onChange(null);
                    this._retry = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, RETRY_AFTER_S, () => {
                        this._retry = 0;
                        this._snapshot();
                        return GLib.SOURCE_REMOVE;
                    });
                    return;
                }
                for (const [handler, parameters] of queued)
                    handler(parameters);
                this._onChange(this._mirror.current());
                if (this._mirror.missed)
                    this._snapshot();
            });
    }

    // A person saw the wait: the daemon's Ack, to the owner followed; its SessionChanged redraws.
    ack(sessionId) {
        if (this._owner === null)
            return;
        this._bus.call(this._owner, BUS.path, BUS.iface, 'Ack', new GLib.Variant('(s)', [String(sessionId)]),
            null, Gio.DBusCallFlags.NO_AUTO_START, CALL_TIMEOUT_MS, null, (bus, result) => {
                try {
                    bus.call_finish(result);
                    logLine(`acked ${sessionId}`);
                } catch (e) {
                    log(`agent-console: Ack ${escapeText(sessionId)}: ${e.message}`);
                }
            });
    }

    _unsubscribe() {
        for (const id of this._subscriptions)
            this._bus.signal_unsubscribe(id);
        this._subscriptions = [];
        this._queued = null;
    }

    _cancelRetry() {
        if (this._retry)
            GLib.source_remove(this._retry);
        this._retry = 0;
    }
};

// Runs `agent-console focus ID` without a shell; says in the log when it failed, since a click
// has no other place to say it.
function focus(sessionId) {
    const argv = focusCommand(sessionId);
    const action = 'focus';
    try {
        const process = Gio.Subprocess.new(argv,
            Gio.SubprocessFlags.STDOUT_SILENCE | Gio.SubprocessFlags.STDERR_PIPE);
        process.communicate_utf8_async(null, null, (proc, result) => {
            try {
                const [, , stderr] = proc.communicate_utf8_finish(result);
                const status = proc.get_exit_status();
                logLine(`ran ${action} ${sessionId}: exit ${status}`);
                if (status !== 0)
                    log(`agent-console: ${action} ${escapeText(sessionId)}: ${escapeText(stderr.trim())}`);
            } catch (e) {
                log(`agent-console: ${action}: ${e.message}`);
            }
        });
    } catch (e) {
        log(`agent-console: cannot run ${argv[0]}: ${e.message} (agent-console install-widget gnome-shell again)`);
    }
}

var Indicator = class Indicator {
    constructor(uuid, name) {
        this._sessions = null;
        this._times = [];
        this._tick = 0;
        this.button = new PanelMenu.Button(0.0, name, false);
        this._bar = new St.BoxLayout({style_class: 'panel-status-menu-box agent-console-bar'});
        this.button.add_child(this._bar);
        this._section = new PopupMenu.PopupMenuSection();
        this.button.menu.addMenuItem(this._section);
        this._menuOpen = this.button.menu.connect('open-state-changed', (_menu, open) => this._ticking(open));
        Main.panel.addToStatusArea(uuid, this.button);
        this._debug = Gio.DBusExportedObject.wrapJSObject(DEBUG_XML, this);
        this._debug.export(Gio.DBus.session, DEBUG_PATH);
        this._feed = new SessionsFeed(sessions => this._show(sessions));
    }

    destroy() {
        this._ticking(false);
        this._feed.destroy();
        this._debug.unexport();
        this.button.menu.disconnect(this._menuOpen);
        this.button.destroy();
    }

    get State() {
        const summary = summarize(this._sessions);
        return JSON.stringify({
            state: summary.state, bar: summary.parts, text: summary.text,
            rows: rows(this._sessions, nowUs()), error: this._feed.error,
        });
    }

    Activate(sessionId, action) {
        if (action === 'seen')
            this._feed.ack(sessionId);
        else
            focus(sessionId);
    }

    ShowMenu(open) {
        if (open)
            this.button.menu.open(false);
        else
            this.button.menu.close(false);
    }

    _show(sessions) {
        this._sessions = sessions;
        const summary = summarize(sessions);
        this._bar.destroy_all_children();
        for (const part of summary.parts) {
            this._bar.add_child(new St.Label({
                text: part.text, y_align: Clutter.ActorAlign.CENTER,
                style_class: 'agent-console-part', style: `color: ${part.color};`,
            }));
        }
        this._fillMenu();
        logLine(`bar ${summary.text}`);
    }

    _fillMenu() {
        this._section.removeAll();
        this._times = [];
        if (this._sessions === null) {
            const why = this._feed.error ? `: ${escapeText(this._feed.error)}` : '';
            this._section.addMenuItem(this._note(`agent-console is not running${why}`));
            return;
        }
        const shown = rows(this._sessions, nowUs());
        if (!shown.length)
            this._section.addMenuItem(this._note('no agent sessions'));
        for (const row of shown)
            this._section.addMenuItem(this._row(row));
    }

    _note(text) {
        const item = new PopupMenu.PopupMenuItem(text, {reactive: false});
        item.label.add_style_class_name('agent-console-note');
        return item;
    }

    // Every text goes in as plain text (St.Label.text, never markup): names and details come from
    // whoever started the session.
    _row(row) {
        const item = new PopupMenu.PopupBaseMenuItem({style_class: 'agent-console-row'});
        const label = (text, styleClass, style) => {
            const shown = new St.Label({text, style_class: styleClass, y_align: Clutter.ActorAlign.CENTER});
            if (style)
                shown.style = style;
            item.add_child(shown);
            return shown;
        };
        label(row.glyph, 'agent-console-glyph', `color: ${row.color};`);
        label(row.name, 'agent-console-name');
        label(row.status, 'agent-console-status', `color: ${row.color};`);
        this._times.push(label(row.time, 'agent-console-time'));
        label(row.detail, 'agent-console-detail').x_expand = true;
        if (row.canMarkSeen) {
            const seen = new St.Button({label: 'Mark seen', style_class: 'button agent-console-seen'});
            seen.connect('clicked', () => this._feed.ack(row.id));
            item.add_child(seen);
        }
        item.connect('activate', () => focus(row.id));
        return item;
    }

    _ticking(on) {
        if (this._tick)
            GLib.source_remove(this._tick);
        this._tick = 0;
        if (!on)
            return;
        this._fillMenu();
        this._tick = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, TICK_S, () => {
            rows(this._sessions, nowUs()).forEach((row, i) => this._times[i] && this._times[i].set_text(row.time));
            return GLib.SOURCE_CONTINUE;
        });
    }
};
