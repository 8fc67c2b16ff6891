import { setFlagsFromString } from 'node:v8';

/**
 * V8 sends a function to TurboFan once it has used up its interrupt budget (by default 66 KB of
 * bytecode executed) a few times over. The terminal UI draws a frame every two seconds or so, and each
 * frame runs a broad spread of code (React's reconciler, Ink's layout, our renderers) only
 * moderately often: measured on the live grid, TurboFan's background compiles were a third of
 * the process's CPU in its first minute, optimising functions that ran a few times a second.
 * Eight times the budget leaves only code that is really hot (log ingest under a flood) to
 * TurboFan. The flag is read whenever a function's budget is reset, so it applies from here on.
 * Only the TUI sets it: for a one-shot command (`logs --tail`) neither a lower nor a higher
 * budget measured faster.
 */
export const TUI_INTERRUPT_BUDGET = 8 * 67_584;

export function optimiseLessEagerly(): void {
  setFlagsFromString(`--interrupt-budget=${TUI_INTERRUPT_BUDGET}`);
}
