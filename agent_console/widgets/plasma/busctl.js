.pragma library
// How the Plasma applet reads the daemon where QML has no D-Bus call of its own (5.27), and
// how both versions take a Snapshot: busctl (systemd's bus tool) with JSON output, run by the
// `executable` engine.  --auto-start=no: the applet shows "not running", it never starts a daemon.

function argv(bus, verb) {
    const base = ['busctl', '--user', '--auto-start=no', '--json=short'];
    if (verb === 'sequence')
        return base.concat(['get-property', bus.name, bus.path, bus.iface, 'Sequence']);
    return base.concat(['call', bus.name, bus.path, bus.iface, 'Snapshot']);
}

// `{"type":"t","data":7}` -> 7.
function sequence(stdout) {
    return JSON.parse(stdout).data;
}

// Snapshot's `{"type":"taa{sv}","data":[7,[{"id":{"type":"s","data":"x"},...}]]}` -> [7, sessions],
// each session's variants unwrapped to plain values.
function snapshot(stdout) {
    const [seq, sessions] = JSON.parse(stdout).data;
    return [seq, sessions.map(session => {
        const plain = {};
        for (const key of Object.keys(session))
            plain[key] = session[key].data;
        return plain;
    })];
}

// The first line busctl said, for the "not running" note.
function firstLine(text) {
    return String(text).trim().split('\n')[0];
}
