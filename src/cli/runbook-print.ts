/**
 * A run's events as a person reads them on the command line: each step's title and command, its
 * output as it comes, and how it ended. The events are already sanitised and masked.
 */
import { formatDuration } from '../render/duration.js';
import type { TranscriptEvent } from '../runbook/transcript-events.js';

const MARK = { ok: '✓', failed: '✗', timeout: '✗', skipped: '–', stopped: '■' } as const;

type Out = Pick<NodeJS.WritableStream, 'write'>;

export function eventPrinter(out: Out, err: Out): (e: TranscriptEvent) => void {
  let atLineStart = true;
  const write = (w: Out, text: string): void => {
    w.write(text);
    atLineStart = text.endsWith('\n');
  };
  return (e) => {
    switch (e.t) {
      case 'start':
        write(err, `${e.plan ? 'plan of' : 'running'} ${e.runbook} (${e.title}) on ${e.server.profile}: run ${e.run}\n`);
        break;
      case 'resume':
        write(err, `resuming after ${e.after ?? 'the start'}\n`);
        break;
      case 'step-start':
        write(out, `${atLineStart ? '' : '\n'}\n▸ ${e.step} [${e.kind}] ${e.title}\n  $ ${commandLines(e.kind, e.command)}\n`);
        break;
      case 'output':
        if (e.stream === 'info') write(err, `${atLineStart ? '' : '\n'}  · ${e.text}\n`);
        else write(e.stream === 'stderr' ? err : out, e.text);
        break;
      case 'step-end': {
        const code = e.code !== null && e.status !== 'ok' ? ` (exit ${e.code})` : '';
        write(out, `${atLineStart ? '' : '\n'}  ${MARK[e.status]} ${e.status}${code}${e.reason ? `: ${e.reason}` : ''} · ${formatDuration(e.ms)}\n`);
        break;
      }
      case 'end':
        write(err, `\n${e.status} in ${formatDuration(e.ms)}\n`);
        break;
      default:
        break;
    }
  };
}

/** An act step's command is shown whole (it is what was confirmed); a check's first line is enough. */
function commandLines(kind: string, command: string): string {
  const lines = command.split('\n');
  if (kind === 'act' || lines.length === 1) return lines.join('\n    ');
  return `${lines[0]} … (${lines.length} lines)`;
}
