/**
 * Send input to an ink-testing-library instance and wait for the frame to change (Shopify
 * cli-kit's helper of the same name), instead of fixed sleeps. Each argument is its own write,
 * as a separate read of the terminal would be: `sendInputAndWaitForChange(app, '\x1b[', 'B')`
 * is an arrow key cut in two by the network. Returns the new frame.
 */
import { keysSettled } from '../../components/use-keypress.js';

export interface InkInstance {
  stdin: { write(data: string): void };
  lastFrame(): string | undefined;
}

const turn = () => new Promise<void>((res) => setImmediate(res));

export async function sendInputAndWaitForChange(app: InkInstance, ...inputs: string[]): Promise<string> {
  const before = app.lastFrame() ?? '';
  await turn();
  for (const [i, input] of inputs.entries()) {
    if (i > 0) await turn();
    app.stdin.write(input);
  }
  // Every key of the writes handled (they are handled one render apart), then the frame.
  await keysSettled();
  return waitForChange(app, before);
}

/** Wait until the last frame differs from `before`. */
export async function waitForChange(app: InkInstance, before: string, timeoutMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = app.lastFrame() ?? '';
    if (now !== before) return now;
    if (Date.now() > deadline) throw new Error(`the frame did not change within ${timeoutMs} ms; it is:\n${now}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

/** A bracketed paste as a terminal sends it. */
export const paste = (text: string) => `\u001b[200~${text}\u001b[201~`;
