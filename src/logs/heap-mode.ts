import v8 from 'node:v8';

let views = 0;

/**
 * A followed flood is the one load under which V8's default heap sizing shows: at 10,000 lines
 * a second every line is short-lived garbage, and V8 lets the heap grow to several times what is
 * live before it collects (measured: 219 MiB resident after a million lines; 110 MiB with
 * --optimize-for-size, at about a third more CPU for the view, key presses still within budget).
 * The flag is read by V8's heap-growing heuristics at each collection, so it can be switched at
 * run time; it is on while any log view follows, and off again after, so the grid keeps its
 * cheaper collections.
 */
export function favourMemoryWhileFollowing(): () => void {
  if (views++ === 0) v8.setFlagsFromString('--optimize-for-size');
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--views === 0) v8.setFlagsFromString('--no-optimize-for-size');
  };
}
