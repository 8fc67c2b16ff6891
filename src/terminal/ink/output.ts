import InkOutput from 'ink-original/output.js';
import { composeFrame, type OutputOperation } from '../../render/frame-compose.js';

type Transformer = (line: string, index: number) => string;

/**
 * Stands in for ink/build/output.js in the bundle (scripts/ink-patches.mjs): the same interface,
 * but frames without overlapping text are composed row by row (composeFrame) instead of cell by
 * cell; any other frame is replayed into Ink's own Output, so the result never differs.
 */
export default class Output {
  readonly width: number;
  readonly height: number;
  private readonly operations: OutputOperation[] = [];

  constructor(options: { width: number; height: number }) {
    this.width = options.width;
    this.height = options.height;
  }

  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void {
    if (!text) return;
    this.operations.push({ type: 'write', x, y, text, transformers: options.transformers });
  }

  clip(clip: unknown): void {
    this.operations.push({ type: 'clip', clip });
  }

  unclip(): void {
    this.operations.push({ type: 'unclip' });
  }

  get(): { output: string; height: number } {
    const fast = composeFrame(this.width, this.height, this.operations);
    if (fast !== null) return { output: fast, height: this.height };
    const exact = new InkOutput({ width: this.width, height: this.height });
    for (const op of this.operations) {
      if (op.type === 'write') exact.write(op.x, op.y, op.text, { transformers: [...op.transformers] });
      else if (op.type === 'clip') exact.clip(op.clip);
      else exact.unclip();
    }
    return exact.get();
  }
}
