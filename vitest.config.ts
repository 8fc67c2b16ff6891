import { defineConfig } from 'vitest/config';

// Three projects so `npm test` can run the fast ones first and the lab-bound ones last.
// Unit and TUI tests must never need the lab; e2e tests must fail (not skip) without it.
export default defineConfig({
  test: {
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
