/**
 * An empty estate served on loopback for CLI tests: the Organizations, Budgets and Cost
 * Explorer (cost allocation tags) fakes behind one emulator, with estate.yaml written to a
 * temporary folder and the environment that points the CLI at them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { emulatorEnv, startEmulator, type Emulator } from './aws-emulator.js';
import { tempDir } from './cli.js';
import { FakeBudgets } from './fake-budgets.js';
import { FakeCostAllocationTags } from './fake-cost-allocation-tags.js';
import { FakeOrganizations } from './fake-organizations.js';

export interface EmulatedEstate {
  readonly fake: FakeOrganizations;
  readonly budgets: FakeBudgets;
  readonly tags: FakeCostAllocationTags;
  readonly emulator: Emulator;
  readonly dir: string;
  /** estate.yaml in `dir`. */
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function emulatedEstate(config: object, callerAccountId: string): Promise<EmulatedEstate> {
  const { dir, cleanup } = await tempDir();
  const file = join(dir, 'estate.yaml');
  await writeFile(file, stringify(config));
  const fake = new FakeOrganizations({ callerAccountId, createAccountPolls: 0 });
  const budgets = new FakeBudgets();
  const tags = new FakeCostAllocationTags(['cost-center', 'estate:env']);
  const emulator = await startEmulator({
    callerAccountId,
    services: [
      { targetPrefix: 'AWSOrganizationsV20161128', send: (c) => fake.send(c) },
      { targetPrefix: 'AWSBudgetServiceGateway', send: (c) => budgets.send(c) },
      { targetPrefix: 'AWSInsightsIndexService', send: (c) => tags.send(c) },
    ],
  });
  const env = emulatorEnv(emulator.url, join(dir, 'audit.log'));
  return {
    fake,
    budgets,
    tags,
    emulator,
    dir,
    file,
    env,
    close: async () => {
      await emulator.close();
      await cleanup();
    },
  };
}
