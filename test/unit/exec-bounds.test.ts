import { describe, expect, it } from 'vitest';
import { DEFAULT_EXEC_TIMEOUT_MS, DEFAULT_MAX_BUFFER, execBounds } from '../../src/transport/exec-types.js';
import { localExec } from '../../src/transport/local.js';

describe('collected execs are bounded', () => {
  it('run with a timeout and a buffer limit when the caller names none', () => {
    expect(execBounds({})).toEqual({ timeoutMs: DEFAULT_EXEC_TIMEOUT_MS, maxBuffer: DEFAULT_MAX_BUFFER });
    expect(DEFAULT_EXEC_TIMEOUT_MS).toBeLessThanOrEqual(5 * 60_000);
    expect(DEFAULT_MAX_BUFFER).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(execBounds({ timeoutMs: 600_000, maxBuffer: 32 << 20 })).toEqual({ timeoutMs: 600_000, maxBuffer: 32 << 20 });
  });

  it('stop a command that writes without end, with one line', async () => {
    const err = await localExec(['sh', '-c', 'head -c 20000000 /dev/zero | tr "\\0" x']).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toBe(`'sh' wrote more than ${DEFAULT_MAX_BUFFER} bytes`);
  });

  it('stop a command that does not finish, with one line', async () => {
    await expect(localExec(['sleep', '5'], { timeoutMs: 300 })).rejects.toThrow(/^'sleep' did not finish within 300 ms$/);
  });
});
