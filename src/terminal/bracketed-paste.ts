import { BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON } from './keypress-reader.js';

const SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

/**
 * Ask the terminal to mark pastes (ESC[200~ … ESC[201~) while the TUI runs, so a paste reaches a
 * text field as one piece and is never run as keys. The terminal keeps the mode after we are
 * gone, and a shell would then see the markers around every paste: it is turned off again on
 * every way out, a signal included (the signal is then raised again, to end as it would have).
 * Returns the function that turns it off.
 */
export function enableBracketedPaste(out: NodeJS.WritableStream): () => void {
  let on = true;
  const off = () => {
    if (!on) return;
    on = false;
    out.write(BRACKETED_PASTE_OFF);
    process.off('exit', off);
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    off();
    process.kill(process.pid, signal);
  };
  out.write(BRACKETED_PASTE_ON);
  process.on('exit', off);
  for (const s of SIGNALS) process.once(s, onSignal);
  return off;
}
