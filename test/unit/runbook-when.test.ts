import { describe, it, expect } from 'vitest';
import { evaluateWhen, parseWhen, validateWhen, whenNames, WhenError, type StepOutcome, type WhenScope } from '../../src/runbook/when-expr.js';

function scope(parts: { steps?: Record<string, StepOutcome>; params?: Record<string, string>; captures?: Record<string, string> } = {}): WhenScope {
  return {
    steps: new Map(Object.entries(parts.steps ?? {})),
    params: new Map(Object.entries(parts.params ?? {})),
    captures: new Map(Object.entries(parts.captures ?? {})),
  };
}

function when(source: string, s: WhenScope = scope()): boolean {
  return evaluateWhen(parseWhen(source), s);
}

/** The message and column of the WhenError `source` raises. */
function parseError(source: string): { message: string; column: number } {
  try {
    parseWhen(source);
  } catch (err) {
    if (err instanceof WhenError) return { message: err.message, column: err.column };
    throw err;
  }
  throw new Error(`'${source}' parsed`);
}

describe('when= expressions: logic', () => {
  it('binds && tighter than ||', () => {
    // a || (b && c): with a true the rest does not matter; read left to right it would be false.
    expect(when('a || b && c', scope({ captures: { a: 'yes', b: '', c: '' } }))).toBe(true);
    expect(when('(a || b) && c', scope({ captures: { a: 'yes', b: '', c: '' } }))).toBe(false);
    expect(when('a && b || c', scope({ captures: { a: '', b: 'x', c: 'x' } }))).toBe(true);
  });

  it('negates with !, twice too, and ! covers a whole comparison', () => {
    expect(when('!a', scope({ captures: { a: 'x' } }))).toBe(false);
    expect(when('!!a', scope({ captures: { a: 'x' } }))).toBe(true);
    expect(when('!true')).toBe(false);
    // The grammar puts a comparison under !: !x == 'b' is !(x == 'b').
    expect(when("!x == 'b'", scope({ captures: { x: 'b' } }))).toBe(false);
    expect(parseWhen("!x == 'b'")).toEqual({
      kind: 'not',
      operand: { kind: 'compare', op: '==', left: { kind: 'capture', name: 'x', column: 2 }, right: { kind: 'literal', value: 'b' } },
    });
  });

  it('groups with parentheses and ignores whitespace', () => {
    expect(when('!(true && false)')).toBe(true);
    expect(when('  ( ( true ) )\t&&\n(false||true) ')).toBe(true);
  });

  it('reads truthiness: false, 0, no and empty are false, in any case and with surrounding blanks', () => {
    for (const v of ['', 'false', 'FALSE', '0', 'No', ' no\n', '  ']) expect(when('v', scope({ captures: { v } }))).toBe(false);
    for (const v of ['true', '1', 'yes', 'off', '0.0', 'x']) expect(when('v', scope({ captures: { v } }))).toBe(true);
    expect(when('0')).toBe(false);
    expect(when('-1')).toBe(true);
    expect(when("'0'")).toBe(false);
  });

  it('short-circuits && and ||', () => {
    // A step field nobody validated throws when evaluated; short-circuit means it never is.
    expect(when('false && steps.a.nonsense')).toBe(false);
    expect(when('true || steps.a.nonsense')).toBe(true);
    expect(() => when('true && steps.a.nonsense')).toThrow(WhenError);
  });
});

