.pragma library
// How the Plasma applet reads the daemon where QML has no D-Bus call of its own (5.27), and
// how both versions take a Snapshot: busctl (systemd's bus tool) with JSON output, run by the
// `executable` engine.  --auto-start=no: the applet shows "not running", it never starts a daemon.

var BASE = ['busctl', '--user', '--auto-start=no', '--json=short'];

function snapshotArgv(bus) {
    return BASE.concat(['call', bus.name, bus.path, bus.iface, 'Snapshot']);
}

// A person saw the wait: the daemon's Ack (its SessionChanged moves the Sequence the poll reads).
function ackArgv(bus, sessionId) {
    return BASE.concat(['call', bus.name, bus.path, bus.iface, 'Ack', 's', String(sessionId)]);
}

// Who owns the name, then its Sequence: a shell line for the executable engine.  The owner
// tells a restarted daemon (whose Sequence starts again) from the one seen before.
function stampLine(bus, shellLine) {
    return shellLine(BASE.concat(['call', 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
        'GetNameOwner', 's', bus.name])) + ' && ' + shellLine(BASE.concat(['get-property', bus.name, bus.path,
        bus.iface, 'Sequence']));
}

// `{"type":"s","data":":1.5"}` and `{"type":"t","data":7}` -> ":1.5 7".
function stamp(stdout) {
    return String(stdout).trim().split('\n').map(line => JSON.parse(line).data).join(' ');
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
