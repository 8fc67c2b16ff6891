import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MASK } from '../../src/docker/secret-mask.js';
import { makeScrubber } from '../../src/runbook/secret-scrub.js';
import type { OutputEvent, RunStartEvent, TranscriptEvent } from '../../src/runbook/transcript-events.js';
import { transcriptMarkdown } from '../../src/runbook/transcript-markdown.js';
import {
  listRuns,
  newRunId,
  OUTPUT_EVENT_CAP,
  readTranscript,
  RUN_OUTPUT_CAP,
  runFile,
  runsDirectory,
  runState,
  TranscriptWriter,
} from '../../src/runbook/transcript.js';

const RUN = '20261206T223100Z-restart-loop-a1b2';
const SECRET = 'hunter2-$(rm -rf /)';

function start(over: Partial<RunStartEvent> = {}): RunStartEvent {
  return {
    t: 'start',
    run: RUN,
    at: '2026-12-06T22:31:00.000Z',
    runbook: 'restart-loop',
    title: 'Restart loop',
    source: 'builtin:restart-loop',
    digest: 'ab'.repeat(32),
    user: 'alice',
    from: 'laptop',
    server: { profile: 'prod', host: '203.0.113.5', fingerprint: 'SHA256:Zm9vYmFy' },
    params: { SERVICE: 'api', DB_PASSWORD: MASK },
    secretParams: ['DB_PASSWORD'],
    plan: false,
    ...over,
  };
}

function out(step: string, text: string, stream: OutputEvent['stream'] = 'stdout'): OutputEvent {
  return { t: 'output', at: '2026-12-06T22:31:01.000Z', step, stream, text };
}

/** A finished run: a check with output and a capture, then a confirmed action that fails. */
const FULL_RUN: TranscriptEvent[] = [
  start(),
  { t: 'step-start', at: '2026-12-06T22:31:01.000Z', step: 'check', kind: 'check', title: 'Check health', command: 'docker compose ps api' },
  out('check', 'api  restarting\n'),
  out('check', 'warning: high load\n', 'stderr'),
  { t: 'step-end', at: '2026-12-06T22:31:02.250Z', step: 'check', status: 'ok', code: 0, ms: 1250, captures: { STATE: 'restarting' } },
  { t: 'confirm', at: '2026-12-06T22:31:03.000Z', step: 'restart', answer: 'yes', typed: 'prod' },
  { t: 'step-start', at: '2026-12-06T22:31:03.100Z', step: 'restart', kind: 'act', title: 'Restart the api', command: 'restart api' },
  { t: 'step-end', at: '2026-12-06T22:33:08.100Z', step: 'restart', status: 'failed', code: 1, ms: 125_000, captures: {}, reason: 'exit code 1' },
  { t: 'end', at: '2026-12-06T22:33:08.200Z', status: 'failed', ms: 128_200 },
];

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-tr-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeAll(file: string, events: readonly TranscriptEvent[], secrets: readonly string[] = []): TranscriptWriter {
  const writer = new TranscriptWriter(file, makeScrubber(secrets));
  for (const e of events) writer.append(e);
  return writer;
}

describe('run ids and where runs live', () => {
  it('names a run by its UTC start, its runbook and a random tail', () => {
    expect(newRunId('restart-loop', new Date('2026-12-06T22:31:00.789Z'), () => 'a1b2')).toBe('20261206T223100Z-restart-loop-a1b2');
    expect(newRunId('restart-loop', new Date('2026-12-06T22:31:00Z'))).toMatch(/^20261206T223100Z-restart-loop-[0-9a-f]{4}$/);
  });

  it('keeps a run id safe as a file name', () => {
    expect(newRunId('../../etc/passwd x', new Date('2026-12-06T22:31:00Z'), () => '/a')).toBe('20261206T223100Z--etc-passwd-x--a');
    expect(runFile('/runs', '../x')).toBe(path.join('/runs', '-x.jsonl'));
  });

  it('puts runs beside the config file', () => {
    expect(runsDirectory({ configPath: '/srv/ops/opsdeck.json' })).toBe('/srv/ops/runs');
    expect(runsDirectory({ env: { XDG_CONFIG_HOME: '/home/a/.cfg' } })).toBe('/home/a/.cfg/opsdeck/runs');
    expect(runsDirectory({ env: { HOME: '/home/b' } })).toBe('/home/b/.config/opsdeck/runs');
  });
});