describe('when= expressions: comparisons', () => {
  it('compares numeric strings as numbers', () => {
    const s = scope({ captures: { EXIT_CODE: '137', N: '10', PAD: ' 7 ' } });
    expect(when('EXIT_CODE == 137', s)).toBe(true);
    expect(when("EXIT_CODE == '137.0'", s)).toBe(true);
    expect(when('EXIT_CODE != 0', s)).toBe(true);
    expect(when('N > 9', s)).toBe(true); // as text '10' < '9'
    expect(when("N > '9'", s)).toBe(true);
    expect(when('N < 9', s)).toBe(false);
    expect(when('N >= 10', s)).toBe(true);
    expect(when('N <= 10', s)).toBe(true);
    expect(when('N <= 9.5', s)).toBe(false);
    expect(when('PAD == 7', s)).toBe(true);
    expect(when('-2 < -1.5')).toBe(true);
  });

  it('orders non-numbers as false, never as an error', () => {
    expect(when('MISSING > 0')).toBe(false);
    expect(when('MISSING < 0')).toBe(false);
    expect(when("'abc' >= 'abc'")).toBe(false);
    expect(when('true > 0')).toBe(false);
  });

  it('compares other text exactly, as strings', () => {
    const s = scope({ captures: { OOM: 'true', NAME: 'api' } });
    expect(when("OOM == 'true' && NAME == 'api'", s)).toBe(true);
    expect(when('NAME == "API"', s)).toBe(false);
    expect(when("NAME != 'web'", s)).toBe(true);
    expect(when("NAME == 'api '", s)).toBe(false);
    // '' is not a number, so a missing capture never equals 0.
    expect(when('MISSING == 0')).toBe(false);
    expect(when("MISSING == ''")).toBe(true);
  });

  it('coerces the other side by truthiness when one side is a boolean', () => {
    const s = scope({ captures: { T: 'true', F: 'no', E: '' } });
    expect(when('T == true', s)).toBe(true);
    expect(when('F == false', s)).toBe(true);
    expect(when('E == false', s)).toBe(true);
    expect(when('F != true', s)).toBe(true);
    expect(when("true == 'yes'")).toBe(true);
    expect(when('true == 1')).toBe(true);
    expect(when('true == 0')).toBe(false);
  });

  it('matches regexes, =~ and !~, on the left side as text', () => {
    const s = scope({ captures: { LOG: 'fatal: out of memory', CODE: '137' }, steps: { a: { status: 'ok', code: 0 } } });
    expect(when("LOG =~ 'out of mem'", s)).toBe(true);
    expect(when("LOG =~ '^out'", s)).toBe(false);
    expect(when("LOG !~ '^out'", s)).toBe(true);
    expect(when("CODE =~ '^\\\\d+$'", s)).toBe(true); // '^\\d+$' in the expression
    expect(when("steps.a.ok =~ '^true$'", s)).toBe(true);
    expect(when("steps.a.code =~ '^0$'", s)).toBe(true);
    expect(when("MISSING =~ '^$'")).toBe(true);
  });

  it('matches the same way after the parsed expression is copied as plain data', () => {
    const copy = structuredClone(parseWhen("X =~ 'b+'"));
    expect(evaluateWhen(copy, scope({ captures: { X: 'abbc' } }))).toBe(true);
    expect(evaluateWhen(copy, scope({ captures: { X: 'ac' } }))).toBe(false);
  });

  it('refuses patterns that could run without bound, and invalid ones, when parsing', () => {
    const unbounded = parseError("X =~ '(a+)+\\\\1'");
    expect(unbounded.column).toBe(6);
    expect(unbounded.message).toMatch(/^pattern '\(a\+\)\+\\1' at column 6 is refused: .*could run without bound/);
    const invalid = parseError("X =~ '('");
    expect(invalid.column).toBe(6);
    expect(invalid.message).toMatch(/^pattern '\(' at column 6 is refused: Invalid regular expression/);
  });

  it('wants a quoted pattern on the right of =~', () => {
    expect(parseError('X =~ Y')).toEqual({ message: "the right side of =~ must be a quoted pattern, not 'Y', at column 6", column: 6 });
    expect(parseError('X !~ 3')).toEqual({ message: "the right side of !~ must be a quoted pattern, not '3', at column 6", column: 6 });
  });
});

