// Plasma 5.27: QML has no D-Bus module here, so the applet asks the bus through busctl, run by the
// `executable` DataEngine (plasma-workspace): the name's owner and the daemon's Sequence once a
// second (pollMs; two busctl runs, no Python started), and a Snapshot only when either moved.  See docs/using.md.
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
    property string stamp: ""
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
        onCommand: root.run(action, sessionId)
    }

    PlasmaCore.DataSource {
        id: shell
        engine: "executable"
        property var waiting: ({})
        function start(argv, done) {
            startLine(Sessions.shellLine(argv), done);
        }
        function startLine(line, done) {
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
        root.stamp = "";
        root.note = Busctl.firstLine(stderr);
    }

    function poll() {
        shell.startLine(Busctl.stampLine(Sessions.BUS, Sessions.shellLine), (code, stdout, stderr) => {
            if (code !== 0)
                return root.lost(stderr);
            const stamp = Busctl.stamp(stdout);
            if (root.sessions === null || stamp !== root.stamp)
                root.fetch(stamp);
        });
    }

    // `stamp` (owner and Sequence) is taken before the Snapshot: a change in between is seen at the next poll.
    function fetch(stamp) {
        shell.start(Busctl.snapshotArgv(Sessions.BUS), (code, stdout, stderr) => {
            if (code !== 0)
                return root.lost(stderr);
            const [, sessions] = Busctl.snapshot(stdout);
            root.stamp = stamp;
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
