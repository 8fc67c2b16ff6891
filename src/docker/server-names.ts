/**
 * Names that come from a server (Compose labels, container ids) and go into an argv. Whoever can
 * start a container chooses its labels, so a service labelled `-V` would become a flag of
 * `docker compose up`, and a label with control characters would be shown as one name and run
 * as another. Every such name is checked here, raw (before sanitising, which could turn a hostile
 * name into a harmless-looking different one), and refused with one line if it is not plainly a
 * name; the argv builders end options with `--` as well.
 */
import { sanitise } from '../text/sanitise.js';

export class ServerNameError extends Error {}

const MAX_NAME = 255;
const MAX_PATH = 4096;
// C0/C1 controls, DEL, and bidi/zero-width format characters that make a name read as another.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

function refuse(what: string, value: unknown, why: string): never {
  const shown = typeof value === 'string' ? `'${sanitise(value.length > 80 ? `${value.slice(0, 80)}…` : value)}'` : String(value);
  throw new ServerNameError(`refusing the ${what} ${shown} from the server: ${why}`);
}

function text(what: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value === '') refuse(what, value, 'it is missing');
  if (value.length > max) refuse(what, value, `longer than ${max} characters`);
  if (INVISIBLE.test(value)) refuse(what, value, 'it contains control or invisible characters');
  if (value.startsWith('-')) refuse(what, value, 'it begins with "-" and would be read as an option');
  return value;
}

/** A Compose project name: lower-case letters, digits, `-` and `_`, as Compose itself writes them. */
export function composeProjectName(value: unknown): string {
  const v = text('compose project label', value, MAX_NAME);
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(v)) refuse('compose project label', v, 'not a Compose project name (a-z, 0-9, "-", "_")');
  return v;
}

/** A Compose service name: letters, digits, `.`, `_` and `-` (the Compose specification's set), not starting with `-`. */
export function composeServiceName(value: unknown): string {
  const v = text('compose service label', value, MAX_NAME);
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(v)) refuse('compose service label', v, 'not a Compose service name (letters, digits, ".", "_", "-")');
  return v;
}

/** An absolute path on the server (the compose working directory). */
export function serverDirectory(what: string, value: unknown): string {
  const v = text(what, value, MAX_PATH);
  if (!v.startsWith('/')) refuse(what, v, 'not an absolute path');
  return v;
}

/** Compose's config_files label: paths separated by commas, each absolute or relative to the project directory. */
export function composeConfigFiles(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value !== 'string') refuse('compose config_files label', value, 'not text');
  if (value.length > MAX_PATH) refuse('compose config_files label', value, `longer than ${MAX_PATH} characters`);
  return value
    .split(',')
    .filter((f) => f !== '')
    .map((f) => text('compose config file', f, MAX_PATH));
}

/** A full container id: 64 lower-case hex digits, which is all dockerd ever returns. */
export function containerId(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) refuse('container id', value, 'not 64 hex digits');
  return value;
}
