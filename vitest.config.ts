import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Workers and child processes in tests need the built packages (npm test builds first).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
