// GNOME 45 and newer: the extension as an ES module, around indicator.js.
import St from 'gi://St';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Clutter from 'gi://Clutter';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';
import * as Main from 'resource:///org/gnome/shell/ui/main.js';
import * as PanelMenu from 'resource:///org/gnome/shell/ui/panelMenu.js';
import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';

//@@BODY@@

export default class AgentConsoleExtension extends Extension {
    enable() {
        this._indicator = new Indicator(this.uuid, this.metadata.name);
    }

    disable() {
        this._indicator?.destroy();
        this._indicator = null;
    }
}
