/**
 * The `when=` condition of a runbook step: `steps.inspect.ok && EXIT_CODE != 0 && OOM == 'true'`.
 *
 * A small language of its own, read by hand (tokenizer, recursive descent, evaluator), because a
 * runbook is a file someone sent you: nothing in it may reach JavaScript or a shell. Names are
 * looked up in Maps only, so `constructor` or `__proto__` are just names nobody defined.
 *
 *   expr    := or
 *   or      := and ( '||' and )*
 *   and     := not ( '&&' not )*
 *   not     := '!' not | cmp
 *   cmp     := primary ( ('==' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~') primary )?
 *   primary := '(' expr ')' | STRING | NUMBER | 'true' | 'false' | NAME
 *
 * `!` binds looser than a comparison (`!a == b` is `!(a == b)`), as the grammar says.
 */
import { boundedRegex } from '../text/bounded-regex.js';

const MAX_LENGTH = 1000;
const MAX_DEPTH = 32;

export class WhenError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'WhenError';
  }
}

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
type Value = string | number | boolean;

/** Plain data, so a parsed runbook can be printed, compared and sent to a screen as it is. */
export type WhenExpr =
  | { kind: 'literal'; value: Value }
  | { kind: 'step'; id: string; field: string; column: number }
  | { kind: 'param'; name: string; column: number }
  | { kind: 'capture'; name: string; column: number }
  | { kind: 'not'; operand: WhenExpr }
  | { kind: 'and' | 'or'; left: WhenExpr; right: WhenExpr }
  | { kind: 'compare'; op: CompareOp; left: WhenExpr; right: WhenExpr }
  | { kind: 'match'; negate: boolean; left: WhenExpr; pattern: string; column: number };

export interface StepOutcome {
  status: 'pending' | 'ok' | 'failed' | 'skipped' | 'timeout' | 'stopped';
  code?: number | null;
}

export interface WhenScope {
  steps: ReadonlyMap<string, StepOutcome>;
  params: ReadonlyMap<string, string>;
  captures: ReadonlyMap<string, string>;
}

const STEP_FIELDS: ReadonlySet<string> = new Set(['ok', 'failed', 'skipped', 'code', 'status']);
const PENDING: StepOutcome = { status: 'pending' };

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { kind: 'op'; text: string; column: number }
  | { kind: 'string'; value: string; column: number }
  | { kind: 'number'; value: number; text: string; column: number }
  | { kind: 'name'; parts: string[]; column: number }
  | { kind: 'end'; column: number };

// Longest first, so `<=` is not read as `<` then `=`.
const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '=~', '!~', '<', '>', '!', '(', ')'];
const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_-]/;
const DIGIT = /[0-9]/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const column = i + 1;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const d = src[j];
        if (d === undefined) throw new WhenError(`unterminated string starting at column ${column}`, column);
        if (d === c) break;
        if (d === '\\') {
          const e = src[j + 1];
          if (e !== '\\' && e !== "'" && e !== '"') {
            // Regex patterns need `\\d`: a lone `\d` is refused rather than guessed at.
            throw new WhenError(`unknown escape ${show('\\' + (e ?? ''))} at column ${j + 1} (only \\\\, \\' and \\" are allowed)`, j + 1);
          }
          value += e;
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: 'string', value, column });
      i = j + 1;
      continue;
    }
    if (DIGIT.test(c) || (c === '-' && DIGIT.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      tokens.push({ kind: 'number', value: Number(m[0]), text: m[0], column });
      i += m[0].length;
      continue;
    }
    if (IDENT_START.test(c)) {
      const parts: string[] = [];
      let j = i;
      for (;;) {
        const start = j;
        j++;
        while (j < src.length && IDENT_CHAR.test(src[j]!)) j++;
        const part = src.slice(start, j);
        // `a-` would hide a typo such as `a- 1`: a name part ends on a letter, digit or `_`.
        if (part.endsWith('-')) throw new WhenError(`name ${show(src.slice(i, j))} may not end with '-' at column ${j}`, j);
        parts.push(part);
        if (src[j] !== '.') break;
        if (!IDENT_START.test(src[j + 1] ?? '')) throw new WhenError(`expected a name after '.' at column ${j + 2}`, j + 2);
        j++;
      }
      tokens.push({ kind: 'name', parts, column });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, column });
      i += op.length;
      continue;
    }
    const hint = c === '=' ? " (did you mean '=='?)" : c === '&' ? " (did you mean '&&'?)" : c === '|' ? " (did you mean '||'?)" : '';
    throw new WhenError(`unexpected character ${show(c)} at column ${column}${hint}`, column);
  }
  tokens.push({ kind: 'end', column: src.length + 1 });
  return tokens;
}

