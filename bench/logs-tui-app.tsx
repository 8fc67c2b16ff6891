/**
 * The log screen as a program of its own, for the TUI benchmark (bench/logs-tui.ts drives it in
 * a pty): connects over SSH with opsdeck's transport, opens the log view on the named services
 * and renders screens/Logs.tsx full-screen with Ink, as the app will. q or esc quits.
 *
 *   npx tsx bench/logs-tui-app.tsx --host H [--ssh-config F] [--socket S] [--buffer N] [--pid-file F] WORDS...
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import React from 'react';
import { render } from 'ink';
import { useTerminalSize } from '../components/use-terminal-size.js';
import { createLogsFeature } from '../src/logs/logs-feature.js';
import { connect } from '../src/transport/connection.js';
import { refusingPrompter } from '../src/transport/prompter.js';
import { resolveTarget } from '../src/transport/target.js';
import { Logs } from '../screens/Logs.js';
import { optimiseLessEagerly } from '../src/cli/v8-tiering.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string' },
    'ssh-config': { type: 'string' },
    socket: { type: 'string' },
    config: { type: 'string' },
    buffer: { type: 'string' },
    'pid-file': { type: 'string' },
    'stats-file': { type: 'string' },
    // The toggle key the driver presses: c (header says "colours off") or W ("· wrap").
    'watch-key': { type: 'string', default: 'W' },
    timestamps: { type: 'boolean' },
  },
});
if (values['pid-file']) fs.writeFileSync(values['pid-file'], String(process.pid));
const target = await resolveTarget(
  { host: values.host, 'ssh-config': values['ssh-config'], socket: values.socket, config: values.config ?? '/nonexistent/opsdeck.json' },
  process.env,
);
// As the TUI's ui command does before it draws anything.
optimiseLessEagerly();
const conn = await connect(target, refusingPrompter);
const feature = createLogsFeature(conn, { words: positionals, ...(values.buffer ? { buffer: Number(values.buffer) } : {}) });

/**
 * Benchmark instrumentation seen from inside the process: for each toggle key read from stdin,
 * the time until the first frame written whose header shows the new state; the event loop's
 * delay; memory at exit. (The pty, `script` and the driver add their own delays on top.)
 */
function watchInApp(): () => unknown {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const latencies: number[] = [];
  const key = values['watch-key']!;
  const mark = key === 'c' ? /colours off/ : /· wrap/;
  const keys: { at: number; on: boolean }[] = [];
  let on = false;
  process.stdin.on('data', (d: Buffer) => {
    for (const ch of d.toString()) {
      if (ch === key) {
        on = !on;
        keys.push({ at: performance.now(), on });
      }
    }
  });
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  (process.stdout as unknown as { write: typeof write }).write = (chunk: unknown, ...rest: unknown[]) => {
    const ok = write(chunk, ...rest);
    if (keys.length && typeof chunk === 'string') {
      const header = chunk.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split('\n').find((r) => r.trim() !== '') ?? '';
      if (header.includes('logs ')) {
        const shown = mark.test(header);
        while (keys.length && keys[0]!.on === shown) latencies.push(performance.now() - keys.shift()!.at);
      }
    }
    return ok;
  };
  return () => {
    const memory = process.memoryUsage();
    // With --expose-gc: what is live, as opposed to garbage not yet collected.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return {
      keyLatencies: latencies,
      eventLoopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
      memory,
      ...(gc ? { liveHeapAfterGc: process.memoryUsage().heapUsed } : {}),
    };
  };
}

function Root({ onQuit }: { onQuit: () => void }) {
  const { width, height } = useTerminalSize();
  return <Logs store={feature.store} actions={feature.actions} width={width} height={height} color initial={{ timestamps: values.timestamps === true }} onBack={onQuit} onHelp={() => undefined} />;
}

const stats = values['stats-file'] ? watchInApp() : null;
const app = render(<Root onQuit={() => app.unmount()} />);
await app.waitUntilExit();
if (stats && values['stats-file']) fs.writeFileSync(values['stats-file'], JSON.stringify(stats()));
feature.dispose();
await conn.close();
process.exit(0);
