// Plasma 5.27: QML has no D-Bus module here, so the applet asks the bus through busctl, run by the
// `executable` DataEngine (plasma-workspace): the daemon's Sequence once a second (POLL_MS, a
// property read, no Python started), and a Snapshot only when it moved.  See docs/using.md.
import QtQuick 2.15
import QtQuick.Layouts 1.15
import org.kde.plasma.plasmoid 2.0
import org.kde.plasma.core 2.0 as PlasmaCore
import "sessions.js" as Sessions
import "busctl.js" as Busctl

Item {
    id: root
    readonly property int pollMs: 1000
    property var sessions: null
    property string note: ""
    property var sequence: null
    readonly property string barText: Sessions.summarize(sessions).text
    onBarTextChanged: console.log("agent-console-widget: bar " + barText)

    Plasmoid.toolTipMainText: "Agent Console"
    Plasmoid.toolTipSubText: barText
    Plasmoid.compactRepresentation: SessionsView {
        sessions: root.sessions; note: root.note; expanded: false
        textColor: PlasmaCore.Theme.textColor
        onBarClicked: plasmoid.expanded = !plasmoid.expanded
    }
    Plasmoid.fullRepresentation: SessionsView {
        sessions: root.sessions; note: root.note; expanded: true
        textColor: PlasmaCore.Theme.textColor
        onCommand: root.run(action, sessionId)
    }

    PlasmaCore.DataSource {
        id: shell
        engine: "executable"
        property var waiting: ({})
        function start(argv, done) {
            const line = Sessions.shellLine(argv);
            waiting[line] = done;
            connectSource(line);
        }
        onNewData: {
            const done = waiting[sourceName];
            delete waiting[sourceName];
            disconnectSource(sourceName);
            if (done)
                done(data["exit code"], data.stdout, data.stderr);
        }
    }

    Timer {
        interval: root.pollMs
        running: true
        repeat: true
        triggeredOnStart: true
        onTriggered: root.poll()
    }

    function lost(stderr) {
        root.sessions = null;
        root.sequence = null;
        root.note = Busctl.firstLine(stderr);
    }

    function poll() {
        shell.start(Busctl.argv(Sessions.BUS, "sequence"), (code, stdout, stderr) => {
            if (code !== 0)
                return root.lost(stderr);
            if (root.sessions === null || Busctl.sequence(stdout) !== root.sequence)
                root.fetch();
        });
    }

    function fetch() {
        shell.start(Busctl.argv(Sessions.BUS, "snapshot"), (code, stdout, stderr) => {
            if (code !== 0)
                return root.lost(stderr);
            const [sequence, sessions] = Busctl.snapshot(stdout);
            root.sequence = sequence;
            root.sessions = sessions;
            root.note = "";
        });
    }

    function run(action, sessionId) {
        shell.start(Sessions.commandFor(action, sessionId), (code, stdout, stderr) => {
            console.log("agent-console-widget: ran " + action + " " + Sessions.escapeText(sessionId) + ": exit " + code
                        + (code ? ": " + Sessions.escapeText(Busctl.firstLine(stderr)) : ""));
        });
    }
}
