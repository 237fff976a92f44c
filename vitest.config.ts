import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // Training tests run real (small) models on the cpu/wasm backends of a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
