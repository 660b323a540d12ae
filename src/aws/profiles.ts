/**
 * Named profiles: `--profile nosuch` fails at once, naming the profile and the files that
 * were read, instead of the credential chain's generic "could not load credentials" after
 * it has tried every other source.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EstateError } from '../errors.js';

export interface SharedFiles {
  readonly config: string;
  readonly credentials: string;
  readonly home: string;
}

/** The files the SDK reads, with the same variables (empty values count as unset). */
export function sharedFiles(env: NodeJS.ProcessEnv = process.env): SharedFiles {
  const home = env.HOME || env.USERPROFILE || homedir();
  return {
    home,
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  };
}

async function sections(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)].map((m) => m[1]!);
}

/** Profile names in the config file (`[default]`, `[profile x]`) and the credentials file (`[x]`). */
export async function knownProfiles(files: SharedFiles): Promise<string[]> {
  const fromConfig = (await sections(files.config))
    .filter((s) => !/^(sso-session|services)\s/.test(s))
    .map((s) => s.replace(/^profile\s+/, ''));
  return [...new Set([...fromConfig, ...(await sections(files.credentials))])];
}

/** Throws ProfileNotFound unless `profile` is in one of the shared files. */
export async function assertProfileExists(
  profile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const files = sharedFiles(env);
  const known = await knownProfiles(files);
  if (known.includes(profile)) return;
  const show = (path: string) =>
    path.startsWith(`${files.home}/`) ? `~${path.slice(files.home.length)}` : path;
  throw new EstateError(
    `AWS profile '${profile}' is not in ${show(files.config)} or ${show(files.credentials)}`,
    {
      code: 'ProfileNotFound',
      source: 'user',
      details: { profile, files: [files.config, files.credentials], known },
      suggestions: [
        known.length
          ? `pass one of the profiles there: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}`
          : 'there are no profiles in those files',
        `create it: \`aws configure sso --profile ${profile}\` (or \`aws configure --profile ${profile}\`)`,
        'or drop --profile (and ESTATE_PROFILE) to use the default credential chain',
      ],
    },
  );
}
