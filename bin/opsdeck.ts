#!/usr/bin/env node
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
