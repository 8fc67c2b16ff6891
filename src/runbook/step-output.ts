/**
 * A shell step's stdout and stderr on their way to the screen and the transcript: passed on as
 * complete lines (a chunk can end mid-line, or inside a multi-byte character) until the wrapper's
 * boundary line (shell-step.ts); what follows it on stdout is the step's captures.
 */
/** Where a piece of a step's output came from; 'info' is opsdeck's own note about the step. */
export type OutputStream = 'stdout' | 'stderr' | 'info';

/** A line longer than this is passed on in pieces rather than held without bound. */
const OUTPUT_FLUSH = 64 * 1024;

export class StepOutput {
  #out = '';
  #err = '';
  #captures = '';
  #afterBoundary = false;
  #heldBlank = false;
  readonly #decoderOut = new TextDecoder();
  readonly #decoderErr = new TextDecoder();

  constructor(
    private readonly boundary: string,
    private readonly sink: (stream: OutputStream, text: string) => void,
  ) {}

  stdout(b: Buffer): void {
    const text = this.#decoderOut.decode(b, { stream: true });
    if (this.#afterBoundary) {
      this.#captures += text;
      return;
    }
    this.#out += text;
    const cut = this.#out.lastIndexOf('\n');
    if (cut < 0 && this.#out.length < OUTPUT_FLUSH) return;
    const complete = cut < 0 ? this.#out : this.#out.slice(0, cut + 1);
    this.#out = cut < 0 ? '' : this.#out.slice(cut + 1);
    this.#lines(complete);
    if (this.#afterBoundary) {
      this.#captures += this.#out;
      this.#out = '';
    }
  }

  #lines(text: string): void {
    let shown = '';
    const lines = text.split('\n');
    const last = lines.pop() ?? '';
    for (let k = 0; k < lines.length; k++) {
      const line = lines[k]!;
      if (this.#afterBoundary) {
        this.#captures += `${line}\n`;
        continue;
      }
      if (line === this.boundary) {
        // The wrapper's printf starts with a newline so the boundary is a line of its own;
        // that blank line is the wrapper's, not the step's.
        this.#heldBlank = false;
        this.#afterBoundary = true;
        continue;
      }
      if (this.#heldBlank) shown += '\n';
      this.#heldBlank = line === '';
      if (!this.#heldBlank) shown += `${line}\n`;
    }
    if (this.#afterBoundary) this.#captures += last;
    else if (last !== '') shown += last;
    if (shown !== '') this.sink('stdout', shown);
  }

  stderr(b: Buffer): void {
    this.#err += this.#decoderErr.decode(b, { stream: true });
    const cut = this.#err.lastIndexOf('\n');
    if (cut < 0 && this.#err.length < OUTPUT_FLUSH) return;
    const complete = cut < 0 ? this.#err : this.#err.slice(0, cut + 1);
    this.#err = cut < 0 ? '' : this.#err.slice(cut + 1);
    this.sink('stderr', complete);
  }

  end(): void {
    const rest = this.#out + this.#decoderOut.decode();
    this.#out = '';
    if (rest !== '') this.#lines(rest.endsWith('\n') ? rest : `${rest}\n`);
    if (this.#heldBlank && !this.#afterBoundary) this.sink('stdout', '\n');
    const err = this.#err + this.#decoderErr.decode();
    if (err !== '') this.sink('stderr', err);
  }

  sawBoundary(): boolean {
    return this.#afterBoundary;
  }

  captureText(): string {
    return this.#captures;
  }
}
