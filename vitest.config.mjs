import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.{js,mjs}', 'examples/*/test/**/*.test.{js,mjs}'],
    pool: 'forks',
    testTimeout: 20000,
    hookTimeout: 20000,
    globals: false,
  },
});
