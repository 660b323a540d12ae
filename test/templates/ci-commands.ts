/**
 * Checks the `estate ...` command lines of CI templates against the commands estate has: each
 * must name a command, and each flag must be one that command takes (an option flag followed
 * by its value). The commands come from the sources (oclif reading every command's static
 * flags, as `oclif manifest` does), so the check sees today's code whether or not it was built.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Plugin, settings } from '@oclif/core';
import { register } from 'tsx/esm/api';
import { ROOT } from '../_helpers/cli.js';

export interface ManifestFlag {
  readonly name: string;
  readonly char?: string;
  readonly type: 'boolean' | 'option';
}

/** The part of oclif.manifest.json the check reads. */
export interface CommandManifest {
  readonly commands: Readonly<
    Record<string, { readonly flags: Readonly<Record<string, ManifestFlag>>; readonly args?: object }>
  >;
}

/** Keys whose values are shell scripts: GitHub Actions `run`, GitLab `script` and its kin. */
const SCRIPT_KEYS = new Set(['run', 'script', 'before_script', 'after_script']);

/** Every script line of a parsed CI document (comment lines left out). */
export function scriptLines(doc: unknown): string[] {
  const lines: string[] = [];
  const visit = (value: unknown, inScript: boolean) => {
    if (typeof value === 'string') {
      if (inScript)
        for (const line of value.split('\n'))
          if (line.trim() && !line.trim().startsWith('#')) lines.push(line);
      return;
    }
    if (Array.isArray(value)) for (const v of value) visit(v, inScript);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) visit(v, inScript || SCRIPT_KEYS.has(k));
  };
  visit(doc, false);
  return lines;
}

const SEPARATORS = new Set(['&&', '||', ';', '|', 'then', 'do', 'else']);
const NPX_OPTIONS = new Set(['--no-install', '--no', '--yes', '-y', '--offline']);

/** The words after each `estate` in command position (a line's start, after `npx` or a separator), up to a redirection or separator. */
export function estateInvocations(line: string): string[][] {
  const words = line.trim().split(/\s+/);
  const found: string[][] = [];
  let commandStart = true;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (SEPARATORS.has(w)) {
      commandStart = true;
      continue;
    }
    if (commandStart && w === 'npx') continue;
    if (commandStart && NPX_OPTIONS.has(w) && words.slice(0, i).includes('npx')) continue;
    if (commandStart && w === 'estate') {
      const rest: string[] = [];
      for (let j = i + 1; j < words.length; j++) {
        const t = words[j]!;
        if (SEPARATORS.has(t) || /^\d*[<>]/.test(t)) break;
        rest.push(t);
      }
      found.push(rest);
    }
    commandStart = false;
  }
  return found;
}

/** What is wrong with one invocation (the words after `estate`), or undefined. */
export function invocationProblem(words: readonly string[], manifest: CommandManifest): string | undefined {
  const topics: string[] = [];
  for (const w of words) {
    if (w.startsWith('-')) break;
    topics.push(w);
  }
  let id: string | undefined;
  for (let n = topics.length; n > 0 && !id; n--) {
    const candidate = topics.slice(0, n).join(':');
    if (manifest.commands[candidate]) id = candidate;
  }
  const shown = `estate ${words.join(' ')}`;
  if (!id) return `${shown}: no command ${topics.join(' ') || '(none)'}`;
  const flags = Object.values(manifest.commands[id]!.flags);
  const rest = words.slice(id.split(':').length);
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    if (!t.startsWith('-')) continue;
    const [name, inline] = t.startsWith('--') ? t.slice(2).split('=', 2) : [t.slice(1), undefined];
    const flag = flags.find((f) => (t.startsWith('--') ? f.name === name : f.char === name));
    if (!flag) return `${shown}: estate ${id.replaceAll(':', ' ')} has no flag ${t.split('=')[0]}`;
    if (flag.type === 'option' && inline === undefined) {
      const value = rest[i + 1];
      if (value === undefined || value.startsWith('-')) return `${shown}: ${t} needs a value`;
      i++;
    }
  }
  return undefined;
}

/** Every problem of a parsed CI document's estate command lines, and how many lines were checked. */
export function ciProblems(
  doc: unknown,
  manifest: CommandManifest,
): { checked: string[]; problems: string[] } {
  const checked: string[] = [];
  const problems: string[] = [];
  for (const line of scriptLines(doc))
    for (const words of estateInvocations(line)) {
      checked.push(`estate ${words.join(' ')}`);
      const problem = invocationProblem(words, manifest);
      if (problem) problems.push(problem);
    }
  return { checked, problems };
}

/** The commands and flags of the sources, as oclif's manifest lists them. */
export async function sourceManifest(): Promise<CommandManifest> {
  register();
  settings.enableAutoTranspile = false;
  const pjson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  pjson.oclif = JSON.parse(
    JSON.stringify(pjson.oclif).replace(
      /\.\/dist\/([^"]*?)(\.js)?"/g,
      (_, path: string, js?: string) => `./src/${path}${js ? '.ts' : ''}"`,
    ),
  );
  const root = new Plugin({ root: ROOT, isRoot: true, ignoreManifest: true, pjson });
  await root.load();
  return root.manifest as unknown as CommandManifest;
}
