/**
 * bench/README.md is shared: each benchmark owns blocks between its own markers
 * (`<!-- NAME:begin -->` … `<!-- NAME:end -->`) and rewrites only those; text outside them is
 * left as it is. A block that does not exist yet is appended (inside `parent`'s block when given).
 */
import fs from 'node:fs';
import path from 'node:path';

export const README = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'README.md');

const begin = (name: string) => `<!-- ${name}:begin -->`;
const end = (name: string) => `<!-- ${name}:end -->`;

export function hasBlock(text: string, name: string): boolean {
  return text.includes(begin(name)) && text.includes(end(name));
}

/** Replace (or add) block `name` with `body`; returns the new text. */
export function withBlock(text: string, name: string, body: string, parent?: string): string {
  const block = `${begin(name)}\n${body.trimEnd()}\n${end(name)}`;
  if (hasBlock(text, name)) {
    const a = text.indexOf(begin(name));
    const b = text.indexOf(end(name)) + end(name).length;
    return text.slice(0, a) + block + text.slice(b);
  }
  if (parent && hasBlock(text, parent)) {
    const at = text.indexOf(end(parent));
    return `${text.slice(0, at)}${block}\n\n${text.slice(at)}`;
  }
  return `${text.trimEnd()}${text.trim() ? '\n\n' : ''}${block}\n`;
}

export function updateReadme(edit: (text: string) => string, file = README): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const next = edit(text);
  // Write beside and rename: another benchmark may be writing its own block at the same moment.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, next);
  fs.renameSync(tmp, file);
}
