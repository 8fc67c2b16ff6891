#!/usr/bin/env -S node --no-memory-reducer
// --no-memory-reducer: V8's memory reducer runs up to three full collections in a process's first
// half minute to shrink a heap it guesses is idle; for the TUI that was a fifth of the live grid's
// CPU in its first minute, to give back ~15 MB. It can only be set at start-up, hence here (env -S:
// GNU coreutils >= 8.30, macOS, the BSDs). `node opsdeck.mjs` works too, without it.
import { main } from '../src/cli/main.js';
import { formatError } from '../src/cli/errors.js';

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