describe('when= expressions: names', () => {
  it('reads step outcomes', () => {
    const s = scope({
      steps: {
        inspect: { status: 'ok', code: 0 },
        restart: { status: 'failed', code: 137 },
        slow: { status: 'timeout', code: null },
        skipped: { status: 'skipped' },
        'db-check': { status: 'stopped' },
      },
    });
    expect(when('steps.inspect.ok && !steps.inspect.failed && steps.inspect.code == 0', s)).toBe(true);
    expect(when('steps.restart.failed && !steps.restart.ok && steps.restart.code == 137', s)).toBe(true);
    expect(when("steps.slow.failed && steps.slow.status == 'timeout' && steps.slow.code == ''", s)).toBe(true);
    expect(when('steps.skipped.skipped && !steps.skipped.ok && !steps.skipped.failed', s)).toBe(true);
    expect(when("steps.db-check.status == 'stopped' && !steps.db-check.failed && !steps.db-check.ok", s)).toBe(true);
  });

  it('reads a step that is not in the scope as pending', () => {
    expect(when("steps.later.status == 'pending'")).toBe(true);
    expect(when('steps.later.ok || steps.later.failed || steps.later.skipped')).toBe(false);
    expect(when("steps.later.code == ''")).toBe(true);
  });

  it('reads params, and bare names as a capture, else a param, else empty', () => {
    const s = scope({ params: { SERVICE: 'api', BOTH: 'param' }, captures: { BOTH: 'capture' } });
    expect(when("params.SERVICE == 'api'", s)).toBe(true);
    expect(when("SERVICE == 'api'", s)).toBe(true);
    expect(when("BOTH == 'capture'", s)).toBe(true);
    expect(when("params.BOTH == 'param'", s)).toBe(true);
    expect(when("params.ABSENT == ''", s)).toBe(true);
    expect(when("ABSENT == ''", s)).toBe(true);
    expect(when('ABSENT', s)).toBe(false);
  });

  it('gives hostile names nothing from Object.prototype', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(when(`${name} == ''`)).toBe(true);
      expect(when(`params.${name} == ''`)).toBe(true);
      expect(when(name)).toBe(false);
      expect(when(`steps.${name}.status == 'pending'`)).toBe(true);
    }
    // A step field is one of five words, never a property of the outcome object.
    expect(() => when('steps.a.constructor', scope({ steps: { a: { status: 'ok' } } }))).toThrow("unknown field 'constructor' in steps.a.constructor at column 1");
    expect(() => when('steps.a.__proto__')).toThrow(WhenError);
  });

  it('lists every name once, in the order written', () => {
    expect(whenNames(parseWhen("steps.a.ok && EXIT_CODE != 0 || (params.SVC == 'x' && !EXIT_CODE) && LOG =~ 'y' && true"))).toEqual([
      'steps.a.ok',
      'EXIT_CODE',
      'params.SVC',
      'LOG',
    ]);
    expect(whenNames(parseWhen("'literal' == 1"))).toEqual([]);
  });

  it('validates step ids, step fields and params, but not bare names', () => {
    const known = { stepIds: new Set(['inspect', 'db-check']), params: new Set(['SERVICE']) };
    expect(validateWhen(parseWhen("steps.inspect.ok && steps.db-check.code == 0 && params.SERVICE == 'x' && ANY_CAPTURE"), known)).toBeUndefined();
    expect(validateWhen(parseWhen('steps.inspect.ok && steps.nope.ok'), known)).toBe("unknown step 'nope' in steps.nope.ok at column 21");
    expect(validateWhen(parseWhen('steps.inspect.okay'), known)).toBe("unknown field 'okay' in steps.inspect.okay at column 1 (use ok, failed, skipped, code or status)");
    expect(validateWhen(parseWhen('x || params.SERVCE'), known)).toBe("unknown parameter 'SERVCE' in params.SERVCE at column 6");
    expect(validateWhen(parseWhen('params.__proto__'), known)).toBe("unknown parameter '__proto__' in params.__proto__ at column 1");
    // The first problem in the text is the one reported.
    expect(validateWhen(parseWhen('params.A && steps.b.ok'), known)).toBe("unknown parameter 'A' in params.A at column 1");
  });
});