describe('TranscriptWriter and readTranscript', () => {
  it('reads back what it wrote', () => {
    const file = path.join(dir, 'runs', `${RUN}.jsonl`);
    const writer = writeAll(file, FULL_RUN);
    expect(writer.error).toBeNull();
    expect(readTranscript(file)).toEqual({ events: FULL_RUN, problems: [] });
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(FULL_RUN.length + 1);
  });

  it('creates the file 0600 in a 0700 directory', () => {
    const runs = path.join(dir, 'config', 'runs');
    const file = path.join(runs, `${RUN}.jsonl`);
    writeAll(file, [start()]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(runs).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(runs)).mode & 0o777).toBe(0o700);
  });

  it('never writes a secret, wherever the runner passes it', () => {
    const file = path.join(dir, 'secret.jsonl');
    const writer = writeAll(
      file,
      [
        // As if the runner forgot to mask: the writer is the last line of defence.
        start({ params: { SERVICE: 'api', DB_PASSWORD: SECRET }, title: `Rotate ${SECRET}` }),
        { t: 'step-start', at: '2026-12-06T22:31:01.000Z', step: 'login', kind: 'act', title: 'Log in', command: `PGPASSWORD='${SECRET}' psql -h db` },
        out('login', `echoed: ${SECRET}\nagain:${SECRET}${SECRET}\n`),
        { t: 'step-end', at: '2026-12-06T22:31:02.000Z', step: 'login', status: 'ok', code: 0, ms: 1000, captures: { PW: SECRET, [SECRET]: 'x' }, reason: `saw ${SECRET}` },
        { t: 'confirm', at: '2026-12-06T22:31:03.000Z', step: 'login', answer: 'yes', typed: SECRET },
      ],
      [SECRET],
    );
    expect(writer.error).toBeNull();
    const bytes = fs.readFileSync(file);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from('hunter2'))).toBe(false);
    expect(bytes.includes(Buffer.from('rm -rf'))).toBe(false);

    const { events, problems } = readTranscript(file);
    expect(problems).toEqual([]);
    expect(events[0]).toMatchObject({ title: `Rotate ${MASK}`, params: { SERVICE: 'api', DB_PASSWORD: MASK } });
    expect(events[1]).toMatchObject({ command: `PGPASSWORD=${MASK} psql -h db` });
    expect(events[2]).toMatchObject({ text: `echoed: ${MASK}\nagain:${MASK}\n` });
    expect(events[3]).toMatchObject({ captures: { PW: MASK, [MASK]: 'x' }, reason: `saw ${MASK}` });
    expect(events[4]).toMatchObject({ typed: MASK });
  });

  it('masks the known secret patterns in output nobody declared', () => {
    const file = path.join(dir, 'patterns.jsonl');
    writeAll(file, [start(), out('env', 'PGPASSWORD=abc psql -c "select 1"\nconnecting to postgres://u:pw@db:5432/shop now\nTOKEN_TTL=3600\n')]);
    expect(readTranscript(file).events[1]).toEqual(
      out('env', `PGPASSWORD=${MASK} psql -c "select 1"\nconnecting to postgres://${MASK}@db:5432/shop now\nTOKEN_TTL=3600\n`),
    );
  });

  it('removes terminal escapes from output and keeps line breaks', () => {
    const file = path.join(dir, 'ansi.jsonl');
    writeAll(file, [start(), out('check', '\x1b]0;title\x07hello \x1b[2Jworld\r\nnext\n')]);
    expect(readTranscript(file).events[1]).toEqual(out('check', 'hello world\nnext\n'));
    expect(fs.readFileSync(file, 'utf8').split('\n')[1]).toBe('{"t":"output","at":"2026-12-06T22:31:01.000Z","step":"check","stream":"stdout","text":"hello world\\nnext\\n"}');
  });

  it('cuts one output event at 64 KiB, on a character boundary', () => {
    const file = path.join(dir, 'cut.jsonl');
    writeAll(file, [start(), out('a', 'x'.repeat(70_000)), out('b', '€'.repeat(30_000)), out('c', 'y'.repeat(OUTPUT_EVENT_CAP))]);
    const [, a, b, c] = readTranscript(file).events;
    expect(a).toEqual(out('a', `${'x'.repeat(65_536)}… [cut 4464 bytes]`));
    // € is three bytes: 21,845 of them fit (65,535 bytes); the rest of the 90,000 go.
    expect(b).toEqual(out('b', `${'€'.repeat(21_845)}… [cut 24465 bytes]`));
    expect(c).toEqual(out('c', 'y'.repeat(65_536)));
  });

  it('stops writing a run\'s output at 8 MiB, counting what it drops', () => {
    const file = path.join(dir, 'cap.jsonl');
    const chunk = 'x'.repeat(OUTPUT_EVENT_CAP);
    const events: TranscriptEvent[] = [start()];
    for (let i = 0; i < RUN_OUTPUT_CAP / OUTPUT_EVENT_CAP; i++) events.push(out('flood', chunk));
    events.push(out('flood', 'y'.repeat(1000)), out('flood', 'z'.repeat(24)), out('after', 'still running\n', 'info'));
    events.push({ t: 'end', at: '2026-12-06T22:40:00.000Z', status: 'done', ms: 540_000 });
    const writer = writeAll(file, events);
    expect(writer.error).toBeNull();
    expect(writer.outputBytes).toBe(RUN_OUTPUT_CAP);
    expect(writer.droppedBytes).toBe(1000 + 24 + 14);

    const read = readTranscript(file).events;
    expect(read).toHaveLength(1 + 128 + 3);
    expect(read.slice(1, 129).every((e) => e.t === 'output' && e.text === chunk)).toBe(true);
    expect(read.slice(129)).toEqual([
      out('flood', 'output from here on is not written to the transcript: the run has reached its 8 MiB cap', 'info'),
      { t: 'output', at: '2026-12-06T22:40:00.000Z', step: 'after', stream: 'info', text: '1038 bytes of output were not written to the transcript (the 8 MiB cap)' },
      { t: 'end', at: '2026-12-06T22:40:00.000Z', status: 'done', ms: 540_000 },
    ]);
  });

  it('keeps the cap across a resume: the new writer counts what is already in the file', () => {
    const file = path.join(dir, 'cap-resume.jsonl');
    const chunk = 'x'.repeat(OUTPUT_EVENT_CAP);
    const first: TranscriptEvent[] = [start()];
    for (let i = 0; i < RUN_OUTPUT_CAP / OUTPUT_EVENT_CAP - 1; i++) first.push(out('flood', chunk));
    writeAll(file, first);
    const second = writeAll(file, [out('flood', chunk), out('flood', 'one more')]);
    expect(second.outputBytes).toBe(RUN_OUTPUT_CAP);
    expect(second.droppedBytes).toBe(8);
  });

  it('skips a line cut short by a crash and reads the rest', () => {
    const file = path.join(dir, 'crash.jsonl');
    writeAll(file, FULL_RUN.slice(0, 3));
    fs.appendFileSync(file, '{"t":"output","at":"2026-12-06T22:31:0');
    expect(readTranscript(file)).toEqual({ events: FULL_RUN.slice(0, 3), problems: ['line 4: not JSON'] });
  });

  it('starts a resumed run on a line of its own after a torn line', () => {
    const file = path.join(dir, 'torn.jsonl');
    writeAll(file, FULL_RUN.slice(0, 3));
    fs.appendFileSync(file, '{"t":"out');
    const resume: TranscriptEvent = { t: 'resume', at: '2026-12-07T08:00:00.000Z', user: 'bob', from: 'desk', after: null };
    writeAll(file, [resume]);
    expect(readTranscript(file)).toEqual({ events: [...FULL_RUN.slice(0, 3), resume], problems: ['line 4: not JSON'] });
  });

  it('names lines that are JSON but not events', () => {
    const file = path.join(dir, 'invalid.jsonl');
    fs.writeFileSync(
      file,
      [
        JSON.stringify(start()),
        JSON.stringify({ t: 'step-end', step: 'x', status: 'ok', code: 0, ms: 1, captures: {} }),
        JSON.stringify({ t: 'teleport', at: 'now' }),
        '',
        JSON.stringify({ t: 'end', at: '2026-12-06T22:40:00.000Z', status: 'exploded', ms: 1 }),
        '[1,2',
        JSON.stringify({ t: 'end', at: '2026-12-06T22:40:00.000Z', status: 'done', ms: 1 }),
      ].join('\n'),
    );
    expect(readTranscript(file)).toEqual({
      events: [start(), { t: 'end', at: '2026-12-06T22:40:00.000Z', status: 'done', ms: 1 }],
      problems: [
        'line 2: not a transcript event (at: Invalid input: expected string, received undefined)',
        "line 3: not a transcript event (t: Invalid discriminator value. Expected 'start' | 'step-start' | 'output' | 'step-end' | 'confirm' | 'ack' | 'resume' | 'end')",
        'line 5: not a transcript event (status: Invalid option: expected one of "done"|"failed"|"stopped")',
        'line 6: not JSON',
      ],
    });
  });

  it('remembers the first write error and then does nothing', () => {
    const blocker = path.join(dir, 'not-a-directory');
    fs.writeFileSync(blocker, '');
    const writer = new TranscriptWriter(path.join(blocker, 'runs', `${RUN}.jsonl`), makeScrubber([]));
    expect(() => writer.append(start())).not.toThrow();
    const first = writer.error;
    expect((first as NodeJS.ErrnoException | null)?.code).toBe('ENOTDIR');
    writer.append(FULL_RUN[1]!);
    expect(writer.error).toBe(first);
  });
});

