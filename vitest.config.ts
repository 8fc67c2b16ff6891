import { defineConfig } from 'vitest/config';
// @ts-expect-error plain JS shared with the bundler
import { inkPatchesVite } from './scripts/ink-patches.mjs';

// Three projects so `npm test` can run the fast ones first and the lab-bound ones last.
// Unit and TUI tests must never need the lab; e2e tests must fail (not skip) without it.
export default defineConfig({
  // The screens are tested with the Ink that ships (scripts/ink-patches.mjs); ink and the
  // testing library are inlined so that Ink's internal imports pass through the plugin, and so
  // both share one copy of Ink.
  plugins: [inkPatchesVite],
  test: {
    // is-in-ci too: Ink decides at load whether it is in CI (and then draws nothing until it
    // exits); the painter's test, which needs Ink's real terminal output, loads it with CI=0.
    server: { deps: { inline: ['ink', 'ink-testing-library', 'is-in-ci'] } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'] } },
      { extends: true, test: { name: 'tui', include: ['test/tui/**/*.test.{ts,tsx}'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.{ts,tsx}'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // The lab is one shared server: files run one after another, as operators would.
          fileParallelism: false,
        },
      },
    ],
  },
});
