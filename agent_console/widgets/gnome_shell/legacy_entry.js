// GNOME 43 and 44: the extension as a legacy `imports.` module, around indicator.js.
/* exported init */
const {St, Gio, GLib, Clutter} = imports.gi;
const Main = imports.ui.main;
const PanelMenu = imports.ui.panelMenu;
const PopupMenu = imports.ui.popupMenu;

//@@BODY@@

class AgentConsoleExtension {
    constructor(metadata) {
        this._metadata = metadata;
        this._indicator = null;
    }

    enable() {
        this._indicator = new Indicator(this._metadata.uuid, this._metadata.name);
    }

    disable() {
        this._indicator?.destroy();
        this._indicator = null;
    }
}

function init(metadata) {
    return new AgentConsoleExtension(metadata);
}
