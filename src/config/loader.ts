/**
 * Reads estate.yaml and reports every problem at once as `file:line: path.to.field: message`.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { EstateError } from '../errors.js';
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

export interface LoadedConfig {
  readonly file: string;
  /** Folder relative paths in the config (code paths, policy files) resolve from. */
  readonly dir: string;
  readonly config: EstateConfig;
  readonly text: string;
}

function lineOf(
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

function zodIssues(error: z.ZodError, file: string, doc: Document, counter: LineCounter): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    // Unknown keys: one issue per key, pointing at the key itself.
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        issues.push({
          file,
          path: path.join('.'),
          message: `unknown key "${key}"; remove it or check its spelling`,
          ...lineOf(doc, counter, path),
        });
      }
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
    if (issue.code === 'invalid_value' && 'values' in issue && /^Invalid/.test(message))
      message = `must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    issues.push({ file, path: issue.path.join('.'), message, ...lineOf(doc, counter, issue.path) });
  }
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** Parses and validates config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, file = 'estate.yaml'): EstateConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = counter.linePos(e.pos[0]);
        return { file, path: '', message: e.message.split('\n')[0]!, line: pos.line, column: pos.col };
      }),
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new ConfigError(file, [
      { file, path: '', message: 'must be a YAML mapping starting with "version: 1"' },
    ]);
  const result = configSchema.safeParse(data);
  if (!result.success) throw new ConfigError(file, zodIssues(result.error, file, doc, counter));
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
          'the bundled example: --config templates/examples/recall/estate.yaml',
        ],
      },
    );
  }
  return { file, dir: dirname(file), config: parseConfig(text, basename(file)), text };
}