describe('when= expressions: parse errors', () => {
  it('reports an unterminated string where it starts', () => {
    expect(parseError("OOM == 'true")).toEqual({ message: 'unterminated string starting at column 8', column: 8 });
    expect(parseError('X == "a\\"')).toEqual({ message: 'unterminated string starting at column 6', column: 6 });
  });

  it('allows only \\\\, \\\' and \\" as escapes', () => {
    expect(when("'it\\'s' == \"it's\"")).toBe(true);
    expect(when("'a\\\\b' =~ '^a\\\\\\\\b$'")).toBe(true);
    expect(parseError("X =~ '\\d'")).toEqual({ message: "unknown escape '\\d' at column 7 (only \\\\, \\' and \\\" are allowed)", column: 7 });
  });

  it('reports an unexpected token with its column', () => {
    expect(parseError('(a && b))')).toEqual({ message: "unexpected ')' at column 9", column: 9 });
    expect(parseError('a && )')).toEqual({ message: "unexpected ')' at column 6", column: 6 });
    expect(parseError('a ==')).toEqual({ message: 'unexpected end of expression at column 5', column: 5 });
    expect(parseError('a &&')).toEqual({ message: 'unexpected end of expression at column 5', column: 5 });
    expect(parseError('(a')).toEqual({ message: "expected ')' to close the '(' at column 1, found end of expression at column 3", column: 3 });
    expect(parseError('a = 1')).toEqual({ message: "unexpected character '=' at column 3 (did you mean '=='?)", column: 3 });
    expect(parseError('a & b')).toEqual({ message: "unexpected character '&' at column 3 (did you mean '&&'?)", column: 3 });
    expect(parseError('$(id)')).toEqual({ message: "unexpected character '$' at column 1", column: 1 });
  });

  it('reports trailing garbage after a complete expression', () => {
    expect(parseError('a b')).toEqual({ message: "unexpected 'b' at column 3", column: 3 });
    expect(parseError("a == 'x' 'y'")).toEqual({ message: "unexpected string 'y' at column 10", column: 10 });
    expect(parseError('1 < 2 < 3')).toEqual({ message: "unexpected '<' at column 7 (comparisons do not chain: join them with && or ||)", column: 7 });
  });

  it('refuses an empty expression', () => {
    expect(parseError('')).toEqual({ message: 'empty expression at column 1', column: 1 });
    expect(parseError('  \t ')).toEqual({ message: 'empty expression at column 1', column: 1 });
  });

  it('refuses nesting deeper than 32, by parentheses or by !', () => {
    expect(when(`${'('.repeat(32)}true${')'.repeat(32)}`)).toBe(true);
    expect(parseError(`${'('.repeat(33)}true${')'.repeat(33)}`)).toEqual({ message: 'expression nests deeper than 32 levels at column 33', column: 33 });
    expect(when(`${'!'.repeat(32)}true`)).toBe(true);
    expect(parseError(`${'!'.repeat(33)}true`)).toEqual({ message: 'expression nests deeper than 32 levels at column 33', column: 33 });
    expect(parseError(`${'!('.repeat(17)}true${')'.repeat(17)}`).column).toBe(33);
  });

  it('refuses an expression longer than 1000 characters', () => {
    const long = `X == '${'a'.repeat(1000 - 7)}'`;
    expect(long.length).toBe(1000);
    expect(when(long)).toBe(false);
    expect(parseError(`${long} `)).toEqual({ message: 'expression is longer than 1000 characters at column 1001', column: 1001 });
  });

  it('refuses names that are neither steps.ID.FIELD, params.NAME nor bare', () => {
    expect(parseError('a && foo.bar')).toEqual({ message: "unknown name 'foo.bar' at column 6 (expected steps.ID.FIELD, params.NAME or a bare name)", column: 6 });
    expect(parseError('steps.a')).toEqual({ message: "unknown name 'steps.a' at column 1 (expected steps.ID.FIELD)", column: 1 });
    expect(parseError('steps.a.ok.x')).toEqual({ message: "unknown name 'steps.a.ok.x' at column 1 (expected steps.ID.FIELD)", column: 1 });
    expect(parseError('params.a.b')).toEqual({ message: "unknown name 'params.a.b' at column 1 (expected params.NAME)", column: 1 });
    expect(parseError('steps.a.')).toEqual({ message: "expected a name after '.' at column 9", column: 9 });
  });

  it('refuses a name part that ends with a hyphen', () => {
    expect(parseError('steps.db-.ok')).toEqual({ message: "name 'steps.db-' may not end with '-' at column 9", column: 9 });
    expect(parseError('a- 1')).toEqual({ message: "name 'a-' may not end with '-' at column 2", column: 2 });
  });

  it('keeps error messages on one line, starting lower case', () => {
    for (const src of ["'\n", 'a\n=', "X =~ '(\n'", '\x1b[31m']) {
      const { message } = parseError(src);
      expect(message).not.toMatch(/[\n\r\x1b]/);
      expect(message[0]).toMatch(/[a-z]/);
    }
  });
});
