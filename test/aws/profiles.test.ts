import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertProfileExists, knownProfiles, sharedFiles } from '../../src/aws/profiles.js';
import { EstateError } from '../../src/errors.js';
import { tempDir } from '../_helpers/cli.js';

describe('named profiles', () => {
  it('reads profiles from both files, skipping sso-session and services sections', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, '.aws'));
      await writeFile(
        join(dir, '.aws', 'config'),
        '[default]\n[profile dev]\nsso_session = corp\n[sso-session corp]\n[services local]\n',
      );
      await writeFile(join(dir, 'creds'), '[ci]\naws_access_key_id = A\n');
      const env = { HOME: dir, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'creds') };
      expect(await knownProfiles(sharedFiles(env))).toEqual(['default', 'dev', 'ci']);
      await expect(assertProfileExists('ci', env)).resolves.toBeUndefined();
      const error = await assertProfileExists('corp', env).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EstateError);
      expect((error as EstateError).code).toBe('ProfileNotFound');
      expect((error as EstateError).message).toBe("AWS profile 'corp' is not in ~/.aws/config or ~/creds");
    } finally {
      await cleanup();
    }
  });
});