/** A token or text quoted for a one-line message: control characters escaped, long ones cut. */
function show(s: string): string {
  const cut = s.length > 24 ? `${s.slice(0, 24)}…` : s;
  return `'${cut.replace(/[\x00-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

function tokenText(t: Token): string {
  switch (t.kind) {
    case 'op':
      return show(t.text);
    case 'string':
      return `string ${show(t.value)}`;
    case 'number':
      return show(t.text);
    case 'name':
      return show(t.parts.join('.'));
    case 'end':
      return 'end of expression';
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

const COMPARE_OPS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);

export function parseWhen(source: string): WhenExpr {
  if (source.length > MAX_LENGTH) {
    throw new WhenError(`expression is longer than ${MAX_LENGTH} characters at column ${MAX_LENGTH + 1}`, MAX_LENGTH + 1);
  }
  const tokens = tokenize(source);
  if (tokens.length === 1) throw new WhenError('empty expression at column 1', 1);
  return new Parser(tokens).parse();
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): WhenExpr {
    const expr = this.or();
    const t = this.peek();
    if (t.kind !== 'end') {
      const hint = t.kind === 'op' && (COMPARE_OPS.has(t.text) || t.text === '=~' || t.text === '!~') ? ' (comparisons do not chain: join them with && or ||)' : '';
      throw new WhenError(`unexpected ${tokenText(t)} at column ${t.column}${hint}`, t.column);
    }
    return expr;
  }

  private peek(): Token {
    // The 'end' token is last and never consumed, so this is always defined.
    return this.tokens[this.pos]!;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  // Only `(` and `!` recurse without consuming a binary operator, so they alone bound the stack.
  private enter(column: number): void {
    if (++this.depth > MAX_DEPTH) throw new WhenError(`expression nests deeper than ${MAX_DEPTH} levels at column ${column}`, column);
  }

  private or(): WhenExpr {
    let left = this.and();
    while (this.isOp('||')) {
      this.pos++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): WhenExpr {
    let left = this.not();
    while (this.isOp('&&')) {
      this.pos++;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): WhenExpr {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '!') {
      this.enter(t.column);
      this.pos++;
      const operand = this.not();
      this.depth--;
      return { kind: 'not', operand };
    }
    return this.cmp();
  }

  private cmp(): WhenExpr {
    const left = this.primary();
    const t = this.peek();
    if (t.kind !== 'op') return left;
    if (t.text === '=~' || t.text === '!~') {
      this.pos++;
      const p = this.peek();
      if (p.kind !== 'string') {
        throw new WhenError(`the right side of ${t.text} must be a quoted pattern, not ${tokenText(p)}, at column ${p.column}`, p.column);
      }
      this.pos++;
      const re = compilePattern(p.value, p.column);
      const node: WhenExpr = { kind: 'match', negate: t.text === '!~', left, pattern: p.value, column: p.column };
      compiled.set(node, re);
      return node;
    }
    if (COMPARE_OPS.has(t.text)) {
      this.pos++;
      return { kind: 'compare', op: t.text as CompareOp, left, right: this.primary() };
    }
    return left;
  }

  private primary(): WhenExpr {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
      case 'number':
        this.pos++;
        return { kind: 'literal', value: t.value };
      case 'name':
        this.pos++;
        return nameNode(t.parts, t.column);
      case 'op':
        if (t.text === '(') {
          this.enter(t.column);
          this.pos++;
          const inner = this.or();
          const close = this.peek();
          if (!(close.kind === 'op' && close.text === ')')) {
            throw new WhenError(`expected ')' to close the '(' at column ${t.column}, found ${tokenText(close)} at column ${close.column}`, close.column);
          }
          this.pos++;
          this.depth--;
          return inner;
        }
        break;
      case 'end':
        break;
    }
    throw new WhenError(`unexpected ${tokenText(t)} at column ${t.column}`, t.column);
  }
}

function nameNode(parts: string[], column: number): WhenExpr {
  const [head, second, third] = parts;
  if (parts.length === 1) {
    if (head === 'true') return { kind: 'literal', value: true };
    if (head === 'false') return { kind: 'literal', value: false };
    return { kind: 'capture', name: head!, column };
  }
  if (head === 'steps' && parts.length === 3) return { kind: 'step', id: second!, field: third!, column };
  if (head === 'params' && parts.length === 2) return { kind: 'param', name: second!, column };
  const dotted = parts.join('.');
  const expected = head === 'steps' ? 'steps.ID.FIELD' : head === 'params' ? 'params.NAME' : 'steps.ID.FIELD, params.NAME or a bare name';
  throw new WhenError(`unknown name ${show(dotted)} at column ${column} (expected ${expected})`, column);
}

// Compiled once at parse time to refuse bad patterns early; the AST keeps only the source text
// (plain data), and the compiled regex is remembered beside the node it belongs to.
const compiled = new WeakMap<object, RegExp>();

function compilePattern(pattern: string, column: number): RegExp {
  try {
    return boundedRegex(pattern, { ignoreCase: false });
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/\s+/g, ' ') : String(err);
    throw new WhenError(`pattern ${show(pattern)} at column ${column} is refused: ${why}`, column);
  }
}

// ---------------------------------------------------------------------------------------------
// Checks and names

export function validateWhen(expr: WhenExpr, known: { stepIds: ReadonlySet<string>; params: ReadonlySet<string> }): string | undefined {
  for (const node of nameNodes(expr)) {
    if (node.kind === 'step') {
      const dotted = `steps.${node.id}.${node.field}`;
      if (!known.stepIds.has(node.id)) return `unknown step '${node.id}' in ${dotted} at column ${node.column}`;
      if (!STEP_FIELDS.has(node.field)) return `unknown field '${node.field}' in ${dotted} at column ${node.column} (use ok, failed, skipped, code or status)`;
    } else if (node.kind === 'param') {
      if (!known.params.has(node.name)) return `unknown parameter '${node.name}' in params.${node.name} at column ${node.column}`;
    }
  }
  return undefined;
}

export function whenNames(expr: WhenExpr): string[] {
  const names = nameNodes(expr).map((n) => (n.kind === 'step' ? `steps.${n.id}.${n.field}` : n.kind === 'param' ? `params.${n.name}` : n.name));
  return [...new Set(names)];
}

type NameNode = Extract<WhenExpr, { kind: 'step' | 'param' | 'capture' }>;

/** Left to right, which is the order they are written in. */
function nameNodes(expr: WhenExpr, out: NameNode[] = []): NameNode[] {
  switch (expr.kind) {
    case 'step':
    case 'param':
    case 'capture':
      out.push(expr);
      break;
    case 'not':
      nameNodes(expr.operand, out);
      break;
    case 'and':
    case 'or':
    case 'compare':
      nameNodes(expr.left, out);
      nameNodes(expr.right, out);
      break;
    case 'match':
      nameNodes(expr.left, out);
      break;
    case 'literal':
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export function evaluateWhen(expr: WhenExpr, scope: WhenScope): boolean {
  return truthy(evaluate(expr, scope));
}

function evaluate(expr: WhenExpr, scope: WhenScope): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'step':
      return stepField(scope.steps.get(expr.id) ?? PENDING, expr);
    case 'param':
      return scope.params.get(expr.name) ?? '';
    case 'capture':
      return scope.captures.get(expr.name) ?? scope.params.get(expr.name) ?? '';
    case 'not':
      return !truthy(evaluate(expr.operand, scope));
    case 'and':
      return truthy(evaluate(expr.left, scope)) && truthy(evaluate(expr.right, scope));
    case 'or':
      return truthy(evaluate(expr.left, scope)) || truthy(evaluate(expr.right, scope));
    case 'compare':
      return compare(expr.op, evaluate(expr.left, scope), evaluate(expr.right, scope));
    case 'match': {
      let re = compiled.get(expr);
      if (!re) {
        re = compilePattern(expr.pattern, expr.column);
        compiled.set(expr, re);
      }
      return re.test(String(evaluate(expr.left, scope))) !== expr.negate;
    }
  }
}

function stepField(outcome: StepOutcome, node: { field: string; column: number; id: string }): Value {
  switch (node.field) {
    case 'ok':
      return outcome.status === 'ok';
    case 'failed':
      return outcome.status === 'failed' || outcome.status === 'timeout';
    case 'skipped':
      return outcome.status === 'skipped';
    case 'code':
      return outcome.code ?? '';
    case 'status':
      return outcome.status;
  }
  // validateWhen refuses this when the runbook is read; reaching it means that was skipped.
  throw new WhenError(`unknown field '${node.field}' in steps.${node.id}.${node.field} at column ${node.column}`, node.column);
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

function numeric(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMERIC.test(v.trim())) return Number(v.trim());
  return undefined;
}

// Captures come from command output, so 'false\n' or ' no ' must read as false.
function truthy(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = v.trim().toLowerCase();
  return s !== '' && s !== 'false' && s !== '0' && s !== 'no';
}

function compare(op: CompareOp, a: Value, b: Value): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (op === '==' || op === '!=') {
    let same: boolean;
    if (x !== undefined && y !== undefined) same = x === y;
    else if (typeof a === 'boolean' || typeof b === 'boolean') same = truthy(a) === truthy(b);
    else same = String(a) === String(b);
    return op === '==' ? same : !same;
  }
  // Ordering something that is not a number is false, not an error: a capture that is missing
  // (the command printed nothing) must not crash a run at 3 a.m.; the step just doesn't run.
  if (x === undefined || y === undefined) return false;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}
