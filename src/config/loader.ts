/**
 * Reads estate.yaml and reports every problem at once as `file:line: path.to.field: message`.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { EstateError } from '../errors.js';
import { templatePath } from '../package.js';
import { configSchema, type EstateConfig } from './schema.js';

export interface ConfigIssue {
  readonly file: string;
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line ? `${issue.file}:${issue.line}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

export class ConfigError extends EstateError {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${file} has ${issues.length} problem${issues.length === 1 ? '' : 's'}`, {
      code: 'InvalidConfig',
      source: 'user',
      exitCode: 2,
      details: { issues: issues.map(formatIssue), problems: issues },
      suggestions: ['fix the fields above; `estate config validate` re-checks without touching AWS'],
    });
  }
}

/** The example shipped in the package, found from the package root (not the working folder). */
export const BUNDLED_EXAMPLE = templatePath('examples', 'recall', 'estate.yaml');

export interface LoadedConfig {
  readonly file: string;
  /** Folder relative paths in the config (code paths, policy files) resolve from. */
  readonly dir: string;
  readonly config: EstateConfig;
  readonly text: string;
}

/** Where a path sits in the document; a missing field points at its deepest existing parent. */
export function lineOf(
  doc: Document,
  counter: LineCounter,
  path: readonly PropertyKey[],
): { line?: number; column?: number } {
  // The deepest node the document has on this path: a missing field points at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) {
      const { line, col } = counter.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return {};
}

