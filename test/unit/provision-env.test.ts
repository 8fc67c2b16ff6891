import { describe, expect, it } from 'vitest';
import { envLineBytes, isSecretName, parseEnvKeys, planEnv, renderEnv, requiredVariables } from '../../src/provision/env-file.js';
import { parseEnvBytes } from '../../src/provision/env-lines.js';

describe('.env from .env.example and the compose file', () => {
  it('finds ${VAR:?msg} and ${VAR?msg}, not defaults or escaped dollars', () => {
    const compose = 'a: ${DATABASE_URL:?DATABASE_URL is required}\nb: ${JWT_SECRET?}\nc: ${RATE:-10}\nd: $${NOT_ME:?x}\ne: ${DATABASE_URL:?again}';
    expect(requiredVariables(compose)).toEqual([
      { name: 'DATABASE_URL', message: 'DATABASE_URL is required', nonEmpty: true },
      { name: 'JWT_SECRET', message: '', nonEmpty: false },
    ]);
  });

  it('plans only what the server lacks, from key names alone', () => {
    const req = requiredVariables('${A:?} ${B:?} ${C?}');
    const keys = parseEnvKeys('A set\nB empty\nC empty\n');
    expect(planEnv(req, keys)).toEqual({ missing: [req[1]], present: ['A', 'C'] });
    expect(planEnv(req, null).missing.map((m) => m.name)).toEqual(['A', 'B', 'C']);
  });

  it('fills .env.example and quotes values so Compose reads them literally', () => {
    const answers = new Map([
      ['DATABASE_URL', Buffer.from('postgres://u:p@db/x')],
      ['JWT_SECRET', Buffer.from("it's $ecret")],
      ['EXTRA', Buffer.from('a b')],
    ]);
    const text = renderEnv('# app\nDATABASE_URL=\nJWT_SECRET=change-me\nRATE=10\n', false, answers).toString();
    expect(text).toBe('# app\nDATABASE_URL=postgres://u:p@db/x\nJWT_SECRET="it\'s $$ecret"\nRATE=10\nEXTRA=\'a b\'\n');
    expect(renderEnv(null, true, new Map([['X', Buffer.from('1')]])).toString()).toBe('# Added by opsdeck provision\nX=1\n');
    expect(() => envLineBytes('X', Buffer.from('a\nb'))).toThrow(/line break/);
  });

  it('reads KEY=VALUE bytes from a descriptor, and knows which names are secrets', () => {
    const m = parseEnvBytes(Buffer.from('A=1\n# c\nB=x=y\r\n'), 'env-fd');
    expect([...m].map(([k, v]) => `${k}:${v.toString()}`)).toEqual(['A:1', 'B:x=y']);
    expect(() => parseEnvBytes(Buffer.from('not a line\n'), 'env-fd')).toThrow(/KEY=VALUE/);
    expect(isSecretName('JWT_SECRET')).toBe(true);
    expect(isSecretName('DATABASE_URL')).toBe(true);
    expect(isSecretName('RATE_LIMIT_MAX')).toBe(false);
  });
});
