// Ink's own Output, reached through the bundler (scripts/ink-patches.mjs): ink's package
// exports do not expose it, and only the replacement in ./output.ts falls back to it.
declare module 'ink-original/output.js' {
  export default class Output {
    constructor(options: { width: number; height: number });
    write(x: number, y: number, text: string, options: { transformers: Array<(line: string, index: number) => string> }): void;
    clip(clip: unknown): void;
    unclip(): void;
    get(): { output: string; height: number };
  }
}

// The real string-width, for ./string-width.ts to hand the hard cases to.
declare module 'string-width-original' {
  export { default } from 'string-width';
}

declare module 'ink-original/sanitize-ansi.js' {
  export default function sanitizeAnsi(text: string): string;
}

declare module 'ink-original/log-update.js' {
  interface LogUpdate {
    (str: string): boolean;
    clear(): void;
    done(): void;
    sync(str: string): void;
    setCursorPosition(position: { x: number; y: number } | undefined): void;
    isCursorDirty(): boolean;
    willRender(str: string): boolean;
  }
  const logUpdate: { create(stream: NodeJS.WriteStream, options?: { showCursor?: boolean; incremental?: boolean }): LogUpdate };
  export default logUpdate;
}