describe('runState', () => {
  const step = (id: string, status: 'ok' | 'failed' | 'skipped', captures: Record<string, string> = {}, code: number | null = status === 'failed' ? 1 : 0): TranscriptEvent[] => [
    { t: 'step-start', at: '2026-12-06T22:31:01.000Z', step: id, kind: 'check', title: id, command: `check ${id}` },
    { t: 'step-end', at: '2026-12-06T22:31:02.000Z', step: id, status, code, ms: 1000, captures },
  ];

  it('says where an interrupted run can go on from', () => {
    const events: TranscriptEvent[] = [
      start(),
      ...step('find', 'ok', { PID: '4242', TOKEN: MASK }),
      ...step('optional', 'skipped', {}, null),
      ...step('probe', 'failed', { PID: 'ignored' }),
      { t: 'step-start', at: '2026-12-06T22:31:05.000Z', step: 'restart', kind: 'act', title: 'restart', command: 'restart api' },
      out('restart', 'restarting…'),
    ];
    const state = runState(events);
    expect(state.start).toEqual(start());
    expect(state.completed).toEqual(['find', 'optional']);
    expect(state.lastCompleted).toBe('optional');
    expect([...state.outcomes]).toEqual([
      ['find', { status: 'ok', code: 0 }],
      ['optional', { status: 'skipped', code: null }],
      ['probe', { status: 'failed', code: 1 }],
    ]);
    expect([...state.captures]).toEqual([
      ['PID', '4242'],
      ['TOKEN', MASK],
    ]);
    expect(state.ended).toBeNull();
  });

  it('counts a step\'s latest run, and a resume reopens an ended run', () => {
    const end: TranscriptEvent = { t: 'end', at: '2026-12-06T22:32:00.000Z', status: 'failed', ms: 60_000 };
    const events: TranscriptEvent[] = [
      start(),
      ...step('a', 'ok', { N: '1' }),
      ...step('b', 'failed'),
      end,
      { t: 'resume', at: '2026-12-07T08:00:00.000Z', user: 'bob', from: 'desk', after: 'a' },
      ...step('b', 'ok', { N: '2' }),
      ...step('a', 'failed'),
    ];
    const state = runState(events);
    expect(state.completed).toEqual(['b']);
    expect(state.lastCompleted).toBe('b');
    expect(state.outcomes.get('a')).toEqual({ status: 'failed', code: 1 });
    expect([...state.captures]).toEqual([['N', '2']]);
    expect(state.ended).toBeNull();
    expect(runState(events.slice(0, 6)).ended).toEqual(end);
  });

  it('has nothing to resume without a start event', () => {
    expect(() => runState(FULL_RUN.slice(1))).toThrow('the transcript has no start event');
  });
});

