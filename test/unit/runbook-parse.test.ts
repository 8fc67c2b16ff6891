import { describe, it, expect } from 'vitest';
import { parseDuration, parseRunbook, splitActionWords } from '../../src/runbook/runbook-parse.js';
import { RunbookError, type Runbook } from '../../src/runbook/runbook-types.js';

const EXAMPLE = `---
runbook: restart-loop
title: A service keeps restarting
description: Why it loops, then restart or roll back.
params:
  service:
    description: The Compose service, as project/service or service
    pattern: '[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)?'
  mode:
    enum: [restart, rollback]
    default: restart
  token:
    secret: true
    default: ''
offer_on:
  - restart-loop
  - fault: unhealthy
    service: api
target:
  project: shop
  directory: /srv/shop
setup: [inspect]
---

# A service keeps restarting

## Why does it exit?

\`\`\`sh step=inspect kind=check timeout=20s
docker inspect --format '{{.State.ExitCode}}' "$service"
echo "EXIT_CODE=137" >> "$OPSDECK_OUT"
\`\`\`

## Restart it

\`\`\`opsdeck step=restart kind=act when="steps.inspect.ok && mode == 'restart'" on_failure=continue
restart \${service}
\`\`\`

\`\`\`manual step=tell kind=manual
Tell the team in #ops that api is being restarted.
\`\`\`

\`\`\`opsdeck step=healthy kind=wait interval=2s timeout=60s
healthy \${service}
\`\`\`
`;

const FENCE = '```';
const CHECK = `${FENCE}sh step=one kind=check\ntrue\n${FENCE}\n`;

/** Lines 1-3 are `---`, runbook:, title:, so `front` starts on line 4. */
function doc(front: string, body: string = CHECK): string {
  return `---\nrunbook: demo\ntitle: Demo\n${front}---\n${body}`;
}

/** A runbook whose front matter is fine: the body starts on line 5. */
function body(text: string, front = ''): string {
  return `---\nrunbook: demo\ntitle: Demo\n${front}---\n${text}`;
}

function errorOf(text: string): RunbookError {
  try {
    parseRunbook(text, 'rb.md');
  } catch (err) {
    if (err instanceof RunbookError) return err;
    throw err;
  }
  throw new Error('expected a RunbookError, and the runbook parsed');
}

