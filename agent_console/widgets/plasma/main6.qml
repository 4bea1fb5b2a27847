// Plasma 6: the daemon's Sequence is read in-process through org.kde.plasma.workspace.dbus once a
// second (pollMs) while a DBusServiceWatcher says the daemon owns its name; a Snapshot, through
// busctl (the same parsing as 5.27), only when the Sequence moved or the owner changed.  That
// module cannot subscribe to signals, hence the poll; see docs/using.md for what it costs.
import QtQuick
import QtQuick.Layouts
import org.kde.plasma.plasmoid
import org.kde.kirigami as Kirigami
import org.kde.plasma.workspace.dbus as DBus
import org.kde.plasma.plasma5support as P5Support
import "sessions.js" as Sessions
import "busctl.js" as Busctl

PlasmoidItem {
    id: root
    readonly property int pollMs: 1000
    property var sessions: null
    property string note: ""
    property var sequence: null
    readonly property string barText: Sessions.summarize(sessions).text
    onBarTextChanged: console.log("agent-console-widget: bar " + barText)

    toolTipMainText: "Agent Console"
    toolTipSubText: barText
    compactRepresentation: SessionsView {
        sessions: root.sessions; note: root.note; expanded: false
        textColor: Kirigami.Theme.textColor
        onBarClicked: root.expanded = !root.expanded
    }
    fullRepresentation: SessionsView {
        sessions: root.sessions; note: root.note; expanded: true
        onCommand: (action, sessionId) => root.run(action, sessionId)
    }

    DBus.DBusServiceWatcher {
        id: watcher
        busType: DBus.BusType.Session
        watchedService: Sessions.BUS.name
        onRegisteredChanged: {
            root.sequence = null;
            root.poll();
        }
    }

    P5Support.DataSource {
        id: shell
        engine: "executable"
        property var waiting: ({})
        function start(argv, done) {
            const line = Sessions.shellLine(argv);
            waiting[line] = done;
            connectSource(line);
        }
        onNewData: (sourceName, data) => {
            const done = waiting[sourceName];
            delete waiting[sourceName];
            disconnectSource(sourceName);
            if (done)
                done(data["exit code"], data.stdout, data.stderr);
        }
    }

    Timer {
        interval: root.pollMs
        running: watcher.registered
        repeat: true
        triggeredOnStart: true
        onTriggered: root.poll()
    }

    function lost(why) {
        root.sessions = null;
        root.sequence = null;
        root.note = why;
    }

    function poll() {
        if (!watcher.registered)
            return root.lost("");
        const reply = DBus.SessionBus.asyncCall({
            service: Sessions.BUS.name, path: Sessions.BUS.path,
            iface: "org.freedesktop.DBus.Properties", member: "Get",
            arguments: [new DBus.string(Sessions.BUS.iface), new DBus.string("Sequence")], signature: "(ss)",
        });
        reply.finished.connect(() => {
            if (reply.isError)
                return root.lost(reply.error.message);
            if (root.sessions === null || Number(reply.value) !== root.sequence)
                root.fetch();
        });
    }

    function fetch() {
        shell.start(Busctl.snapshotArgv(Sessions.BUS), (code, stdout, stderr) => {
            if (code !== 0)
                return root.lost(Busctl.firstLine(stderr));
            const [sequence, sessions] = Busctl.snapshot(stdout);
            root.sequence = sequence;
            root.sessions = sessions;
            root.note = "";
        });
    }

    function run(action, sessionId) {
        const argv = action === "seen" ? Busctl.ackArgv(Sessions.BUS, sessionId) : Sessions.focusCommand(sessionId);
        shell.start(argv, (code, stdout, stderr) => {
            console.log("agent-console-widget: ran " + action + " " + Sessions.escapeText(sessionId) + ": exit " + code
                        + (code ? ": " + Sessions.escapeText(Busctl.firstLine(stderr)) : ""));
        });
    }
}