describe('listRuns', () => {
  it('lists runs newest first with how each ended', () => {
    const runs = path.join(dir, 'runs');
    const at = (day: number): string => `2026-12-0${day}T10:00:00.000Z`;
    const end = (status: 'done' | 'failed' | 'stopped'): TranscriptEvent => ({ t: 'end', at: '2026-12-09T00:00:00.000Z', status, ms: 1 });
    writeAll(runFile(runs, 'r1'), [start({ run: 'r1', at: at(1) }), end('done')]);
    writeAll(runFile(runs, 'r3'), [start({ run: 'r3', at: at(3), runbook: 'disk-full', server: { profile: '', host: 'db.example.com', fingerprint: null } }), out('x', 'a'.repeat(100_000))]);
    writeAll(runFile(runs, 'r2'), [start({ run: 'r2', at: at(2) }), end('failed'), { t: 'resume', at: at(4), user: 'bob', from: 'desk', after: null }]);
    writeAll(runFile(runs, 'r4'), [start({ run: 'r4', at: at(4) }), end('stopped')]);
    writeAll(runFile(runs, 'r5'), [start({ run: 'r5', at: at(5) }), out('x', 'partial')]);
    fs.appendFileSync(runFile(runs, 'r5'), '{"t":"end","at":"2026-12-09T0');
    fs.writeFileSync(path.join(runs, 'garbage.jsonl'), 'not json\n');
    fs.writeFileSync(path.join(runs, 'empty.jsonl'), '');
    fs.writeFileSync(path.join(runs, 'notes.txt'), JSON.stringify(start({ run: 'notes' })));

    expect(listRuns(runs)).toEqual([
      { run: 'r5', file: runFile(runs, 'r5'), runbook: 'restart-loop', started: at(5), status: 'interrupted', server: 'prod' },
      { run: 'r4', file: runFile(runs, 'r4'), runbook: 'restart-loop', started: at(4), status: 'stopped', server: 'prod' },
      { run: 'r3', file: runFile(runs, 'r3'), runbook: 'disk-full', started: at(3), status: 'interrupted', server: 'db.example.com' },
      { run: 'r2', file: runFile(runs, 'r2'), runbook: 'restart-loop', started: at(2), status: 'interrupted', server: 'prod' },
      { run: 'r1', file: runFile(runs, 'r1'), runbook: 'restart-loop', started: at(1), status: 'done', server: 'prod' },
    ]);
  });

  it('finds no runs in a directory that does not exist yet', () => {
    expect(listRuns(path.join(dir, 'nowhere'))).toEqual([]);
  });
});

