/**
 * The small glob that ssh_config's `Include` needs (glob(3) as OpenSSH calls it): `*`, `?` and
 * `[...]` inside path segments, results sorted. Node 20 has no fs.glob, and pulling a glob
 * package in for one directive is more than it is worth.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Does one path segment contain glob characters? */
function isPattern(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** Translate one glob segment to a RegExp (no `/` inside a segment, by construction). */
export function segmentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Expand an absolute glob to the existing paths it names, sorted as glob(3) does. */
export function globPaths(absPattern: string): string[] {
  if (!path.isAbsolute(absPattern)) throw new Error(`globPaths needs an absolute pattern: ${absPattern}`);
  const segments = absPattern.split('/').filter((s) => s !== '');
  let current: string[] = ['/'];
  for (const seg of segments) {
    const next: string[] = [];
    for (const dir of current) {
      if (!isPattern(seg)) {
        next.push(path.join(dir, seg));
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      const re = segmentRegExp(seg);
      // Like the shell, a leading `*` does not match dot files.
      for (const name of names.sort()) if (re.test(name) && !(name.startsWith('.') && !seg.startsWith('.'))) next.push(path.join(dir, name));
    }
    current = next;
  }
  return current.filter((p) => fs.existsSync(p)).sort();
}
