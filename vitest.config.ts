import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks, not threads: the in-process CLI runs change process.cwd(). Each file gets a fresh
    // process (isolate stays on: SDK client mocks in test/aws are reset, not restored, and
    // would reach the next file's commands). Three forks on two cores: the command files
    // spend much of their time waiting on polls and timeouts, and a third keeps a core busy.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // No colours in what commands print, whatever the terminal or CI (CI=true makes vitest's
    // workers colour-capable, and oclif decides its colours when it loads, before a test's env).
    // JSII_DEPRECATED=fail: a deprecated aws-cdk-lib API throws, so none reaches a user's
    // terminal as a [WARNING] line in the middle of estate apply.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      JSII_DEPRECATED: 'fail',
    },
  },
});
