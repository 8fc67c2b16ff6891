/**
 * Masking of environment values before they reach a screen or `status --json`.
 *
 * The detail screen may be on a shared on-call display, so we mask generously: showing
 * `CACHE_KEY=••••••` costs nothing, leaking a database password costs a rotation. The mask is a
 * fixed string so it never reveals a secret's length. Two exceptions where hiding hurts more
 * than it helps: an empty value stays visible (an empty required secret is a common outage
 * cause), and keys whose last word says the value is a setting about a secret rather than the
 * secret itself (TOKEN_TTL, PASSWORD_FILE, AUTH_ENABLED) are not masked by name.
 *
 * Values are also checked whatever their key: credentials inside URLs, password=… parameters in
 * DSNs and query strings, PEM private keys, and a few token formats that announce themselves.
 */

export const MASK = '••••••';

/** none: shown as is; partial: only the credential inside the value was replaced; full: the whole value. */
export type MaskKind = 'none' | 'partial' | 'full';

export interface EnvVar {
  key: string;
  /** The value to display: masked where needed. */
  value: string;
  masked: MaskKind;
}

// Whole words (after splitting on _ - . and camelCase) that make a key secret.
const SECRET_WORDS = new Set([
  'PASSWORD', 'PASSWORDS', 'PASSWD', 'PASS', 'PWD', 'PASSPHRASE',
  'SECRET', 'SECRETS', 'TOKEN', 'TOKENS', 'KEY', 'KEYS', 'APIKEY',
  'DSN', 'CREDENTIAL', 'CREDENTIALS', 'CREDS', 'AUTH', 'AUTHORIZATION', 'BEARER',
  'COOKIE', 'COOKIES', 'SALT', 'PEPPER', 'PRIVATE',
]);

// Words glued to a prefix: PGPASSWORD, GHTOKEN, CLIENTSECRET, AWSSECRETKEY. Deliberately not
// bare KEY (MONKEY, HOTKEY) or AUTH (OAUTH, NEXTAUTH) — those only count as whole words, which
// is also why KEYBOARD, KEYCLOAK and AUTHOR are not secrets.
const SECRET_SUFFIXES = ['PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'TOKEN', 'APIKEY', 'ACCESSKEY', 'SECRETKEY', 'PRIVATEKEY', 'AUTHKEY', 'CREDENTIALS'];

// A last word that makes the key a setting about a secret, not the secret.
const SETTING_WORDS = new Set([
  'TTL', 'EXPIRY', 'EXPIRES', 'EXPIRATION', 'LIFETIME', 'TIMEOUT', 'AGE', 'ROUNDS',
  'LENGTH', 'LEN', 'MIN', 'MAX', 'ENABLED', 'DISABLED', 'ENABLE', 'DISABLE', 'REQUIRED',
  'PREFIX', 'TYPE', 'ALGORITHM', 'ALG', 'PROVIDER', 'MODE', 'METHOD', 'STRATEGY',
  'URL', 'URI', 'ENDPOINT', 'HOST', 'PORT', 'DOMAIN', 'SECURE', 'SAMESITE', 'NAME',
  'FILE', 'PATH', 'DIR', 'USER', 'USERNAME',
]);

export function splitKeyWords(key: string): string[] {
  return key
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter((w) => w !== '')
    .map((w) => w.toUpperCase());
}

/** Whether a key names a secret (PASSWORD, API_KEY, SENTRY_DSN, DATABASE_URL …). */
export function isSecretKey(key: string): boolean {
  const words = splitKeyWords(key);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  // Named in every compose file and nearly always carries a password.
  if (last === 'URL' && words[words.length - 2] === 'DATABASE') return true;
  const joined = words.join('_');
  if (/(^|_)CONN(ECTION)?_?STR(ING)?$/.test(joined)) return true;
  if (SETTING_WORDS.has(last)) return false;
  // A bare PWD is the shell's working directory.
  if (words.length === 1 && last === 'PWD') return false;
  return words.some((w) => SECRET_WORDS.has(w) || SECRET_SUFFIXES.some((s) => w.length > s.length && w.endsWith(s)));
}

// scheme://userinfo@host — userinfo runs to the last @ before the path, so an unescaped @ in a
// password does not leave its tail visible.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi;
// password=…, api_key=…, AccountKey=… in DSNs, query strings and connection strings.
const INLINE_SECRET =
  /(^|[?&;,\s])([\w.-]*?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|accountkey|sharedaccesskey|sig|signature)\s*=\s*)("[^"]*"|'[^']*'|[^&;,\s]+)/gi;
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
// Token formats that identify themselves, so a secret in an innocently named variable is still caught.
const SELF_EVIDENT_TOKENS = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}/,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bglpat-[A-Za-z0-9_-]{20,}/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  /\b[sr]k_(live|test)_[A-Za-z0-9]{16,}/,
  /\bsk-[A-Za-z0-9_-]{20,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
];

/** Whether a value carries credentials in a URL (user:pass@, token@). */
export function hasUrlCredentials(value: string): boolean {
  URL_CREDENTIALS.lastIndex = 0;
  for (const m of value.matchAll(URL_CREDENTIALS)) if (m[2] !== '') return true;
  return false;
}

/** Mask what a value gives away by itself, whatever its key. */
export function maskValue(value: string): { value: string; masked: MaskKind } {
  if (PRIVATE_KEY.test(value) || SELF_EVIDENT_TOKENS.some((re) => re.test(value))) return { value: MASK, masked: 'full' };
  let out = value.replace(URL_CREDENTIALS, (whole, scheme: string, userinfo: string) => (userinfo === '' ? whole : `${scheme}${MASK}@`));
  out = out.replace(INLINE_SECRET, (_whole, lead: string, name: string) => `${lead}${name}${MASK}`);
  return out === value ? { value, masked: 'none' } : { value: out, masked: 'partial' };
}

export function maskEnvVar(key: string, value: string): EnvVar {
  if (value === '') return { key, value, masked: 'none' };
  if (isSecretKey(key)) return { key, value: MASK, masked: 'full' };
  return { key, ...maskValue(value) };
}

/** Split Docker's "KEY=value" list (a bare "KEY" means passed through unset) and mask it. */
export function maskEnv(env: readonly string[]): EnvVar[] {
  return env.map((entry) => {
    const eq = entry.indexOf('=');
    return eq < 0 ? maskEnvVar(entry, '') : maskEnvVar(entry.slice(0, eq), entry.slice(eq + 1));
  });
}
