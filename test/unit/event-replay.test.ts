import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readContainerEvents, REPLAY_MAX } from '../../src/docker/event-stream.js';

/** A dockerode stand-in whose events stream sends `n` die events (one JSON line each), cut anywhere. */
function dockerSending(n: number) {
  const text = Array.from({ length: n }, (_, i) => JSON.stringify({ Type: 'container', Action: 'die', Actor: { ID: `c${i}` }, time: i, timeNano: i * 1e9 }) + '\n').join('');
  const chunks: string[] = [];
  for (let off = 0; off < text.length; off += 4093) chunks.push(text.slice(off, off + 4093));
  return { getEvents: async () => Readable.from(chunks) } as never;
}

describe('the event replay', () => {
  it(`keeps the newest ${REPLAY_MAX} events of a server that sends more, and counts the rest`, async () => {
    const r = await readContainerEvents(dockerSending(10_000), 0, 1);
    expect(r.events).toHaveLength(REPLAY_MAX);
    expect(r.dropped).toBe(10_000 - REPLAY_MAX);
    expect(r.events[0]!.Actor?.ID).toBe(`c${10_000 - REPLAY_MAX}`);
    expect(r.events.at(-1)!.Actor?.ID).toBe('c9999');
  });

  it('keeps every event of an ordinary replay', async () => {
    const r = await readContainerEvents(dockerSending(300), 0, 1);
    expect([r.events.length, r.dropped]).toEqual([300, 0]);
  });
});
