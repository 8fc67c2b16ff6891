import stringWidth from 'string-width';
import { BoundedCache } from '../../render/bounded-cache.js';

interface Dimensions {
  width: number;
  height: number;
}

// Ink's own measure-text memoises every text it ever measured in a Map that never shrinks: in a
// log view following 10,000 lines a second that is every line drawn, for as long as it runs.
const cache = new BoundedCache<Dimensions>(4000);
const MAX_CACHED_LENGTH = 1024;

/** Stands in for ink/build/measure-text.js in the bundle: the same answers, bounded memory. */
export default function measureText(text: string): Dimensions {
  if (text.length === 0) return { width: 0, height: 0 };
  // A long text (a 16 KB log line) is rare on screen and costly to keep: measured, not kept.
  if (text.length > MAX_CACHED_LENGTH) return measure(text);
  return cache.get(text, measure);
}

function measure(text: string): Dimensions {
  const lines = text.split('\n');
  let width = 0;
  for (const line of lines) width = Math.max(width, stringWidth(line));
  return { width, height: lines.length };
}
