/**
 * Reading a captured terminal: is the grid complete? Checked against what the lab's containers
 * must produce (lab.json), not against fixed text.
 */
import type { ExpectedRow } from './setup.js';

export interface GridProgress {
  /** Something of opsdeck is drawn. */
  painted: boolean;
  /** Every expected row is on screen under its project. */
  rows: boolean;
  /** …and every steady row shows a CPU figure. */
  complete: boolean;
  missingRows: string[];
  missingCpu: string[];
}

// The CPU cell: "12.3% /0.5c" or "0.0% /no lim"; memory's "%" is never followed by " /".
const CPU_FIGURE = /\d+(?:\.\d+)?% \/(?:\d|no lim)/;

export function gridProgress(screen: string, rows: readonly ExpectedRow[], projects: readonly string[]): GridProgress {
  const lines = screen.split('\n');
  const headerAt = lines.findIndex((l) => /^SERVICE\s/.test(l));
  const seen = new Map<string, string>();
  let heading: string | null = null;
  for (const line of headerAt < 0 ? [] : lines.slice(headerAt + 1)) {
    if (/^[^\s!]/.test(line)) {
      heading = line.replace(/\s+⚠.*$/, '').trim();
      continue;
    }
    const m = /^(?: {2}|! )(\S.*?)(?: {2,}|$)/.exec(line);
    if (!m || heading === null) continue;
    const group = projects.includes(heading) ? heading : '';
    seen.set(`${group}/${m[1]}`, line);
  }
  const missingRows: string[] = [];
  const missingCpu: string[] = [];
  for (const r of rows) {
    const key = `${r.project ?? ''}/${r.label}`;
    const line = seen.get(key);
    if (line === undefined) missingRows.push(key);
    else if (r.steady && !CPU_FIGURE.test(line)) missingCpu.push(key);
  }
  return {
    painted: /\bopsdeck\b/.test(screen),
    rows: headerAt >= 0 && missingRows.length === 0,
    complete: headerAt >= 0 && missingRows.length === 0 && missingCpu.length === 0,
    missingRows,
    missingCpu,
  };
}

/**
 * `docker stats -a`'s table: how many of the steady containers have a row with a CPU percentage.
 * (Rows whose stream failed show "--" and no name: against a default sshd, the CLI's one SSH
 * connection per container runs into MaxStartups and some are dropped.)
 */
export function dockerStatsWithFigures(screen: string, steady: readonly string[]): number {
  const lines = screen.split('\n');
  return steady.filter((n) => lines.some((l) => l.split(/\s+/).includes(n) && /\s\d+\.\d+%\s/.test(l))).length;
}
