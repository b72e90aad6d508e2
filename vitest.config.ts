// Test projects: Node suites (cpu, wasm) and the browser project (test/browser/project.ts: Chromium, webgl/wasm/cpu).
import {defineConfig} from 'vitest/config';
import {browserProjects} from './test/browser/project.js';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', 'node_modules/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      ...browserProjects(),
    ],
  },
});
