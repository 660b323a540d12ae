/**
 * The curated default controls in templates/controls/default.json: strongly recommended
 * controls estate enables on every workload OU (unless controlTower.defaultControls is false).
 *
 * Placeholders follow templates/policies: `{{partition}}` and `{{homeRegion}}` inside strings,
 * and a parameter value of `"{{governedRegions}}"` becomes the governed regions.
 */
import { readFileSync } from 'node:fs';
import { EstateError } from '../errors.js';
import { templatePath } from '../package.js';

/** One entry of the file, as written. */
export interface DefaultControlEntry {
  readonly identifier: string;
  readonly reason: string;
  readonly scope: 'workload-ous';
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** A default control with its placeholders filled in. */
export interface DefaultControl {
  readonly identifier: string;
  readonly reason: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** Where the file lives in the installed package. */
export function defaultControlsPath(): string {
  return templatePath('controls', 'default.json');
}

/** The entries of the file (an internal error when it is missing or malformed). */
export function readDefaultControls(file = defaultControlsPath()): DefaultControlEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new EstateError(`cannot read the default controls in ${file}`, {
      code: 'TemplatesMissing',
      source: 'internal',
      cause,
      suggestions: ['reinstall estate: the package ships templates/controls/default.json'],
    });
  }
  const controls = (parsed as { controls?: unknown }).controls;
  const valid = (c: unknown): c is DefaultControlEntry => {
    const e = c as Partial<DefaultControlEntry> | null;
    return (
      typeof e?.identifier === 'string' &&
      typeof e.reason === 'string' &&
      e.scope === 'workload-ous' &&
      (e.parameters === undefined || (typeof e.parameters === 'object' && e.parameters !== null))
    );
  };
  if (!Array.isArray(controls) || !controls.every(valid))
    throw new EstateError(`${file}: "controls" must list objects with identifier, reason and scope`, {
      code: 'TemplatesMissing',
      source: 'internal',
    });
  return controls;
}

/** The entries with `{{partition}}`, `{{homeRegion}}` and `"{{governedRegions}}"` filled in. */
export function resolveDefaultControls(
  entries: readonly DefaultControlEntry[],
  where: { partition: string; homeRegion: string; governedRegions: readonly string[] },
): DefaultControl[] {
  const fill = (s: string) =>
    s.replaceAll('{{partition}}', where.partition).replaceAll('{{homeRegion}}', where.homeRegion);
  return entries.map((e) => ({
    identifier: fill(e.identifier),
    reason: e.reason,
    parameters: Object.fromEntries(
      Object.entries(e.parameters ?? {}).map(([k, v]) => [
        k,
        v === '{{governedRegions}}' ? [...where.governedRegions] : typeof v === 'string' ? fill(v) : v,
      ]),
    ),
  }));
}
