/**
 * A failure the operator can act on (a step of a backup failed, a file is missing, a name was
 * mistyped): one line naming what failed, plus a hint. It is a UserError, so the CLI prints it
 * without a stack and exits with its code.
 */
import { UserError } from '../errors.js';

export class BackupError extends UserError {
  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'BackupError';
  }
}
