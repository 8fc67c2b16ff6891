/**
 * The app's .env: which variables the compose file insists on (`${VAR:?message}` or
 * `${VAR?message}`: Compose refuses to start without them), what .env.example lists, and the
 * text written to the server. Values the server's .env already has are never replaced; only
 * missing required ones are added. Values are plain data here; callers keep secret ones in
 * Buffers and zero them after the write.
 */
export interface RequiredVar {
  name: string;
  /** The message after `:?` / `?`, as a prompt hint. */
  message: string;
  /** `${VAR:?}` also refuses an empty value; `${VAR?}` only an unset one. */
  nonEmpty: boolean;
}

const REQUIRED_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:?)\?([^}]*)\}/g;

export function requiredVariables(composeText: string): RequiredVar[] {
  const seen = new Map<string, RequiredVar>();
  // `$${VAR:?x}` is an escaped dollar in Compose, not an interpolation.
  for (const m of composeText.matchAll(REQUIRED_RE)) {
    if (m.index !== undefined && m.index > 0 && composeText[m.index - 1] === '$') continue;
    const name = m[1]!;
    if (!seen.has(name)) seen.set(name, { name, message: m[3]!.trim(), nonEmpty: m[2] === ':' });
  }
  return [...seen.values()];
}

export interface EnvEntry {
  key: string;
  value: string;
  line: number;
}

/** KEY=value lines (an optional `export `), comments and blanks skipped; quotes removed. */
export function parseEnvFile(text: string): EnvEntry[] {
  const out: EnvEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (!t || t.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(t);
    if (!m) return;
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '').trim();
    out.push({ key: m[1]!, value: v, line: i + 1 });
  });
  return out;
}

/** Names that usually hold secrets: asked with the input hidden. */
export function isSecretName(name: string): boolean {
  return /(SECRET|PASSW|PASSPHRASE|TOKEN|_KEY$|^KEY$|API_KEY|PRIVATE|CREDENTIAL|DSN|DATABASE_URL|_URL$|AUTH)/i.test(name);
}

export class EnvValueError extends Error {}

const SAFE_BYTE = /^[A-Za-z0-9_@%+=:,./-]$/;

/**
 * One `KEY=value` line as bytes: bare when every byte is safe, single-quoted otherwise (Compose
 * reads those literally), double-quoted with escapes when the value has a single quote. The
 * value is never turned into a string; the returned Buffer is the caller's to zero.
 */
export function envLineBytes(key: string, value: Buffer): Buffer {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new EnvValueError(`'${key}' is not a variable name`);
  let safe = true;
  let single = false;
  for (const b of value) {
    if (b === 0x0a || b === 0x0d || b === 0) throw new EnvValueError(`${key}: a value cannot contain a line break`);
    if (b === 0x27) single = true;
    if (b >= 0x80 || !SAFE_BYTE.test(String.fromCharCode(b))) safe = false;
  }
  const head = Buffer.from(`${key}=`);
  if (safe) return Buffer.concat([head, value, Buffer.from('\n')]);
  if (!single) return Buffer.concat([head, Buffer.from("'"), value, Buffer.from("'\n")]);
  const out = Buffer.alloc(value.length * 2 + 2);
  let n = 0;
  out[n++] = 0x22;
  for (const b of value) {
    if (b === 0x5c || b === 0x22) out[n++] = 0x5c;
    if (b === 0x24) out[n++] = 0x24;
    out[n++] = b;
  }
  out[n++] = 0x22;
  const line = Buffer.concat([head, out.subarray(0, n), Buffer.from('\n')]);
  out.fill(0);
  return line;
}

/**
 * Prints "KEY set" or "KEY empty" per assignment in a .env on the server: the plan needs to know
 * which variables are there, never their values (they are secrets and stay on the server).
 */
export const ENV_KEYS_AWK =
  '/^[[:space:]]*(export[[:space:]]+)?[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=/ { k = $0; sub(/^[[:space:]]*(export[[:space:]]+)?/, "", k); sub(/[[:space:]]*=.*$/, "", k); v = substr($0, index($0, "=") + 1); gsub(/^[[:space:]]+|[[:space:]]+$/, "", v); print k, ((v == "" || v == "\"\"" || v == "\\047\\047") ? "empty" : "set") }';

export function parseEnvKeys(text: string): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const r = /^([A-Za-z_][A-Za-z0-9_]*) (set|empty)$/.exec(line.trim());
    // Later assignments win in Compose, as here.
    if (r) m.set(r[1]!, r[2] === 'set');
  }
  return m;
}

export interface EnvPlan {
  /** Required variables the server's .env lacks (or has empty where `:?` forbids it). */
  missing: RequiredVar[];
  /** Required variables already set on the server. */
  present: string[];
}

/** `existing`: parseEnvKeys of the server's .env, or null when there is none. */
export function planEnv(required: readonly RequiredVar[], existing: ReadonlyMap<string, boolean> | null): EnvPlan {
  const missing: RequiredVar[] = [];
  const present: string[] = [];
  for (const r of required) {
    const set = existing?.get(r.name);
    if (set === undefined || (r.nonEmpty && !set)) missing.push(r);
    else present.push(r.name);
  }
  return { missing, present };
}

/**
 * Bytes to write. No .env on the server: .env.example with the answered values filled in
 * (comments and optional defaults kept) and any answered variable it lacks appended. An existing
 * .env is never rewritten: the result is only the lines to append to it.
 */
export function renderEnv(example: string | null, serverHasEnv: boolean, answers: ReadonlyMap<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  const done = new Set<string>();
  if (!serverHasEnv && example !== null) {
    const lines = example.split('\n');
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    for (const raw of lines) {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(raw);
      const answer = m ? answers.get(m[1]!) : undefined;
      if (m && answer && !done.has(m[1]!)) {
        parts.push(envLineBytes(m[1]!, answer));
        done.add(m[1]!);
      } else parts.push(Buffer.from(`${raw}\n`));
    }
  }
  const rest = [...answers].filter(([k]) => !done.has(k));
  if (rest.length && serverHasEnv) parts.push(Buffer.from('# Added by opsdeck provision\n'));
  for (const [k, v] of rest) parts.push(envLineBytes(k, v));
  const out = Buffer.concat(parts);
  for (const p of parts) p.fill(0);
  return out;
}