describe('makeScrubber', () => {
  it('masks a secret that contains another whole, and overlapping ones as one', () => {
    const scrub = makeScrubber(['abc', 'abcdef', 'efgh']);
    expect(scrub('xabcdefx abc')).toBe(`x${MASK}x ${MASK}`);
    expect(scrub('abcdefgh!')).toBe(`${MASK}!`);
    expect(makeScrubber(['aaa'])('baaaab')).toBe(`b${MASK}b`);
  });

  it('masks short secrets too, at the price of over-masking', () => {
    expect(makeScrubber(['pw'])('pw: pwned')).toBe(`${MASK}: ${MASK}ned`);
    expect(makeScrubber(['', 'x'])('')).toBe('');
    expect(makeScrubber([''])('plain text')).toBe('plain text');
  });

  it('finds a secret with control characters as the sanitiser leaves it', () => {
    expect(makeScrubber(['pw\u0007xyz'])('login pwxyz ok')).toBe(`login ${MASK} ok`);
  });

  it('masks secret assignments, JSON members and header lines by key', () => {
    const scrub = makeScrubber([]);
    expect(scrub('export PGPASSWORD=abc; DB_PASSWORD="a b" NODE_ENV=production --db-password=zz JWT_SECRET= TOKEN_TTL=5')).toBe(
      `export PGPASSWORD=${MASK}; DB_PASSWORD=${MASK} NODE_ENV=production --db-password=${MASK} JWT_SECRET= TOKEN_TTL=5`,
    );
    expect(scrub('"Env": ["POSTGRES_PASSWORD=s3cr3t","TZ=UTC"]')).toBe(`"Env": ["POSTGRES_PASSWORD=${MASK}","TZ=UTC"]`);
    expect(scrub('{"password": "p4ss", "user": "bob", "api_key":""}')).toBe(`{"password": "${MASK}", "user": "bob", "api_key":""}`);
    expect(scrub('> Authorization: Bearer abc.def\n< Content-Type: text/plain\nerror: bad token: expired')).toBe(
      `> Authorization: ${MASK}\n< Content-Type: text/plain\nerror: bad token: expired`,
    );
  });

  it('masks URL credentials, tokens and private keys inside longer text', () => {
    const scrub = makeScrubber([]);
    expect(scrub('dial postgres://u:pw@h/db failed\nretry redis://:r3d1s@cache:6379/0')).toBe(`dial postgres://${MASK}@h/db failed\nretry redis://${MASK}@cache:6379/0`);
    expect(scrub(`push with ghp_${'A1b2C3d4E5'.repeat(3)} to https://api.example.com/hook?x=1&token=abc`)).toBe(
      `push with ${MASK} to https://api.example.com/hook?x=1&token=${MASK}`,
    );
    expect(scrub('key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\nAAAA\n-----END OPENSSH PRIVATE KEY-----\nnext')).toBe(`key:\n${MASK}\nnext`);
    expect(scrub('-----BEGIN RSA PRIVATE KEY-----\nMIIEow')).toBe(MASK);
    expect(scrub('user@example.com wrote design=modern to /run/secrets/pg')).toBe('user@example.com wrote design=modern to /run/secrets/pg');
  });

  it('handles a megabyte, and words too long for maskValue, without rescanning them', () => {
    const scrub = makeScrubber([SECRET, 'another-secret']);
    const line = `ok ${SECRET} PGPASSWORD=x postgres://u:p@h/d ${'abc.'.repeat(50)}\n`;
    const text = line.repeat(Math.ceil(1_000_000 / line.length));
    const masked = `ok ${MASK} PGPASSWORD=${MASK} postgres://${MASK}@h/d ${'abc.'.repeat(50)}\n`;
    expect(scrub(text)).toBe(masked.repeat(Math.ceil(1_000_000 / line.length)));

    // One dotted megabyte-long word is what makes maskValue's URL pattern quadratic.
    const dotted = `${'abc.'.repeat(260_000)}=x`;
    expect(scrub(dotted)).toBe(dotted);
    // Long words are split at punctuation; a long piece that may hold a credential goes whole.
    expect(scrub(`${'a'.repeat(2000)},postgres://u:pw@h/db`)).toBe(`${'a'.repeat(2000)},postgres://${MASK}@h/db`);
    expect(scrub(`${'a'.repeat(2000)}postgres://u:pw@h/db`)).toBe(MASK);
  });
});

