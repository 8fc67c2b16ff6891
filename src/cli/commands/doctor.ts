import type { CommandSpec } from '../command.js';
import { connectionOptions, type ConnectionFlags } from '../connection-options.js';
import { EXIT } from '../../errors.js';
import { diagnose, type DoctorReport } from '../../transport/diagnose.js';
import { cliPrompter } from '../../transport/prompter.js';
import { resolveTarget } from '../../transport/target.js';
import type { Readable } from 'node:stream';

const GLYPH = { pass: '✓', fail: '✗', warn: '!', skip: '-' } as const;

export function renderDoctorReport(r: DoctorReport): string {
  const where = r.target.kind === 'local' ? ['local'] : [...(r.target.destination !== r.target.label ? [r.target.destination] : []), ...(r.target.via ? [r.target.via] : [])];
  const head = `opsdeck doctor: ${r.target.label}${where.length && where[0] !== r.target.label ? ` (${where.join(', ')})` : ''}, Docker socket ${r.target.socketPath}`;
  const titles = r.steps.map((s) => (s.hop ? `${s.title} [${s.hop}]` : s.title));
  const w = Math.max(...titles.map((t) => t.length));
  const lines = [head];
  r.steps.forEach((s, i) => {
    lines.push(`  ${GLYPH[s.status]} ${titles[i]!.padEnd(w)}  ${s.detail}`);
    if (s.hint && s.status !== 'pass') lines.push(`    ${' '.repeat(w)}  fix: ${s.hint}`);
    else if (s.hint) lines.push(`    ${' '.repeat(w)}  note: ${s.hint}`);
  });
  lines.push(r.ok ? 'All checks passed.' : 'Some checks failed.');
  return lines.join('\n') + '\n';
}

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  maxPositionals: 0,
  summary: 'check every step from here to the Docker API and say how to fix what fails',
  usage: 'doctor [--host H] [--json]',
  options: { ...connectionOptions, json: { type: 'boolean', description: 'print JSON' } },
  run: async (ctx) => {
    const flags = ctx.values as ConnectionFlags & { json?: boolean };
    const target = await resolveTarget(flags, ctx.env);
    const prompter = cliPrompter({ stdin: ctx.stdin as Readable & { isTTY?: boolean }, stderr: ctx.stderr as NodeJS.WritableStream as import('node:stream').Writable });
    const report = await diagnose(target, prompter, { env: ctx.env });
    if (flags.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else ctx.stdout.write(renderDoctorReport(report));
    return report.ok ? EXIT.ok : EXIT.degraded;
  },
};