function expectError(text: string, line: number, problem: string | RegExp): void {
  const err = errorOf(text);
  if (typeof problem === 'string') expect(err.message).toBe(`rb.md:${line}: ${problem}`);
  else {
    expect(err.problem).toMatch(problem);
    expect(err.line).toBe(line);
  }
  expect(err.file).toBe('rb.md');
  // One line, starting lower-case (or with a quoted name), no trailing period.
  expect(err.problem).not.toMatch(/\n/);
  expect(err.problem).not.toMatch(/\.$/);
  expect(err.problem).toMatch(/^[a-z'`]|^YAML/);
}

function steps(text: string): Runbook['steps'] {
  return parseRunbook(text, 'rb.md').steps;
}

describe('parseRunbook: the example', () => {
  it('parses into exactly the runbook it describes', () => {
    const rb = parseRunbook(EXAMPLE, 'runbooks/restart-loop.md');
    expect(rb).toEqual({
      id: 'restart-loop',
      title: 'A service keeps restarting',
      description: 'Why it loops, then restart or roll back.',
      params: [
        {
          name: 'service',
          description: 'The Compose service, as project/service or service',
          pattern: '[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)?',
          secret: false,
          required: true,
        },
        { name: 'mode', enum: ['restart', 'rollback'], default: 'restart', secret: false, required: false },
        { name: 'token', default: '', secret: true, required: false },
      ],
      offerOn: [{ fault: 'restart-loop' }, { fault: 'unhealthy', service: 'api' }],
      target: { project: 'shop', directory: '/srv/shop' },
      setup: ['inspect'],
      steps: [
        {
          id: 'inspect',
          kind: 'check',
          title: 'Why does it exit?',
          line: 29,
          confirm: false,
          timeoutMs: 20_000,
          intervalMs: 2_000,
          onFailure: { kind: 'stop' },
          body: {
            type: 'shell',
            shell: 'sh',
            script: `docker inspect --format '{{.State.ExitCode}}' "$service"\necho "EXIT_CODE=137" >> "$OPSDECK_OUT"\n`,
          },
        },
        {
          id: 'restart',
          kind: 'act',
          title: 'Restart it',
          line: 36,
          when: "steps.inspect.ok && mode == 'restart'",
          confirm: true,
          timeoutMs: 120_000,
          intervalMs: 2_000,
          onFailure: { kind: 'continue' },
          body: { type: 'action', argv: ['restart', '${service}'] },
        },
        {
          id: 'tell',
          kind: 'manual',
          title: 'Restart it',
          line: 40,
          confirm: false,
          timeoutMs: 120_000,
          intervalMs: 2_000,
          onFailure: { kind: 'stop' },
          body: { type: 'manual', text: 'Tell the team in #ops that api is being restarted.' },
        },
        {
          id: 'healthy',
          kind: 'wait',
          title: 'Restart it',
          line: 44,
          confirm: false,
          timeoutMs: 60_000,
          intervalMs: 2_000,
          onFailure: { kind: 'stop' },
          body: { type: 'action', argv: ['healthy', '${service}'] },
        },
      ],
      source: 'runbooks/restart-loop.md',
      text: EXAMPLE,
    });
  });

  it('leaves optional properties out rather than setting them to undefined', () => {
    const rb = parseRunbook(doc(''), 'rb.md');
    expect(Object.keys(rb)).not.toContain('description');
    expect(Object.keys(rb.steps[0]!)).not.toContain('when');
    expect(rb).toMatchObject({ params: [], offerOn: [], target: {}, setup: [] });
  });

  it('reads CRLF line endings as LF, keeping the text as given', () => {
    const crlf = EXAMPLE.replace(/\n/g, '\r\n');
    const rb = parseRunbook(crlf, 'rb.md');
    expect({ ...rb, text: '' }).toEqual({ ...parseRunbook(EXAMPLE, 'rb.md'), text: '' });
    expect(rb.text).toBe(crlf);
  });

  it('ignores a byte-order mark', () => {
    expect(parseRunbook(`\uFEFF${EXAMPLE}`, 'rb.md').steps).toHaveLength(4);
  });

  it('keeps the source it was given, builtin:ID included', () => {
    expect(parseRunbook(EXAMPLE, 'builtin:restart-loop').source).toBe('builtin:restart-loop');
  });
});

describe('parseDuration', () => {
  it.each([
    ['1ms', 1],
    ['20s', 20_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['24h', 86_400_000],
    ['1440m', 86_400_000],
    ['007s', 7_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['0s', '0ms', '25h', '86400001ms', '10', 's', '1.5s', '-1s', '1 s', ' 1s', '1S', '1d', '', '99999999999999999999999h'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('splitActionWords', () => {
  it.each<[string, string[]]>([
    ['restart api', ['restart', 'api']],
    ['  logs\t api  ', ['logs', 'api']],
    [`restart 'my api'`, ['restart', 'my api']],
    [`restart "a \\"b\\" \\\\c"`, ['restart', 'a "b" \\c']],
    [`restart "keep \\n as is"`, ['restart', 'keep \\n as is']],
    [`restart 'no \\ escapes "here"'`, ['restart', 'no \\ escapes "here"']],
    ['restart a\\ b', ['restart', 'a b']],
    [`restart ''`, ['restart', '']],
    [`restart pre'mid'"post"`, ['restart', 'premidpost']],
    ['restart ${service} $(id) ;|&', ['restart', '${service}', '$(id)', ';|&']],
    ['', []],
  ])('%j', (line, argv) => {
    expect(splitActionWords(line)).toEqual(argv);
  });

  it.each([
    [`restart 'api`, 'unterminated single quote at column 9'],
    [`restart "api`, 'unterminated double quote at column 9'],
    [`restart "api\\"`, 'unterminated double quote at column 9'],
    ['restart api\\', 'trailing backslash at column 12'],
  ])('refuses %j', (line, error) => {
    expect(splitActionWords(line)).toEqual({ error });
  });
});

describe('front matter', () => {
  it('must start the file', () => {
    expectError('# no front matter\n', 1, 'no front matter (a runbook starts with a --- block)');
    expectError('\n---\nrunbook: demo\ntitle: Demo\n---\n', 1, 'no front matter (a runbook starts with a --- block)');
    expectError('--- \nrunbook: demo\n---\n', 1, 'no front matter (a runbook starts with a --- block)');
    expectError('', 1, 'no front matter (a runbook starts with a --- block)');
  });

  it('must be closed', () => {
    expectError('---\nrunbook: demo\ntitle: Demo\n', 1, 'front matter is not closed (no --- line after the first)');
  });

  it('must be a map', () => {
    expectError('---\n---\n' + CHECK, 1, 'front matter must be a map of keys (runbook:, title:, …)');
    expectError('---\n- a\n---\n' + CHECK, 2, 'front matter must be a map of keys (runbook:, title:, …)');
  });

  it('reports YAML syntax errors on the file line', () => {
    expectError(doc('description: ok\nparams: [a\n'), 5, /^invalid front matter: /);
    expectError(doc('description: "unclosed\n'), 4, /^invalid front matter: /);
  });

  it('refuses duplicate keys at the second one', () => {
    expectError(doc('description: a\n\ndescription: b\n'), 6, 'invalid front matter: Map keys must be unique');
    expectError(doc('params:\n  a: {}\n  a: {}\n'), 6, 'invalid front matter: Map keys must be unique');
  });

  it('says what a ... line does rather than how to call yaml', () => {
    expectError(doc('description: x\n...\nmore: 1\n'), 6, 'invalid front matter: a ... line ends the YAML early');
  });

  it('refuses tab indentation, at the tab', () => {
    expectError(doc('params:\n\tservice:\n\t\tdefault: x\n'), 5, 'invalid front matter: Tabs are not allowed as indentation');
  });

  it('refuses unknown keys at their line', () => {
    expectError(doc('description: x\nfoo: 1\n'), 5, "unknown key 'foo' in front matter");
    expectError(doc('Title: x\n'), 4, "unknown key 'Title' in front matter");
    // Merge keys are not YAML 1.2: `<<` is just an unknown key.
    expectError(doc('<<: {a: 1}\n'), 4, "unknown key '<<' in front matter");
  });

  it('refuses keys that are not plain words', () => {
    expectError(doc('? [a, b]\n: 1\n'), 4, 'keys in front matter must be plain words');
  });

  it('needs runbook and title', () => {
    expectError('---\ntitle: Demo\n---\n' + CHECK, 1, "missing key 'runbook' in front matter (the runbook's id)");
    expectError('---\nrunbook: demo\n---\n' + CHECK, 1, "missing key 'title' in front matter");
  });

  it('checks the runbook id', () => {
    const hint = 'lower-case letters, digits and -, starting with a letter';
    expectError('---\nrunbook: Restart\ntitle: T\n---\n' + CHECK, 2, `invalid runbook id 'Restart' (${hint})`);
    expectError('---\nrunbook: 1st\ntitle: T\n---\n' + CHECK, 2, `invalid runbook id '1st' (${hint})`);
    expectError('---\nrunbook: a_b\ntitle: T\n---\n' + CHECK, 2, `invalid runbook id 'a_b' (${hint})`);
    expectError(`---\nrunbook: a${'b'.repeat(63)}\ntitle: T\n---\n` + CHECK, 2, /^invalid runbook id/);
    expectError('---\nrunbook: 12\ntitle: T\n---\n' + CHECK, 2, 'runbook id must be a string');
    expectError('---\nrunbook:\ntitle: T\n---\n' + CHECK, 2, 'runbook id must be a string');
    expect(parseRunbook(`---\nrunbook: a${'b'.repeat(62)}\ntitle: T\n---\n` + CHECK, 'rb.md').id).toHaveLength(63);
  });

  it('checks the title', () => {
    expectError('---\nrunbook: demo\ntitle: 42\n---\n' + CHECK, 3, 'title must be a string');
    expectError(`---\nrunbook: demo\ntitle: ${'x'.repeat(201)}\n---\n` + CHECK, 3, 'title is longer than 200 characters');
    expectError('---\nrunbook: demo\ntitle: "  "\n---\n' + CHECK, 3, 'title must not be empty');
    expectError('---\nrunbook: demo\ntitle: "a\\nb"\n---\n' + CHECK, 3, 'title must be one line');
    expect(parseRunbook(`---\nrunbook: demo\ntitle: ${'x'.repeat(200)}\n---\n` + CHECK, 'rb.md').title).toHaveLength(200);
  });

  it('checks the description', () => {
    expectError(doc('description: [a]\n'), 4, 'description must be a string');
    expect(parseRunbook(doc('description: |\n  two\n  lines\n'), 'rb.md').description).toBe('two\nlines\n');
  });

  it('treats an empty optional key as absent', () => {
    const rb = parseRunbook(doc('description:\nparams:\noffer_on:\ntarget:\nsetup:\n'), 'rb.md');
    expect(rb).toMatchObject({ params: [], offerOn: [], target: {}, setup: [] });
    expect(Object.keys(rb)).not.toContain('description');
  });
});

describe('params', () => {
  function params(front: string) {
    return parseRunbook(doc(front), 'rb.md').params;
  }

  it('reads a bare name as a required parameter', () => {
    expect(params('params:\n  service:\n')).toEqual([{ name: 'service', secret: false, required: true }]);
  });

  it('turns numeric and boolean defaults into the text the author wrote', () => {
    expect(params('params:\n  n:\n    default: 3\n  f:\n    default: 1.50\n  b:\n    default: true\n  h:\n    default: 0x1F\n').map((p) => p.default)).toEqual([
      '3',
      '1.50',
      'true',
      '0x1F',
    ]);
    expect(params('params:\n  n:\n    enum: [1, 2, yes]\n    default: 2\n')[0]).toEqual({ name: 'n', enum: ['1', '2', 'yes'], default: '2', secret: false, required: false });
  });

  it('checks param names', () => {
    expectError(doc('params:\n  1st: {}\n'), 5, "param name '1st' is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*, at most 64)");
    expectError(doc('params:\n  my-param: {}\n'), 5, /^param name 'my-param' is not a valid variable name/);
    expectError(doc(`params:\n  a${'b'.repeat(64)}: {}\n`), 5, /is not a valid variable name/);
    expectError(doc('params:\n  OPSDECK_OUT: {}\n'), 5, "param name 'OPSDECK_OUT' is reserved (OPSDECK_ names are opsdeck's own)");
    for (const name of ['PATH', 'HOME', 'IFS', 'PS1', 'PS4', 'ENV', 'BASH_ENV', 'SHELL', 'LD_PRELOAD', 'LD_LIBRARY_PATH']) {
      expectError(doc(`params:\n  ${name}: {}\n`), 5, `param name '${name}' is reserved (it would change how the shell runs)`);
    }
    expect(params(`params:\n  path: {}\n  a${'b'.repeat(63)}: {}\n`).map((p) => p.name.length)).toEqual([4, 64]);
  });

  it('takes __proto__ as a name like any other, touching no prototype', () => {
    const ps = params("params:\n  __proto__:\n    default: polluted\n  constructor:\n    default: x\n");
    expect(ps).toEqual([
      { name: '__proto__', default: 'polluted', secret: false, required: false },
      { name: 'constructor', default: 'x', secret: false, required: false },
    ]);
    expect(({} as Record<string, unknown>)['default']).toBeUndefined();
    expect(Object.getPrototypeOf(ps[0])).toBe(Object.prototype);
  });

  it('refuses unknown keys in a param', () => {
    expectError(doc('params:\n  service:\n    description: x\n    required: true\n'), 7, "unknown key 'required' in param 'service'");
  });

  it('needs a map for each param and for params', () => {
    expectError(doc('params:\n  service: api\n'), 5, "param 'service' must be a map");
    expectError(doc('params: [service]\n'), 4, 'params must be a map');
  });

  it('checks value types', () => {
    expectError(doc('params:\n  s:\n    description: [x]\n'), 6, "description of param 's' must be a string");
    expectError(doc('params:\n  s:\n    default: [x]\n'), 6, "default of param 's' must be a string");
    expectError(doc('params:\n  s:\n    default:\n'), 6, "default of param 's' must be a string");
    expectError(doc('params:\n  s:\n    pattern: 5\n'), 6, "pattern of param 's' must be a string");
    expectError(doc('params:\n  s:\n    secret: yes\n'), 6, "secret of param 's' must be true or false");
    expectError(doc('params:\n  s:\n    enum: []\n'), 6, "enum of param 's' must be a non-empty list");
    expectError(doc('params:\n  s:\n    enum: a\n'), 6, "enum of param 's' must be a non-empty list");
    expectError(doc('params:\n  s:\n    enum:\n      - a\n      - [b]\n'), 8, "each entry of enum of param 's' must be a string");
  });

  it('refuses an invalid pattern', () => {
    expectError(doc("params:\n  s:\n    pattern: '[a-z'\n"), 6, /^invalid pattern for param 's': /);
  });

  it('refuses a pattern that only compiles by breaking out of its anchors', () => {
    // Wrapped, this is ^(?:a)|(?:.*)$: anything would match.
    expectError(doc("params:\n  s:\n    pattern: 'a)|(?:.*'\n"), 6, /^invalid pattern for param 's': /);
  });

  it('refuses pattern and enum together', () => {
    expectError(doc("params:\n  s:\n    pattern: 'a'\n    enum: [a]\n"), 5, "param 's' has both pattern and enum (choose one)");
  });

  it('checks a default against its pattern or enum, without showing it', () => {
    expectError(doc("params:\n  s:\n    default: hunter2\n    pattern: '[a-z]+'\n"), 6, "default of param 's' does not match its pattern");
    expectError(doc("params:\n  s:\n    pattern: '[a-z]+'\n    default: abc1\n"), 7, "default of param 's' does not match its pattern");
    expectError(doc('params:\n  s:\n    enum: [a, b]\n    default: c\n'), 7, "default of param 's' is not one of its enum values");
    // The pattern is anchored: a default that merely contains a match does not do.
    expectError(doc("params:\n  s:\n    pattern: 'a|b'\n    default: ab\n"), 7, "default of param 's' does not match its pattern");
    expect(params("params:\n  s:\n    pattern: 'a|b'\n    default: b\n")[0]!.required).toBe(false);
  });
});

describe('offer_on', () => {
  it('takes fault words and fault/service maps', () => {
    const rb = parseRunbook(doc('offer_on:\n  - disk-full\n  - fault: restart-loop\n    service: shop/api\n  - {fault: backup-rpo}\n'), 'rb.md');
    expect(rb.offerOn).toEqual([{ fault: 'disk-full' }, { fault: 'restart-loop', service: 'shop/api' }, { fault: 'backup-rpo' }]);
  });

  it('refuses unknown faults', () => {
    expectError(
      doc('offer_on:\n  - disk-full\n  - on-fire\n'),
      6,
      "unknown fault 'on-fire' (one of: unhealthy, restart-loop, exited-nonzero, memory-critical, disk-full, backup-rpo, server-locked)",
    );
    expectError(doc('offer_on:\n  - fault: Unhealthy\n'), 5, /^unknown fault 'Unhealthy'/);
  });

  it('checks the service', () => {
    const hint = 'a Compose service, as service or project/service';
    expectError(doc('offer_on:\n  - fault: unhealthy\n    service: Api\n'), 6, `invalid offer_on service 'Api' (${hint})`);
    expectError(doc('offer_on:\n  - fault: unhealthy\n    service: a/b/c\n'), 6, `invalid offer_on service 'a/b/c' (${hint})`);
    expectError(doc('offer_on:\n  - fault: unhealthy\n    service: "api; rm -rf /"\n'), 6, /^invalid offer_on service/);
  });

  it('refuses unknown keys, a missing fault and a non-list', () => {
    expectError(doc('offer_on:\n  - fault: unhealthy\n    host: x\n'), 6, "unknown key 'host' in offer_on (fault, service)");
    expectError(doc('offer_on:\n  - service: api\n'), 5, "an offer_on entry needs 'fault'");
    expectError(doc('offer_on: unhealthy\n'), 4, 'offer_on must be a list of faults');
    expectError(doc('offer_on:\n  - [unhealthy]\n'), 5, 'each entry of offer_on must be a map');
  });
});

describe('target', () => {
  it('checks project and directory', () => {
    expectError(doc('target:\n  project: Shop\n'), 5, "invalid target project 'Shop' (a Compose project name)");
    expectError(doc('target:\n  directory: srv/shop\n'), 5, 'target directory must be an absolute path');
    expectError(doc('target:\n  directory: "/srv/a\\nb"\n'), 5, 'target directory must not contain NUL or line breaks');
    expectError(doc('target:\n  directory: "/srv/a\\0b"\n'), 5, 'target directory must not contain NUL or line breaks');
    expectError(doc(`target:\n  directory: /${'a'.repeat(4096)}\n`), 5, 'target directory is longer than 4096 characters');
    expect(parseRunbook(doc(`target:\n  directory: /${'a'.repeat(4095)}\n`), 'rb.md').target.directory).toHaveLength(4096);
  });

  it('refuses unknown keys and a non-map', () => {
    expectError(doc('target:\n  project: shop\n  host: prod\n'), 6, "unknown key 'host' in target (project, directory)");
    expectError(doc('target: shop\n'), 4, 'target must be a map');
  });
});

describe('setup', () => {
  const twoSteps = `${FENCE}sh step=look kind=check\ntrue\n${FENCE}\n${FENCE}sh step=fix\ntrue\n${FENCE}\n`;

  it('names check steps', () => {
    expect(parseRunbook(doc('setup:\n  - look\n', twoSteps), 'rb.md').setup).toEqual(['look']);
  });

  it('refuses a step that is not there, or not a check, at its own line', () => {
    expectError(doc('setup:\n  - look\n  - gone\n', twoSteps), 6, "setup names 'gone', which is not a step");
    expectError(doc('setup:\n  - look\n  - fix\n', twoSteps), 6, "setup step 'fix' must be a check step (it is act)");
    expectError(doc('setup: [look, look]\n', twoSteps), 4, "setup lists 'look' twice");
    expectError(doc('setup: look\n', twoSteps), 4, 'setup must be a list of check step ids');
  });
});

describe('hostile front matter', () => {
  it('refuses a self-referencing alias', () => {
    expectError(doc('description: &a [*a]\n'), 4, 'YAML aliases (*a) are not allowed in a runbook');
  });

  it('refuses a billion-laughs alias bomb quickly', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const text = doc(`description: x\ntarget:\n  ${levels.join('\n  ')}\n`);
    const started = performance.now();
    expectError(text, 7, 'YAML aliases (*a) are not allowed in a runbook');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses front matter over 32 KiB, whose duplicate-key check would take seconds', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}: 1`).join('\n');
    const started = performance.now();
    expectError(doc(`${keys}\n`), 1, 'front matter is larger than 32 KiB');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('reports deep nesting as a YAML error, quickly', () => {
    const started = performance.now();
    expectError(doc(`description: ${'['.repeat(15_000)}${']'.repeat(15_000)}\n`), 4, /^invalid front matter: /);
    expectError(doc(`description: ${'{a: '.repeat(6_000)}\n`), 4, /^invalid front matter: /);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses an alias even where the value would be fine', () => {
    expectError(doc('description: &d hello\nparams:\n  s:\n    description: *d\n'), 7, 'YAML aliases (*d) are not allowed in a runbook');
  });
});

describe('fences and titles', () => {
  it('takes the title from title=, else the nearest heading, else the id', () => {
    const text = body(
      `${FENCE}sh step=first kind=check\ntrue\n${FENCE}\n` +
        `# Top ##\n\n${FENCE}sh step=second kind=check title="Say \\"hi\\" \\\\ now"\ntrue\n${FENCE}\n` +
        `## Deeper #not-closing\n${FENCE}sh step=third kind=check\ntrue\n${FENCE}\n` +
        `###   Spaced   ###   \n${FENCE}sh step=fourth kind=check\ntrue\n${FENCE}\n` +
        `#\n${FENCE}sh step=fifth kind=check\ntrue\n${FENCE}\n` +
        `#NotAHeading\n####### seven is not one\n${FENCE}sh step=sixth kind=check\ntrue\n${FENCE}\n`,
    );
    expect(steps(text).map((s) => s.title)).toEqual(['first', 'Say "hi" \\ now', 'Deeper #not-closing', 'Spaced', 'fifth', 'sixth']);
  });

  it('does not take headings from inside a fence', () => {
    const text = body(`## Real\n${FENCE}md\n# Fake\n${FENCE}\n${FENCE}sh step=one kind=check\ntrue\n${FENCE}\n`);
    expect(steps(text)[0]!.title).toBe('Real');
  });

  it('records the opening fence line', () => {
    expect(steps(body(`\n\n${FENCE}sh step=one kind=check\ntrue\n${FENCE}\n`))[0]!.line).toBe(7);
  });

  it('reads ~~~ fences, longer closers and indented fences', () => {
    const text = body(`~~~~bash step=one kind=check\necho a\n~~~\n   ~~~~~~  \n  ${FENCE}sh step=two kind=check\n    echo b\n  echo c\n ${FENCE}\n`);
    expect(steps(text).map((s) => s.body)).toEqual([
      { type: 'shell', shell: 'bash', script: 'echo a\n~~~\n' },
      { type: 'shell', shell: 'sh', script: '  echo b\necho c\n' },
    ]);
  });

  it('does not treat four-space indented or backtick-info lines as fences', () => {
    const text = body(`    ${FENCE}opsdeck step=hidden\n${FENCE}sh ignore \`this\`\n${FENCE}sh step=one kind=check\ntrue\n${FENCE}\n`);
    expect(steps(text).map((s) => s.id)).toEqual(['one']);
  });

  it('keeps a fence inside a fence as content, never as a step', () => {
    const text = body(
      `${FENCE}\`markdown\n${FENCE}opsdeck step=inner\nrestart api\n${FENCE}\n${FENCE}\`\n` +
        `~~~sh step=outer kind=check\n${FENCE}opsdeck step=nested\nrestart api\n${FENCE}\n~~~\n`,
    );
    expect(steps(text)).toMatchObject([{ id: 'outer', body: { script: `${FENCE}opsdeck step=nested\nrestart api\n${FENCE}\n` } }]);
  });

  it('does not run a step hidden in an HTML comment, which a renderer would not show', () => {
    const text = body(`<!-- one line -->\n<!--\n${FENCE}opsdeck step=hidden\nrestart api\n${FENCE}\n-->\n${CHECK}`);
    expect(steps(text).map((s) => s.id)).toEqual(['one']);
  });

  it('reports an unclosed fence at its opening line', () => {
    expectError(body(`${CHECK}\n${FENCE}sh step=two\ntrue\n`), 9, 'code fence is never closed');
    expectError(body(`${FENCE}\`sh step=two\ntrue\n${FENCE}\n`), 5, 'code fence is never closed');
    expectError(body(`~~~sh step=two\ntrue\n${FENCE}\n`), 5, 'code fence is never closed');
    // Even a documentation block: everything after it would silently vanish.
    expectError(body(`${CHECK}${FENCE}python\nprint(1)\n`), 8, 'code fence is never closed');
  });

  it('needs at least one step, reported at the last line', () => {
    expectError(body('# Nothing to do\n\nJust text.\n'), 7, 'no steps (a step is a fenced block with step=ID)');
    expectError(body('text'), 5, 'no steps (a step is a fenced block with step=ID)');
    expectError('---\nrunbook: demo\ntitle: Demo\n---', 4, 'no steps (a step is a fenced block with step=ID)');
  });
});

describe('info strings', () => {
  it('ignores documentation blocks in other languages, whatever their info string', () => {
    const text = body(`${FENCE}js {1,3} title="x"\nx\n${FENCE}\n${FENCE}\nplain\n${FENCE}\n${FENCE}yaml\na: 1\n${FENCE}\n${CHECK}`);
    expect(steps(text).map((s) => s.id)).toEqual(['one']);
  });

  it('ignores sh, bash and shell blocks without step= (example commands)', () => {
    const text = body(`${FENCE}sh\nrm -rf /tmp/x\n${FENCE}\n${FENCE}bash title=example\nls\n${FENCE}\n${FENCE}shell {.numbered}\nls\n${FENCE}\n${CHECK}`);
    expect(steps(text).map((s) => s.id)).toEqual(['one']);
  });

  it('refuses a shell block with step attributes but no step=', () => {
    expectError(body(`${FENCE}sh kind=check\ntrue\n${FENCE}\n${CHECK}`), 5, 'a step fence needs step=ID');
  });

  it('refuses opsdeck and manual blocks without step=', () => {
    expectError(body(`${FENCE}opsdeck\nrestart api\n${FENCE}\n${CHECK}`), 5, 'a step fence needs step=ID');
    expectError(body(`${CHECK}${FENCE}manual kind=manual\nDo it\n${FENCE}\n`), 8, 'a step fence needs step=ID');
  });

  it('refuses step= in another language', () => {
    expectError(body(`${FENCE}python step=one\nprint(1)\n${FENCE}\n`), 5, "a step fence must be sh, bash, shell, opsdeck or manual, not 'python'");
    expectError(body(`${FENCE}Sh step=one\ntrue\n${FENCE}\n`), 5, "a step fence must be sh, bash, shell, opsdeck or manual, not 'Sh'");
    expectError(body(`${FENCE}python {x} step=one\nprint(1)\n${FENCE}\n`), 5, "expected key=value in the info string, found '{x}'");
    expectError(body(`${FENCE}step=one\ntrue\n${FENCE}\n`), 5, 'a step fence starts with its language (sh, bash, shell, opsdeck or manual)');
  });

  it('refuses anything but key=value in a step fence', () => {
    expectError(body(`${FENCE}sh step=one extra\ntrue\n${FENCE}\n`), 5, "expected key=value in the info string, found 'extra'");
    expectError(body(`${FENCE}sh step=one title='single'\ntrue\n${FENCE}\n`), 5, 'title= is in single quotes (quote values with "…")');
    expectError(body(`${FENCE}sh step=one title=\ntrue\n${FENCE}\n`), 5, 'title= has no value');
    expectError(body(`${FENCE}sh step=one title="open\ntrue\n${FENCE}\n`), 5, 'unterminated quoted value of title=');
    expectError(body(`${FENCE}sh step=one title="a"b\ntrue\n${FENCE}\n`), 5, 'expected a space after title=… in the info string');
    expectError(body(`${FENCE}sh step=one title="a\\nb"\ntrue\n${FENCE}\n`), 5, 'unknown escape in title= (only \\" and \\\\)');
    expectError(body(`${FENCE}sh step=one step=two\ntrue\n${FENCE}\n`), 5, "attribute 'step' is given twice");
    expectError(body(`${FENCE}sh step=one colour=red\ntrue\n${FENCE}\n`), 5, /^unknown attribute 'colour' \(step, kind, title/);
  });

  it('checks the step id and its uniqueness', () => {
    expectError(body(`${FENCE}sh step=One\ntrue\n${FENCE}\n`), 5, "invalid step id 'One' (lower-case letters, digits, _ and -, starting with a letter)");
    expectError(body(`${FENCE}sh step=1st\ntrue\n${FENCE}\n`), 5, /^invalid step id '1st'/);
    expectError(body(`${FENCE}sh step=""\ntrue\n${FENCE}\n`), 5, /^invalid step id ''/);
    expectError(body(`${CHECK}\n${FENCE}sh step=one\ntrue\n${FENCE}\n`), 9, "step 'one' is already defined on line 5");
  });
});

describe('step attributes', () => {
  it('defaults kind to act (manual for a manual fence), confirm to yes for act only', () => {
    const text = body(`${FENCE}sh step=a\ntrue\n${FENCE}\n${FENCE}manual step=b\nDo it\n${FENCE}\n${FENCE}sh step=c kind=check\ntrue\n${FENCE}\n`);
    expect(steps(text).map((s) => [s.kind, s.confirm])).toEqual([
      ['act', true],
      ['manual', false],
      ['check', false],
    ]);
  });

  it('takes confirm=yes on any kind and confirm=no on act', () => {
    const text = body(`${FENCE}sh step=a kind=check confirm=yes\ntrue\n${FENCE}\n${FENCE}sh step=b confirm=no\ntrue\n${FENCE}\n`);
    expect(steps(text).map((s) => s.confirm)).toEqual([true, false]);
    expectError(body(`${FENCE}sh step=a confirm=true\ntrue\n${FENCE}\n`), 5, "confirm= must be yes or no, not 'true'");
  });

  it('refuses an unknown kind', () => {
    expectError(body(`${FENCE}sh step=a kind=fix\ntrue\n${FENCE}\n`), 5, "unknown kind 'fix' (check, act, manual, wait)");
  });

  it('defaults timeouts and intervals, and reads them', () => {
    const text = body(`${FENCE}sh step=a timeout=90s\ntrue\n${FENCE}\n${FENCE}sh step=b kind=wait\ntrue\n${FENCE}\n${FENCE}sh step=c kind=wait interval=500ms timeout=1m\ntrue\n${FENCE}\n`);
    expect(steps(text).map((s) => [s.timeoutMs, s.intervalMs])).toEqual([
      [90_000, 2_000],
      [120_000, 2_000],
      [60_000, 500],
    ]);
  });

  it('refuses bad durations', () => {
    const hint = '(a number with ms, s, m or h, above 0 and at most 24h)';
    expectError(body(`${FENCE}sh step=a timeout=0s\ntrue\n${FENCE}\n`), 5, `invalid timeout= '0s' ${hint}`);
    expectError(body(`${FENCE}sh step=a timeout=25h\ntrue\n${FENCE}\n`), 5, `invalid timeout= '25h' ${hint}`);
    expectError(body(`${FENCE}sh step=a timeout=10\ntrue\n${FENCE}\n`), 5, `invalid timeout= '10' ${hint}`);
    expectError(body(`${FENCE}sh step=a kind=wait interval=1.5s\ntrue\n${FENCE}\n`), 5, `invalid interval= '1.5s' ${hint}`);
  });

  it('allows interval= only on wait steps, and not longer than the timeout', () => {
    expectError(body(`${FENCE}sh step=a interval=2s\ntrue\n${FENCE}\n`), 5, 'interval= is only for wait steps');
    expectError(body(`${FENCE}sh step=a kind=wait interval=2m timeout=1m\ntrue\n${FENCE}\n`), 5, 'interval= is longer than timeout= (the wait would poll once at most)');
  });

  it('reads on_failure', () => {
    const text = body(
      `${FENCE}sh step=a on_failure=stop\ntrue\n${FENCE}\n${FENCE}sh step=b on_failure=continue\ntrue\n${FENCE}\n` +
        `${FENCE}sh step=c on_failure=e\ntrue\n${FENCE}\n${FENCE}sh step=d\ntrue\n${FENCE}\n${FENCE}sh step=e\ntrue\n${FENCE}\n`,
    );
    expect(steps(text).map((s) => s.onFailure)).toEqual([{ kind: 'stop' }, { kind: 'continue' }, { kind: 'goto', step: 'e' }, { kind: 'stop' }, { kind: 'stop' }]);
  });

  it('refuses an on_failure jump that is not forward to a real step', () => {
    const two = (attrs: string) => body(`${FENCE}sh step=a\ntrue\n${FENCE}\n${FENCE}sh step=b ${attrs}\ntrue\n${FENCE}\n`);
    expectError(two('on_failure=a'), 8, "on_failure= may only jump forward, and 'a' is not after 'b'");
    expectError(two('on_failure=b'), 8, "on_failure= may only jump forward, and 'b' is not after 'b'");
    expectError(two('on_failure=z'), 8, "on_failure= names 'z', which is not a step");
    expectError(two('on_failure=Retry'), 8, "on_failure= must be stop, continue or a step id, not 'Retry'");
  });
});

describe('when=', () => {
  const front = 'params:\n  mode:\n    default: a\n';

  it('keeps the expression as written', () => {
    const text = body(`${FENCE}sh step=a\ntrue\n${FENCE}\n${FENCE}sh step=b when="steps.a.failed || params.mode == 'x'"\ntrue\n${FENCE}\n`, front);
    expect(steps(text)[1]!.when).toBe("steps.a.failed || params.mode == 'x'");
  });

  it('refuses a syntax error', () => {
    expectError(body(`${FENCE}sh step=a when="a = 1"\ntrue\n${FENCE}\n`), 5, /^invalid when=: unexpected character '=' at column 3/);
    expectError(body(`${FENCE}sh step=a when="(x"\ntrue\n${FENCE}\n`), 5, /^invalid when=: expected '\)'/);
  });

  it('may only look back at earlier steps', () => {
    expectError(body(`${FENCE}sh step=a when=steps.b.ok\ntrue\n${FENCE}\n${FENCE}sh step=b\ntrue\n${FENCE}\n`), 5, /^invalid when=: unknown step 'b'/);
    expectError(body(`${FENCE}sh step=a when=steps.a.ok\ntrue\n${FENCE}\n`), 5, /^invalid when=: unknown step 'a'/);
    expectError(body(`${FENCE}sh step=a\ntrue\n${FENCE}\n${FENCE}sh step=b when=steps.a.fine\ntrue\n${FENCE}\n`), 8, /^invalid when=: unknown field 'fine'/);
  });

  it('knows the declared parameters', () => {
    expectError(body(`${FENCE}sh step=a when="params.other == 'x'"\ntrue\n${FENCE}\n`, front), 8, /^invalid when=: unknown parameter 'other'/);
  });
});

describe('bodies', () => {
  it('maps each language to its body', () => {
    const text = body(
      `${FENCE}sh step=a\necho sh\n${FENCE}\n${FENCE}shell step=b\necho shell\n${FENCE}\n${FENCE}bash step=c\necho bash\n${FENCE}\n` +
        `${FENCE}opsdeck step=d\n\n  logs 'shop/api' --tail "1 0"  \n\n${FENCE}\n${FENCE}manual step=e\n\n  Call Ana.\n  Then Bo.\n\n${FENCE}\n`,
    );
    expect(steps(text).map((s) => s.body)).toEqual([
      { type: 'shell', shell: 'sh', script: 'echo sh\n' },
      { type: 'shell', shell: 'sh', script: 'echo shell\n' },
      { type: 'shell', shell: 'bash', script: 'echo bash\n' },
      { type: 'action', argv: ['logs', 'shop/api', '--tail', '1 0'] },
      { type: 'manual', text: 'Call Ana.\n  Then Bo.' },
    ]);
  });

  it('needs exactly one action line', () => {
    expectError(body(`${FENCE}opsdeck step=a\n\n${FENCE}\n`), 5, 'an opsdeck step needs one action line (such as: restart api)');
    expectError(body(`${FENCE}opsdeck step=a\nrestart api\n\nrestart db\n${FENCE}\n`), 8, 'an opsdeck step holds one action line only');
  });

  it('reports an unterminated quote at its body line', () => {
    expectError(body(`${FENCE}opsdeck step=a\n\nrestart 'api\n${FENCE}\n`), 7, 'unterminated single quote at column 9');
  });

  it('knows the actions', () => {
    for (const action of ['restart', 'stop', 'start', 'recreate', 'logs', 'status', 'backup', 'restore', 'unlock']) {
      expect(steps(body(`${FENCE}opsdeck step=a\n${action} api\n${FENCE}\n`))[0]!.body).toEqual({ type: 'action', argv: [action, 'api'] });
    }
    expectError(body(`${FENCE}opsdeck step=a\nrm -rf /\n${FENCE}\n`), 6, /^unknown action 'rm' \(restart, stop, start/);
    expectError(body(`${FENCE}opsdeck step=a\n'' api\n${FENCE}\n`), 6, /^unknown action ''/);
  });

  it('checks ${name} references in actions', () => {
    const front = 'params:\n  service: {}\n  mode_x: {}\n';
    const action = (line: string) => body(`${FENCE}opsdeck step=a\n${line}\n${FENCE}\n`, front);
    expect(steps(action('restart ${service} --x=${mode_x}${EXIT_CODE} $plain'))[0]!.body).toEqual({
      type: 'action',
      argv: ['restart', '${service}', '--x=${mode_x}${EXIT_CODE}', '$plain'],
    });
    expectError(action('restart ${servic}'), 9, "unknown parameter 'servic'");
    expectError(action('restart ${}'), 9, "unknown parameter ''");
    expectError(action("restart '${x y}'"), 9, "unknown parameter 'x y'");
    expectError(action('restart ${service'), 9, "unterminated ${ in '${service'");
  });

  it('matches kinds to bodies', () => {
    const step = (info: string, text: string) => body(`${FENCE}${info}\n${text}\n${FENCE}\n`);
    expectError(step('sh step=a kind=manual', 'true'), 5, 'a manual step is a ```manual fence');
    expectError(step('opsdeck step=a kind=manual', 'restart api'), 5, 'a manual step is a ```manual fence');
    expectError(step('manual step=a kind=act', 'Do it'), 5, 'a manual fence is a manual step, not kind=act');
    expectError(step('manual step=a kind=wait', 'Do it'), 5, 'a manual fence is a manual step, not kind=wait');
    expectError(step('opsdeck step=a kind=wait', 'restart api'), 5, "a wait step polls a shell script, 'healthy', 'status' or 'unlock', not 'restart'");
    expectError(step('opsdeck step=a', 'healthy api'), 5, "'healthy' only looks: use it in a check step (once) or a wait step (until it holds)");
    expect(parseRunbook(step('opsdeck step=a kind=check', 'healthy api'), 'rb.md').steps[0]!.body).toEqual({ type: 'action', argv: ['healthy', 'api'] });
    expectError(step('opsdeck step=a kind=check', 'restart api'), 5, "a check step may only look (logs, status, healthy, backup list), not 'restart'");
    expect(steps(step('opsdeck step=a kind=check', 'status api'))[0]!.kind).toBe('check');
    expect(steps(step('opsdeck step=a kind=check', 'logs api'))[0]!.kind).toBe('check');
    expect(steps(step('bash step=a kind=wait', 'curl -fsS localhost'))[0]!.kind).toBe('wait');
  });

  it('refuses empty bodies', () => {
    expectError(body(`${FENCE}sh step=a\n  \n${FENCE}\n`), 5, 'a shell step needs a script in the fence');
    expectError(body(`${FENCE}sh step=a\n${FENCE}\n`), 5, 'a shell step needs a script in the fence');
    expectError(body(`${FENCE}manual step=a\n\n${FENCE}\n`), 5, 'a manual step needs its instruction in the fence');
  });

  it('refuses NUL bytes at their line', () => {
    expectError(body(`${FENCE}sh step=a\necho a\necho \0b\n${FENCE}\n`), 7, 'step body contains a NUL byte');
    expectError(body(`${FENCE}opsdeck step=a\nrestart "a\0"\n${FENCE}\n`), 6, 'step body contains a NUL byte');
  });
});

describe('limits', () => {
  it('refuses a file over 256 KiB at line 1, before reading it', () => {
    const big = doc(`description: "${'x'.repeat(300 * 1024)}"\n`);
    const started = performance.now();
    expectError(big, 1, 'runbook is larger than 256 KiB');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads a long line in linear time', () => {
    const started = performance.now();
    const text = body(`# a${' '.repeat(200_000)}b #\n${CHECK}`);
    expect(steps(text)[0]!.title).toBe(`a${' '.repeat(200_000)}b`);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('counts bytes, not characters', () => {
    // 90,000 three-byte characters: 270,000 bytes, though only 90,000 characters.
    expectError(doc(`description: "${'€'.repeat(90_000)}"\n`), 1, 'runbook is larger than 256 KiB');
  });

  it('takes 200 steps and refuses the 201st at its fence', () => {
    const fence = (i: number) => `${FENCE}sh step=s${i} kind=check\ntrue\n${FENCE}\n`;
    const many = (n: number) => body(Array.from({ length: n }, (_, i) => fence(i)).join(''));
    expect(steps(many(200))).toHaveLength(200);
    expectError(many(201), 5 + 200 * 3, 'too many steps (at most 200)');
  });
});