describe('transcriptMarkdown', () => {
  it('writes a postmortem-ready document', () => {
    expect(transcriptMarkdown(FULL_RUN)).toBe(
      [
        '# Runbook run: Restart loop',
        '',
        '| | |',
        '|---|---|',
        `| Run | ${RUN} |`,
        '| Runbook | Restart loop (restart-loop) |',
        '| Source | builtin:restart-loop |',
        `| Digest | sha256 ${'ab'.repeat(32)} |`,
        '| Operator | alice |',
        '| From | laptop |',
        '| Server | prod (203.0.113.5) |',
        '| Host key | SHA256:Zm9vYmFy |',
        `| Parameters | SERVICE=api, DB_PASSWORD=${MASK} (secret) |`,
        '| Mode | run |',
        '| Started | 2026-12-06T22:31:00.000Z |',
        '| Ended | 2026-12-06T22:33:08.200Z |',
        '| Status | failed |',
        '| Duration | 2 min 8 s |',
        '',
        '## Steps',
        '',
        '### check: Check health',
        '',
        '- Kind: check',
        '- Started: 2026-12-06T22:31:01.000Z',
        '- Status: ok',
        '- Exit code: 0',
        '- Duration: 1.3 s',
        '- Captured: STATE=restarting',
        '',
        'Command:',
        '',
        '```',
        'docker compose ps api',
        '```',
        '',
        'Output:',
        '',
        '```',
        'api  restarting',
        'warning: high load',
        '```',
        '',
        '### restart: Restart the api',
        '',
        '- Kind: act',
        '- Started: 2026-12-06T22:31:03.100Z',
        '- Status: failed',
        '- Exit code: 1',
        '- Duration: 2 min 5 s',
        '- Reason: exit code 1',
        '- Confirmed: yes at 2026-12-06T22:31:03.000Z (typed "prod")',
        '',
        'Command:',
        '',
        '```',
        'restart api',
        '```',
        '',
        'Output:',
        '',
        '(none)',
        '',
      ].join('\n'),
    );
  });

  it('fences output so that backticks inside cannot close the block', () => {
    const md = transcriptMarkdown([
      start(),
      { t: 'step-start', at: '2026-12-06T22:31:01.000Z', step: 'show', kind: 'check', title: 'Show | *it*', command: 'cat README.md' },
      out('show', 'before\n```````\n# not a heading\n'),
      out('show', 'polling', 'info'),
    ]);
    expect(md).toContain('### show: Show \\| \\*it\\*\n');
    expect(md).toContain('Output:\n\n````````\nbefore\n```````\n# not a heading\n[opsdeck] polling\n````````\n');
    expect(md).toContain('- Status: no end recorded (interrupted)\n');
    expect(md).toContain('| Status | interrupted (no end recorded) |\n');
    // Every fence opened is closed by the same length: the document has no stray open block.
    const fences = md.split('\n').filter((l) => /^`{3,}$/.test(l));
    expect(fences).toEqual(['```', '```', '````````', '```````', '````````']);
  });

  it('lists acknowledgements, resumes and steps declined before they started', () => {
    const md = transcriptMarkdown([
      start({ server: { profile: 'prod', host: 'prod', fingerprint: null }, params: {}, plan: true }),
      { t: 'confirm', at: '2026-12-06T22:31:01.000Z', step: 'drop', answer: 'no' },
      { t: 'step-end', at: '2026-12-06T22:31:01.100Z', step: 'drop', status: 'skipped', code: null, ms: 0, captures: {}, reason: 'declined' },
      { t: 'resume', at: '2026-12-07T08:00:00+01:00', user: 'bob', from: 'desk', after: 'drop' },
      { t: 'step-start', at: '2026-12-07T07:00:01.000Z', step: 'call', kind: 'manual', title: 'Call the DBA', command: 'Phone the DBA on call' },
      { t: 'ack', at: '2026-12-07T07:05:00.000Z', step: 'call', answer: 'done' },
      { t: 'step-end', at: '2026-12-07T07:05:00.000Z', step: 'call', status: 'ok', code: null, ms: 299_000, captures: {} },
      { t: 'end', at: '2026-12-07T07:05:01.000Z', status: 'done', ms: 300_000 },
    ]);
    expect(md).toContain('| Server | prod |\n| Host key | not recorded |\n| Parameters | none |\n| Mode | plan (check steps only) |\n');
    expect(md).toContain('| Resumed | 2026-12-07T07:00:00.000Z by bob from desk, after drop |\n');
    expect(md).toContain('| Status | done |\n| Duration | 5 min |\n');
    expect(md).toContain('### drop: drop\n\n- Status: skipped\n- Exit code: —\n- Duration: 0 ms\n- Reason: declined\n- Confirmed: no at 2026-12-06T22:31:01.000Z\n\nOutput:\n\n(none)\n');
    expect(md).toContain('- Duration: 4 min 59 s\n- Acknowledged: done at 2026-12-07T07:05:00.000Z\n');
  });
});
