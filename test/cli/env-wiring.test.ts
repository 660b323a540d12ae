import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { envDeps } from '../../src/cli/wiring.js';
import { silentIoHost } from '../../src/core/io.js';

const require = createRequire(import.meta.url);
const toolkitLibLoaded = () =>
  Object.keys(require.cache).some((k) => /@aws-cdk[\\/]toolkit-lib[\\/]lib[\\/]index\.js$/.test(k));

describe('envDeps', () => {
  it('Given the ports are built, Then toolkit-lib is not loaded until the toolkit is asked for, and then once', async () => {
    const clients = new AwsClients({
      region: 'eu-west-2',
      credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      env: {},
    });
    const deps = await envDeps(clients, { io: silentIoHost });

    expect(typeof deps.stacks.listStacks).toBe('function');
    expect(typeof deps.bootstrap.bootstrapVersion).toBe('function');
    expect(typeof deps.buckets.emptyBucket).toBe('function');
    expect(typeof deps.identity.accountOf).toBe('function');
    expect(toolkitLibLoaded()).toBe(false);

    const first = deps.toolkit();
    const port = await first;
    expect(deps.toolkit()).toBe(first);
    expect(typeof port.deploy).toBe('function');
    expect(toolkitLibLoaded()).toBe(true);
  });
});
