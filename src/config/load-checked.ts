/**
 * `loadConfig` plus the blueprint folder checks (codePath relative to estate.yaml), reported
 * with the loader's problems in one ConfigError, each at its file:line. Used by the commands
 * that act on blueprints or plan the estate: config validate, blueprint synth, plan, apply.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { blueprintFileProblems } from './blueprint-checks.js';
import {
  ConfigError,
  formatPath,
  lineOf,
  loadConfig,
  type ConfigIssue,
  type LoadedConfig,
} from './loader.js';

export async function loadCheckedConfig(path: string): Promise<LoadedConfig> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Invalid elsewhere: add the folder problems the config's readable parts already show.
    const file = resolve(path);
    const text = await readFile(file, 'utf8');
    const extra = folderIssues(text, dirname(file), error.file);
    if (extra.length === 0) throw error;
    throw new ConfigError(
      error.file,
      [...error.issues, ...extra].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  }
  const extra = folderIssues(loaded.text, loaded.dir, basename(loaded.file), loaded.config);
  if (extra.length) throw new ConfigError(basename(loaded.file), extra);
  return loaded;
}

/** The folder problems of a config text, at the line of each key (or its nearest parent). */
function folderIssues(text: string, dir: string, file: string, parsed?: object): ConfigIssue[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const data = (parsed ?? doc.toJS()) as Record<string, unknown> | null;
  if (!data || typeof data !== 'object') return [];
  const environments = Array.isArray(data.environments)
    ? data.environments
        .filter((e): e is Record<string, unknown> => Boolean(e) && typeof e === 'object')
        .map((e) => ({ ...e, blueprints: Array.isArray(e.blueprints) ? (e.blueprints as unknown[]) : [] }))
    : [];
  return blueprintFileProblems({ ...data, environments }, dir).map(({ path, message }) => ({
    file,
    path: formatPath(path),
    message,
    ...lineOf(doc, counter, path),
  }));
}
