import inkSanitizeAnsi from 'ink-original/sanitize-ansi.js';

// Every escape in the text is a plain SGR sequence (what our painter and Ink's colours write).
const ONLY_SGR = /^(?:[^\u001b\u0080-\u009f]|\u001b\[[\d;]*m)*$/;

/**
 * Stands in for ink/build/sanitize-ansi.js in the bundle: Ink tokenises every styled text node
 * on every frame to drop non-SGR sequences; text whose only escapes are SGR is returned as it
 * is, which is what Ink's own would return for it. Server text never gets here unsanitised:
 * src/text/sanitise.ts has already cleaned it.
 */
export default function sanitizeAnsi(text: string): string {
  return ONLY_SGR.test(text) ? text : inkSanitizeAnsi(text);
}
