"""Running the daemon as a service: systemd user unit, D-Bus activation, launchd agent.

``files`` renders and places the service files, ``managers`` asks
systemctl or launchctl, ``actions`` puts the two together for the
``agent-console service`` commands.  Standard library only: the CLI layer
adds the command line on top.
"""
