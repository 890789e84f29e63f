import { defineConfig } from "vitest/config";

// Integration and e2e tests start real processes and servers; two cores are shared between them,
// so keep generous timeouts and a bounded number of parallel files.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
