import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Service tests start real servers and workers; forks keep them apart.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
