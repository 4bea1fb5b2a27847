// agent-console: tells the agent-console service what each opencode session is doing.
// Written by `agent-console install-hooks --agent opencode`; removed by `uninstall-hooks`.
// Each relevant event is handed to `agent-console hook --agent opencode` on stdin, in a
// process of its own that is never awaited: a plugin runs inside opencode, so a slow or
// failing handler must not slow or break it.  On dispose (/exit, the end of `opencode run`)
// every session this instance saw is closed, since opencode has no per-session end event.
// Sub-agent sessions (those with a parent) are part of their parent's work and not sent.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const COMMAND = __COMMAND__;
const EVENTS = new Set(__EVENTS__);
const DISPOSED = "agent-console.disposed";

// Microseconds on CLOCK_BOOTTIME (Linux), so the service can put events that reach it out
// of order back in order: /proc/uptime once, advanced by the monotonic clock.
const bootMicros = (() => {
  try {
    const base = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1e6;
    const start = performance.now();
    return () => Math.round(base + (performance.now() - start) * 1000);
  } catch {
    return () => undefined;
  }
})();

export const AgentConsole = async ({ directory }) => {
  const seen = new Set();
  const children = new Set();
  const send = (event) => {
    try {
      const child = spawn(COMMAND[0], COMMAND.slice(1), { stdio: ["pipe", "ignore", "ignore"] });
      child.on("error", () => {});
      child.stdin.on("error", () => {});
      child.stdin.end(JSON.stringify({ directory, event_time: bootMicros(), event }));
      child.unref();
    } catch {}
  };
  return {
    event: async ({ event }) => {
      if (!EVENTS.has(event?.type)) return;
      const id = event.properties?.sessionID ?? event.properties?.info?.id;
      if (typeof id !== "string" || children.has(id)) return;
      if (event.properties?.info?.parentID) {
        children.add(id);
        return;
      }
      seen.add(id);
      send(event);
    },
    dispose: async () => {
      for (const sessionID of seen) send({ type: DISPOSED, properties: { sessionID } });
      seen.clear();
    },
  };
};
