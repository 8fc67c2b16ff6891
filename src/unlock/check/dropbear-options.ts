/**
 * DROPBEAR_OPTIONS, the dropbear command line that dropbear-initramfs's init script word-splits
 * (`dropbear $DROPBEAR_OPTIONS`), read the way dropbear 2022's getopt-like parser reads it:
 * single-letter flags that may be grouped (`-sjk`), options whose value is the next word or
 * attached (`-p 2222`, `-p2222`).
 */

export interface DropbearOptions {
  /** -p values as written: "2222", "0.0.0.0:2222", "[::]:2222". Empty: dropbear's default, 22. */
  listen: string[];
  /** -s: no password logins. */
  noPasswords: boolean;
  /** -g: no password logins for root. */
  noRootPasswords: boolean;
  /** -j / -k: no local / remote port forwarding. */
  noLocalForwarding: boolean;
  noRemoteForwarding: boolean;
  /** -I seconds. */
  idleTimeout: number | undefined;
  /** -c: the command every login runs. */
  forcedCommand: string | undefined;
  /** Words we could not place. */
  unknown: string[];
}

const FLAGS = new Set('FeEmwsgBtjkaiRzV'.split(''));
const WITH_VALUE = new Set('brGTcpPWKID'.split(''));

export function splitWords(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}

export function parseDropbearOptions(words: readonly string[]): DropbearOptions {
  const o: DropbearOptions = {
    listen: [],
    noPasswords: false,
    noRootPasswords: false,
    noLocalForwarding: false,
    noRemoteForwarding: false,
    idleTimeout: undefined,
    forcedCommand: undefined,
    unknown: [],
  };
  const setValue = (flag: string, v: string) => {
    if (flag === 'p') o.listen.push(v);
    else if (flag === 'I') o.idleTimeout = /^\d+$/.test(v) ? Number(v) : o.idleTimeout;
    else if (flag === 'c') o.forcedCommand = v;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('-') || w === '-') {
      o.unknown.push(w);
      continue;
    }
    for (let j = 1; j < w.length; j++) {
      const c = w[j]!;
      if (WITH_VALUE.has(c)) {
        const attached = w.slice(j + 1);
        if (attached) setValue(c, attached);
        else if (i + 1 < words.length) setValue(c, words[++i]!);
        else o.unknown.push(w);
        break;
      }
      if (!FLAGS.has(c)) {
        o.unknown.push(`-${c}`);
        continue;
      }
      if (c === 's') o.noPasswords = true;
      else if (c === 'g') o.noRootPasswords = true;
      else if (c === 'j') o.noLocalForwarding = true;
      else if (c === 'k') o.noRemoteForwarding = true;
    }
  }
  return o;
}

/** The port of a -p value ("2222", "1.2.3.4:2222", "[::1]:2222"). */
export function listenPort(spec: string): number | undefined {
  const m = /^(?:\[[^\]]*\]:|[^:]*:)?(\d{1,5})$/.exec(spec);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Ports dropbear will listen on (22 when no -p is given). */
export function listenPorts(o: DropbearOptions): number[] {
  if (o.listen.length === 0) return [22];
  return o.listen.map(listenPort).filter((p): p is number => p !== undefined);
}

/**
 * The words with what a safe initramfs Dropbear needs added: -s, -j, -k, an idle timeout, and a
 * port when none is set. Existing words stay as they are, in order.
 */
export function hardenedWords(words: readonly string[], port: number): string[] {
  const o = parseDropbearOptions(words);
  const add: string[] = [];
  if (o.idleTimeout === undefined) add.push('-I', '60');
  if (!o.noLocalForwarding) add.push('-j');
  if (!o.noRemoteForwarding) add.push('-k');
  if (!o.noPasswords) add.push('-s');
  if (o.listen.length === 0) add.push('-p', String(port));
  return [...words, ...add];
}
