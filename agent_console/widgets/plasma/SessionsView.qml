// The applet's face, the same file for Plasma 5.27 (Qt 5) and 6 (Qt 6): the bar (glyph and
// counts of the most urgent status first) and, when expanded, one row per session, most urgent
// first.  Every Text is PlainText: names and details come from whoever started the session, and
// QML's default would read them as rich text.
import QtQuick 2.15
import QtQuick.Layouts 1.15
import "sessions.js" as Sessions

Item {
    id: view
    property var sessions: null
    property string note: ""
    property bool expanded: true
    property color textColor: expanded ? "#eff0f1" : "#eeeeee"
    property real nowUs: Sessions.nowUs()
    readonly property var summary: Sessions.summarize(sessions)
    readonly property var shownRows: Sessions.rows(sessions, nowUs)
    signal command(string action, string sessionId)
    signal barClicked()

    // Expanded: a fixed size, as a desktop containment sizes an applet once, when it is added;
    // dark, as the status colours (agent_console/presentation.py) are chosen for dark bars.
    implicitWidth: expanded ? 640 : bar.implicitWidth + 8
    implicitHeight: expanded ? 300 : bar.implicitHeight
    Layout.minimumWidth: expanded ? 400 : bar.implicitWidth
    Layout.minimumHeight: expanded ? 120 : bar.implicitHeight
    Layout.preferredWidth: implicitWidth
    Layout.preferredHeight: implicitHeight

    Rectangle {
        anchors.fill: parent
        visible: view.expanded
        color: "#232629"
        radius: 4
    }

    Timer {
        // "time in status" ages while the list is shown; nothing else is redrawn
        interval: 1000
        repeat: true
        running: view.expanded && view.visible && view.sessions !== null && view.sessions.length > 0
        onTriggered: view.nowUs = Sessions.nowUs()
    }

    ColumnLayout {
        id: content
        anchors.fill: parent
        anchors.margins: view.expanded ? 8 : 0
        spacing: 6

        Row {
            id: bar
            spacing: 6
            Layout.alignment: view.expanded ? Qt.AlignLeft : Qt.AlignCenter
            Repeater {
                model: view.summary.parts
                Text {
                    text: modelData.text
                    textFormat: Text.PlainText
                    color: modelData.color
                    font.bold: true
                    font.pixelSize: view.expanded ? 20 : 16
                }
            }
        }

        Text {
            visible: view.expanded && (view.sessions === null || view.sessions.length === 0)
            text: view.sessions === null ? "agent-console is not running" + (view.note ? ": " + view.note : "")
                                         : "no agent sessions"
            textFormat: Text.PlainText
            color: view.textColor
            opacity: 0.7
            elide: Text.ElideRight
            Layout.fillWidth: true
        }

        Repeater {
            model: view.expanded ? view.shownRows : []
            Rectangle {
                Layout.fillWidth: true
                implicitHeight: line.implicitHeight + 8
                color: hover.containsMouse ? Qt.rgba(1, 1, 1, 0.08) : "transparent"
                radius: 3
                MouseArea {
                    id: hover
                    anchors.fill: parent
                    hoverEnabled: true
                    onClicked: view.command("focus", modelData.id)
                }
                RowLayout {
                    id: line
                    anchors.fill: parent
                    anchors.margins: 4
                    spacing: 10
                    Text { text: modelData.glyph; textFormat: Text.PlainText; color: modelData.color; font.bold: true }
                    Text { text: modelData.name; textFormat: Text.PlainText; color: view.textColor; font.bold: true
                           Layout.maximumWidth: 160; elide: Text.ElideRight }
                    Text { text: modelData.status; textFormat: Text.PlainText; color: modelData.color }
                    Text { text: modelData.time; textFormat: Text.PlainText; color: view.textColor; opacity: 0.7 }
                    Text { text: modelData.detail; textFormat: Text.PlainText; color: view.textColor; opacity: 0.8
                           elide: Text.ElideRight; Layout.fillWidth: true }
                    Text {
                        visible: modelData.canMarkSeen
                        text: "Mark seen"
                        textFormat: Text.PlainText
                        color: view.textColor
                        font.underline: true
                        MouseArea { anchors.fill: parent; onClicked: view.command("seen", modelData.id) }
                    }
                }
            }
        }
        Item { Layout.fillHeight: true }
    }

    MouseArea {
        anchors.fill: parent
        visible: !view.expanded
        onClicked: view.barClicked()
    }
}
