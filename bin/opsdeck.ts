#!/usr/bin/env -S node --no-memory-reducer --single-threaded-gc --min-semi-space-size=4
// Both can only be set at start-up, hence here (env -S: GNU coreutils >= 8.30, macOS, the BSDs);
// `node opsdeck.mjs` works too, without them. Measured on the live grid, a process that holds a
// heap under 100 MB and draws a few rows every two seconds for hours:
// --no-memory-reducer: V8's memory reducer runs up to three full collections in a process's first
// half minute to shrink a heap it guesses is idle: a fifth of the grid's CPU in its first minute,
// to give back ~15 MB.
// --single-threaded-gc: each young-generation collection (one every couple of seconds) woke V8's
// helper threads to share a millisecond of work; doing it on the main thread cost a fifth less
// CPU in all (~240 → ~195 ms per minute). Turning the parallel phases off at run time instead
// trips V8's own checks.
// --min-semi-space-size=4 (MB): the grid's garbage is short-lived (a redraw's strings and rows);
// V8 starts the young generation at 1 MB and does not grow it for so little, so it was
// collected every three seconds, a millisecond each time. At 4 MB: 20 → 3 collections in 90 s,
// ~13 ms less CPU per minute, for ~5 MB more resident.
import { main } from '../src/cli/main.js';
import { formatError } from '../src/errors.js';

// No unhandled rejection may ever print a raw stack to an operator's terminal.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(formatError(reason) + '\n');
  process.exitCode = 2;
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
process.exitCode = code;
// Whatever still holds the event loop once the command is done (a request to a Docker daemon
// that never answers, a socket it never closes) must not hold the operator: leave a second
// later, once what was written to stdout and stderr has drained.
const leave = () => {
  if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) setTimeout(leave, 100).unref();
  else process.exit(code);
};
setTimeout(leave, 1000).unref();
