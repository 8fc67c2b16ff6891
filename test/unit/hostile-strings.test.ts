import { describe, expect, it } from 'vitest';
import { DockerEventSchema } from '../../src/docker/schemas.js';
import { groupContainers } from '../../src/model/grouping.js';
import { RestartLoopDetector } from '../../src/model/restart-loop.js';
import { MASK } from '../../src/docker/secret-mask.js';
import { fixture, NOW, view } from './fixtures/load.js';

// Anything a terminal would act on: C0 controls except \n, DEL, C1 controls, bidi overrides.
const DANGEROUS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Every string in a value, object keys included, with where it was found. */
function strings(value: unknown, path = '$', out: [string, string][] = []): [string, string][] {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([`${path} (key)`, k]);
      strings(v, `${path}.${k}`, out);
    }
  }
  return out;
}

describe('hostile server strings come out sanitised', () => {
  const c = view('inspect-hostile.json');

  it('no string anywhere in the view can drive the terminal', () => {
    // The fixture really is hostile…
    expect(strings(fixture('inspect-hostile.json')).filter(([, s]) => DANGEROUS.test(s)).length).toBeGreaterThan(10);
    // …and the view is not.
    for (const [path, s] of strings(c)) {
      expect(DANGEROUS.test(s), `${path}: ${JSON.stringify(s)}`).toBe(false);
      expect(s.includes('\u001b'), path).toBe(false);
    }
  });

  it('names, labels and Compose identity keep their text and lose the sequences', () => {
    expect(c.name).toBe('evil-1');
    expect(c.project).toBe('shop');
    expect(c.service).toBe('api');
    expect(c.image.raw).toBe('evil/img:1.0');
    expect(c.labels.note).toBe('click me');
    // One field stays one line.
    expect(c.labels.desc).toBe('line1⏎line2ok');
    expect(c.mounts[0]!.source).toBe('/srv/hidden');
  });

  it('environment is sanitised, then masked', () => {
    expect(c.env).toEqual([
      { key: 'GREETING', value: 'hired', masked: 'none' },
      { key: 'API_TOKEN', value: MASK, masked: 'full' },
      { key: 'NOTE', value: 'bold', masked: 'none' },
    ]);
  });

  it('health-check output keeps its lines but nothing else', () => {
    expect(c.healthLog[0]!.output).toBe('curl: (7) Failed\nsecond line |tab');
  });

  it('a hostile HostIp is still judged by what it says', () => {
    expect(c.ports[0]!.hostIp).toBe('0.0.0.0');
    const [group] = groupContainers({ containers: [c], now: NOW });
    const row = group!.services[0]!;
    expect(row.portWarnings[0]!.message).toBe('5432/tcp (PostgreSQL) is published on port 5432 on all interfaces (0.0.0.0)');
    for (const [path, s] of strings(group)) expect(DANGEROUS.test(s.replace(/\n/g, '')), path).toBe(false);
  });

  it('event attributes are sanitised before they become keys', () => {
    const d = new RestartLoopDetector({ now: () => NOW });
    d.observe(
      DockerEventSchema.parse({
        Type: 'container',
        Action: 'die',
        Actor: { ID: 'x1\u001b[2J', Attributes: { 'com.docker.compose.project': 'shop\u001b[H', 'com.docker.compose.service': 'api\u0007', exitCode: '1' } },
        time: NOW / 1000,
      }),
    );
    expect([...d.snapshot().keys()].sort()).toEqual(['compose:shop/api', 'container:x1']);
  });
});
