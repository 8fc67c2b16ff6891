/** The audit as text: one line per row, its evidence and fix under failures and warnings. */
import type { AuditReport, AuditStatus } from './audit-row.js';

export const AUDIT_MARK: Record<AuditStatus, string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', info: 'info' };

export function auditText(r: AuditReport, opts: { evidence?: boolean } = {}): string {
  const out = [`Audit of ${r.label}: ${r.counts.pass} pass, ${r.counts.warn} warn, ${r.counts.fail} fail`];
  let group = '';
  for (const row of r.rows) {
    if (row.group !== group) {
      group = row.group;
      out.push('', group);
    }
    out.push(`  ${AUDIT_MARK[row.status]}  ${row.title}: ${row.detail}`);
    if (row.status === 'fail' || row.status === 'warn' || opts.evidence) {
      for (const e of row.evidence) {
        out.push(`        $ ${e.command}`);
        for (const l of e.output.split('\n')) if (l) out.push(`          ${l}`);
      }
      if (row.fix && row.status !== 'pass') out.push(`        fix: ${row.fix}`);
    }
  }
  return out.join('\n') + '\n';
}