/** `accounts[6].owner`: keys joined by dots, array indexes in brackets. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** The zod def of a schema node, reached through the internals zod 4 exposes. */
type Def = { type: string } & Record<string, unknown>;
const defOf = (schema: unknown): Def | undefined =>
  (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** Unwraps optional/default/lazy/pipe wrappers down to the schema that holds the shape. */
function unwrap(schema: unknown): unknown {
  for (let i = 0; i < 20; i++) {
    const def = defOf(schema);
    if (!def) return schema;
    if ('innerType' in def) schema = def.innerType;
    else if (def.type === 'lazy') schema = (def.getter as () => unknown)();
    else if (def.type === 'pipe') schema = def.in;
    else return schema;
  }
  return schema;
}

/** The keys the schema knows for the object at `path` (empty when it is not an object). */
export function knownKeysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let node = unwrap(schema);
  for (const key of path) {
    const def = defOf(node);
    if (!def) return [];
    if (def.type === 'object') node = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return [];
    node = unwrap(node);
  }
  const def = defOf(node);
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The known key a misspelling most likely meant, if one is close enough to suggest. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(1, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

/** The text of the scalar at `path` exactly as written in the file. */
function sourceText(doc: Document, text: string, path: readonly PropertyKey[]): string | undefined {
  const node = doc.getIn(path as unknown[], true);
  return isNode(node) && node.range ? text.slice(node.range[0], node.range[1]) : undefined;
}

/** Why YAML gave a type the schema did not expect, and how to write what was meant. */
function typeHint(issue: z.core.$ZodIssue, written: string | undefined): string | undefined {
  if (issue.code !== 'invalid_type' || written === undefined) return undefined;
  const expected = (issue as { expected?: string }).expected;
  if (expected === 'string' && /^\d+$/.test(written)) {
    if (written.length === 12 || /id$/i.test(String(issue.path.at(-1) ?? '')))
      return `YAML reads the unquoted ${written} as a number${written.startsWith('0') ? ' and drops its leading zeros' : ''}; quote the account id: '${written}'${written.length === 12 ? '' : ' (account ids have 12 digits)'}`;
    return `YAML reads the unquoted ${written} as a number; quote it: '${written}'`;
  }
  if (expected === 'string' && /^\d+\.\d+$/.test(written))
    return `YAML reads the unquoted ${written} as a number; quote it: '${written}'`;
  if (expected === 'string' && /^(true|false)$/i.test(written))
    return `YAML reads the unquoted ${written} as a boolean; quote it: '${written}'`;
  if (expected === 'boolean' && /^['"]?(yes|no|y|n|on|off|true|false)['"]?$/i.test(written)) {
    const bare = written.replace(/['"]/g, '').toLowerCase();
    const meant = ['yes', 'y', 'on', 'true'].includes(bare) ? 'true' : 'false';
    return `YAML 1.2 reads ${written} as a string, not a boolean; write ${meant} or ${meant === 'true' ? 'false' : 'true'}, unquoted`;
  }
  return undefined;
}

function zodIssues(
  error: z.ZodError,
  file: string,
  doc: Document,
  counter: LineCounter,
  text: string,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // A misspelt key explains the "is required" of the key it meant: report it once.
  const explained = new Set<string>();
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = knownKeysAt(configSchema, issue.path);
    for (const key of issue.keys) {
      const path = [...issue.path, key];
      const meant = nearestKey(
        key,
        known.filter((k) => !issue.keys.includes(k)),
      );
      if (meant) explained.add(formatPath([...issue.path, meant]));
      issues.push({
        file,
        path: formatPath(path),
        message: meant
          ? `unknown key "${key}"; did you mean "${meant}"?`
          : `unknown key "${key}"; remove it or check its spelling${known.length ? ` (known keys: ${known.join(', ')})` : ''}`,
        ...lineOf(doc, counter, path),
      });
    }
  }
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') continue;
    const path = formatPath(issue.path);
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined/.test(message)) {
      if (explained.has(path)) continue;
      message = 'is required';
    }
    if (issue.code === 'invalid_value' && 'values' in issue && /^Invalid/.test(message))
      message = `must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    const hint = typeHint(issue, sourceText(doc, text, issue.path));
    if (hint) message = `must be a ${(issue as { expected?: string }).expected}: ${hint}`;
    issues.push({ file, path, message, ...lineOf(doc, counter, issue.path) });
  }
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/**
 * YAML syntax errors. A tab in the indentation sets off a cascade of follow-on errors on
 * every later line; the tab is the one problem, so it is reported alone, once per line.
 */
function syntaxIssues(doc: Document, counter: LineCounter, file: string): ConfigIssue[] {
  const tabs = doc.errors.filter((e) => e.code === 'TAB_AS_INDENT');
  const issues = (tabs.length ? tabs : doc.errors).map((e) => {
    const pos = counter.linePos(e.pos[0]);
    const message =
      e.code === 'TAB_AS_INDENT'
        ? 'a tab character indents this line; YAML indents with spaces only: replace the tab with spaces'
        : e.message.split('\n')[0]!;
    return { file, path: '', message, line: pos.line, column: pos.col };
  });
  const once = new Map<string, ConfigIssue>();
  for (const issue of issues)
    if (!once.has(`${issue.line}:${issue.message}`)) once.set(`${issue.line}:${issue.message}`, issue);
  return [...once.values()];
}

/** Parses and validates config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, file = 'estate.yaml'): EstateConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(file, syntaxIssues(doc, counter, file));
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new ConfigError(file, [
      { file, path: '', message: 'must be a YAML mapping starting with "version: 1"' },
    ]);
  const result = configSchema.safeParse(data);
  if (!result.success) throw new ConfigError(file, zodIssues(result.error, file, doc, counter, text));
  return result.data;
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EstateError(
      code === 'ENOENT' ? `no config at ${file}` : `cannot read ${file}: ${(error as Error).message}`,
      {
        code: 'ConfigNotFound',
        source: 'user',
        exitCode: 2,
        suggestions: [
          'run `estate init` to write one, or pass --config <file> (or ESTATE_CONFIG)',
          `the bundled example: --config ${BUNDLED_EXAMPLE}`,
        ],
      },
    );
  }
  return { file, dir: dirname(file), config: parseConfig(text, basename(file)), text };
}
