/**
 * An answer from the Docker daemon that opsdeck cannot use: malformed, cut off, too large, too
 * slow, or an error status. The server's doing rather than a bug here, so it prints as one line
 * (exit 2) instead of "internal error … please report it".
 */
import { UserError } from '../errors.js';

export class DockerAnswerError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'DockerAnswerError';
  }
}

/** The bytes themselves were not a Docker answer: asking again would get the same. */
export class MalformedAnswerError extends DockerAnswerError {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedAnswerError';
  }
}
