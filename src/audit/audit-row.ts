/**
 * One line of the audit: what was checked, pass / warn / fail (info for things that are merely
 * reported), the evidence (the command and what it printed) and the fix. Every server string in
 * here was sanitised where it entered.
 */
export type AuditStatus = 'pass' | 'warn' | 'fail' | 'info';

export interface Evidence {
  /** The command as sent, or what was read ("docker inspect shop-api-1"). */
  command: string;
  /** What it printed (trimmed to the lines that matter). */
  output: string;
}

export interface AuditRow {
  id: string;
  /** Section: "SSH", "Firewall", "Updates", "Docker", "Containers", "Backups", "Unlock". */
  group: string;
  title: string;
  status: AuditStatus;
  detail: string;
  evidence: Evidence[];
  fix?: string;
}

export interface AuditReport {
  label: string;
  rows: AuditRow[];
  /** No row failed: exit 0. */
  ok: boolean;
  counts: Record<AuditStatus, number>;
}

export function auditReport(label: string, rows: AuditRow[]): AuditReport {
  const counts: Record<AuditStatus, number> = { pass: 0, warn: 0, fail: 0, info: 0 };
  for (const r of rows) counts[r.status]++;
  return { label, rows, ok: counts.fail === 0, counts };
}

/** Output for evidence: at most `max` lines, each sanitised by the caller. */
export function trimOutput(text: string, max = 12): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.length > max ? [...lines.slice(0, max), `… (${lines.length - max} more lines)`].join('\n') : lines.join('\n');
}
