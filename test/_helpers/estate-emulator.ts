/**
 * An empty estate served on loopback for CLI tests (src/emulator/estate.ts), with estate.yaml
 * written to a temporary folder and the environment that points the CLI at it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { emulatorEnv } from '../../src/emulator/server.js';
import {
  startEstateEmulator,
  type CloudFormationTuning,
  type EstateEmulator,
} from '../../src/emulator/estate.js';
import { tempDir } from './cli.js';

export type { CloudFormationTuning } from '../../src/emulator/estate.js';

export interface EmulatedEstate extends EstateEmulator {
  readonly dir: string;
  /** estate.yaml in `dir`. */
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
}

export async function emulatedEstate(
  config: object,
  callerAccountId: string,
  cloudformationOptions: CloudFormationTuning = {},
): Promise<EmulatedEstate> {
  const { dir, cleanup } = await tempDir();
  const file = join(dir, 'estate.yaml');
  await writeFile(file, stringify(config));
  const estate = await startEstateEmulator({ callerAccountId, cloudformation: cloudformationOptions });
  return {
    ...estate,
    dir,
    file,
    env: emulatorEnv(estate.url, join(dir, 'audit.log')),
    close: async () => {
      await estate.close();
      await cleanup();
    },
  };
}
