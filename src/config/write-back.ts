/**
 * Onboarding and offboarding write estate.yaml back (issue 13): a developer account and its
 * first environment are added, an offboarded account is marked recycled. The file stays the
 * user's: the YAML document API (parseDocument) finds where each change goes and how the
 * neighbouring entries are written (key order, flow or block style, quoting, indentation,
 * blank lines between entries), and the change is spliced into the original text, so every
 * byte outside the changed entries (comments, blank lines, layout) stays as it was. The
 * result is checked by the real config loader before it replaces the file.
 *
 * Recycling is a tag, `estate:recycled: <date>`, plus the move of the account's `ou` to the
 * suspended OU, rather than a new account field: the org engine already writes account tags
 * to the AWS account, so the mark is visible in AWS (ListTagsForResource) where `onboard
 * --recycle` looks for accounts to hand on, the account schema stays as it is, and the `ou`
 * change keeps `estate apply` from moving the account back to the developer OU.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Scalar } from 'yaml';
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { EstateError } from '../errors.js';
import { ConfigError, formatIssue, formatPath, parseConfig } from './loader.js';
import { developerOus, RECYCLED_FROM_TAG, RECYCLED_TAG } from './onboarding.js';
import { emailFromPattern } from './rules.js';
import { loadCheckedConfig } from './load-checked.js';
import type { EstateConfig } from './schema.js';
import { ouPaths } from './schema.js';

export { RECYCLED_FROM_TAG, RECYCLED_TAG };

export interface DeveloperAccount {
  readonly name: string;
  /** Root e-mail; not written when it is what organization.emailPattern derives. */
  readonly email: string;
  readonly owner: string;
  readonly ou: string;
  /** Not written when it is the developer kind's budget (budgets.byKind.developer.monthlyUsd). */
  readonly budgetUsd?: number;
  /**
   * Who the budget alerts go to (the developer and onboarding.platformEmails); not written
   * when the developer kind's budget sends to exactly these already.
   */
  readonly alertEmails?: readonly string[];
}

export interface FirstEnvironment {
  readonly name: string;
  readonly blueprints: readonly string[];
  readonly ttl: string;
  readonly owner?: string;
}

export interface WriteBackResult {
  readonly text: string;
  /** False when the file already said all of it. */
  readonly changed: boolean;
  /** What was written, as config paths: accounts[7], environments[2], organizationalUnits[3]. */
  readonly added: readonly string[];
  /** Environments taken out (offboarding). */
  readonly removed: readonly string[];
}

/** A name in estate.yaml already stands for something else. */
export const CONFIG_CONFLICT = 'ConfigConflict';
/** The edited file would not load: nothing was written. */
export const CONFIG_WRITE_REJECTED = 'ConfigWriteRejected';

// ---------------------------------------------------------------- text surgery

interface Splice {
  readonly at: number;
  readonly end: number;
  readonly text: string;
}

function applySplices(text: string, splices: readonly Splice[]): string {
  let out = text;
  for (const s of [...splices].sort((a, b) => b.at - a.at))
    out = out.slice(0, s.at) + s.text + out.slice(s.end);
  return out;
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;

/** Just past the newline that ends the line holding `at - 1` (the end of a node's last line). */
function afterLine(text: string, at: number): number {
  if (at > 0 && text[at - 1] === '\n') return at;
  const nl = text.indexOf('\n', at);
  return nl === -1 ? text.length : nl + 1;
}

const range = (node: Node): [number, number, number] => node.range as [number, number, number];

/** How the file writes things, read from the document and its text. */
interface Style {
  /** Spaces a nested block mapping is indented by. */
  readonly indent: number;
  /** `[ a, b ]` rather than `[a, b]`. */
  readonly padding: boolean;
}

function styleOf(doc: Document, text: string): Style {
  let indent: number | undefined;
  let padding: boolean | undefined;
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      if (indent === undefined && isMap(value) && !value.flow && key?.range && value.range) {
        const step =
          value.range[0] - lineStart(text, value.range[0]) - (key.range[0] - lineStart(text, key.range[0]));
        if (step > 0) indent = step;
      }
    },
    Seq(_key, seq) {
      if (padding === undefined && seq.flow && seq.items.length && seq.range)
        padding = text[seq.range[0] + 1] === ' ';
    },
    Map(_key, map) {
      if (padding === undefined && map.flow && map.items.length && map.range)
        padding = text[map.range[0] + 1] === ' ';
    },
  });
  return { indent: indent ?? 2, padding: padding ?? false };
}

/**
 * How one entry writes itself, where it says: the indentation of its nested block mappings
 * and the padding of its flow collections (the file's style otherwise).
 */
function styleOfEntry(text: string, entry: YAMLMap | undefined, file: Style): Style {
  if (!entry) return file;
  const column = (at: number) => at - lineStart(text, at);
  let indent: number | undefined;
  let padding = entry.flow && entry.range ? text[entry.range[0] + 1] === ' ' : undefined;
  for (const pair of entry.items) {
    const key = pair.key as Node | null;
    const value = pair.value as Node | null;
    if (indent === undefined && isMap(value) && !value.flow && value.range && key?.range)
      indent = column(value.range[0]) - column(key.range[0]) || undefined;
    if (
      padding === undefined &&
      (isMap(value) || isSeq(value)) &&
      value.flow &&
      value.items.length &&
      value.range
    )
      padding = text[value.range[0] + 1] === ' ';
  }
  return { indent: indent ?? file.indent, padding: padding ?? file.padding };
}

/** The value of `key` in a YAML map node, as a node. */
function valueNode(map: YAMLMap, key: string): Node | undefined {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.value ?? undefined) as Node | undefined;
}

/**
 * A new entry as a YAML node written like `template` (a sibling): its key order for the keys
 * it has (the rest in `canonical` order), its flow or block style, and its quoting.
 */
function entryNode(
  doc: Document,
  value: Record<string, unknown>,
  template: YAMLMap | undefined,
  canonical: readonly string[],
): YAMLMap {
  const templateKeys = template ? template.items.map((p) => String((p.key as Scalar).value)) : [];
  const rank = (key: string) => {
    const at = templateKeys.indexOf(key);
    if (at !== -1) return at;
    // A key the sibling lacks goes after the closest canonical predecessor it has.
    const c = canonical.indexOf(key);
    for (let i = c - 1; i >= 0; i--) {
      const before = templateKeys.indexOf(canonical[i]!);
      if (before !== -1) return before + 0.5 + c / 1000;
    }
    return -1 + c / 1000;
  };
  const ordered = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort((a, b) => rank(a) - rank(b));
  const node = doc.createNode(Object.fromEntries(ordered.map((k) => [k, value[k]]))) as YAMLMap;
  if (template?.flow) node.flow = true;
  for (const pair of node.items as Pair<Scalar, Node>[]) {
    const like = template ? valueNode(template, String(pair.key.value)) : undefined;
    if (isScalar(pair.value) && isScalar(like) && typeof pair.value.value === 'string')
      pair.value.type = like.type;
    if ((isSeq(pair.value) || isMap(pair.value)) && (isSeq(like) || isMap(like)))
      pair.value.flow = Boolean(like.flow);
  }
  // Short lists of scalars the sibling does not show are written on one line, like blueprints.
  visit(node, {
    Seq(_key, seq) {
      if (seq.flow === undefined && seq.items.every((i) => isScalar(i))) seq.flow = true;
    },
  });
  return node;
}

/** A flow collection written again whole, padded as the original was. */
function renderFlow(
  text: string,
  node: YAMLMap | YAMLSeq,
  style: Style,
  original: YAMLMap | YAMLSeq = node,
): string {
  const at = original.range?.[0];
  const padding = at !== undefined && original.items.length > 0 ? text[at + 1] === ' ' : style.padding;
  // Comments around the collection stay in the text; only the collection is written again.
  const bare = Object.assign(node.clone(), {
    commentBefore: undefined,
    comment: undefined,
    spaceBefore: false,
  });
  return new Document(bare)
    .toString({ indent: style.indent, lineWidth: 0, flowCollectionPadding: padding })
    .trimEnd();
}

function render(node: Node, style: Style): string {
  const fragment = new Document(node);
  return fragment.toString({ indent: style.indent, lineWidth: 0, flowCollectionPadding: style.padding });
}

/** The splice that adds `node` as the last item of a sequence written like its items. */
function appendToSeq(text: string, seq: YAMLSeq, node: Node, style: Style): Splice {
  const [start, valueEnd] = range(seq);
  if (seq.flow) {
    // A flow sequence is one construct: write it again with the new item.
    const copy = seq.clone() as YAMLSeq;
    copy.items.push(node);
    return { at: start, end: valueEnd, text: renderFlow(text, copy, style, seq) };
  }
  const last = seq.items[seq.items.length - 1] as Node;
  const [itemStart, itemEnd] = range(last);
  const ls = lineStart(text, itemStart);
  const dash = text.slice(ls, itemStart);
  const contentColumn = itemStart - ls;
  const lines = render(node, style).trimEnd().split('\n');
  const body = lines
    .map((line, i) =>
      i === 0
        ? `${/^\s*-\s+$/.test(dash) ? dash : `${' '.repeat(dash.indexOf('-'))}- `}${line}`
        : `${' '.repeat(contentColumn)}${line}`,
    )
    .join('\n');
  const at = afterLine(text, itemEnd);
  const lead = at === text.length && !text.endsWith('\n') ? '\n' : '';
  const gap = (last as { spaceBefore?: boolean }).spaceBefore ? '\n' : '';
  return { at, end: at, text: `${lead}${gap}${body}\n` };
}

/**
 * A new top-level key holding a block sequence of `node`, written like `like` (another
 * top-level sequence) and appended to the document; or, for `key: []`, in place of `[]`.
 */
function newTopLevelSeq(
  doc: Document,
  text: string,
  key: string,
  node: Node,
  like: YAMLSeq,
  style: Style,
): Splice {
  const first = like.items[0] as Node;
  const ls = lineStart(text, range(first)[0]);
  const dashColumn = text.slice(ls, range(first)[0]).indexOf('-');
  const contentColumn = range(first)[0] - ls;
  const lines = render(node, style).trimEnd().split('\n');
  const body = lines
    .map((line, i) =>
      i === 0
        ? `${' '.repeat(dashColumn)}- ${' '.repeat(Math.max(0, contentColumn - dashColumn - 2))}${line}`
        : `${' '.repeat(contentColumn)}${line}`,
    )
    .join('\n');
  const root = doc.contents as YAMLMap;
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair) {
    // key: [] (or key: with nothing): the items start on the next line.
    const keyEnd = range(pair.key as Node)[1];
    const colon = text.indexOf(':', keyEnd);
    const value = pair.value as Node | null;
    const end = value?.range ? value.range[1] : colon + 1;
    return { at: colon + 1, end, text: `\n${body}` };
  }
  const lead = text.endsWith('\n') ? '' : '\n';
  const spaced = root.items.slice(1).some((p) => (p.key as { spaceBefore?: boolean }).spaceBefore);
  const blank = spaced && !`${text}${lead}`.endsWith('\n\n') ? '\n' : '';
  return { at: text.length, end: text.length, text: `${lead}${blank}${key}:\n${body}\n` };
}

/** The splices that add `pairs` at the end of a mapping, written like its pairs. */
function appendToMap(
  doc: Document,
  text: string,
  map: YAMLMap,
  pairs: Record<string, unknown>,
  style: Style,
): Splice {
  const [start, valueEnd] = range(map);
  if (map.flow) {
    const copy = map.clone() as YAMLMap;
    for (const [k, v] of Object.entries(pairs)) copy.set(doc.createNode(k), doc.createNode(v));
    return { at: start, end: valueEnd, text: renderFlow(text, copy, style, map) };
  }
  const firstKey = map.items[0]!.key as Node;
  const column = range(firstKey)[0] - lineStart(text, range(firstKey)[0]);
  const node = doc.createNode(pairs) as YAMLMap;
  const lines = render(node, style).trimEnd().split('\n');
  const lastPair = map.items[map.items.length - 1]!;
  const end = range((lastPair.value ?? lastPair.key) as Node)[1];
  const at = afterLine(text, end);
  const lead = at === text.length && !text.endsWith('\n') ? '\n' : '';
  return { at, end: at, text: `${lead}${lines.map((l) => `${' '.repeat(column)}${l}`).join('\n')}\n` };
}

/** A scalar's text replaced by `value`, quoted as it was. */
function replaceScalar(doc: Document, scalar: Scalar, value: string, style: Style): Splice {
  const node = doc.createNode(value) as Scalar;
  node.type = scalar.type;
  const [at, end] = range(scalar);
  return { at, end, text: render(node, style).trimEnd() };
}

/** The text of a block sequence item: from its dash line (and the comments just above it) to its last line. */
function itemSpan(text: string, seq: YAMLSeq, index: number): [number, number] {
  const item = seq.items[index] as Node;
  const [itemStart, itemEnd] = range(item);
  let at = lineStart(text, itemStart);
  const dashColumn = text.slice(at, itemStart).indexOf('-');
  // Comment lines right above, at the item's indentation, describe it.
  for (;;) {
    if (at === 0) break;
    const prev = lineStart(text, at - 1);
    const line = text.slice(prev, at - 1);
    if (!new RegExp(`^ {${Math.max(0, dashColumn)}}#`).test(line)) break;
    at = prev;
  }
  // One blank line before it goes with it, unless it is the first item.
  if (index > 0 && at > 1 && text[at - 1] === '\n' && text[at - 2] === '\n') at -= 1;
  return [at, afterLine(text, itemEnd)];
}

// ---------------------------------------------------------------- documents

function parse(text: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length)
    throw new ConfigError(
      'estate.yaml',
      doc.errors.map((e) => ({ file: 'estate.yaml', path: '', message: e.message })),
    );
  if (!isMap(doc.contents))
    throw new EstateError('estate.yaml is not a YAML mapping', {
      code: CONFIG_WRITE_REJECTED,
      source: 'user',
    });
  return doc;
}

function seqAt(doc: Document, key: string): YAMLSeq | undefined {
  const node = doc.get(key, true);
  return isSeq(node) ? node : undefined;
}

function conflict(path: (string | number)[], has: unknown, wants: unknown, fix: string): EstateError {
  const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
  return new EstateError(
    `estate.yaml: ${formatPath(path)} is ${show(has)}, but onboarding would write ${show(wants)}`,
    { code: CONFIG_CONFLICT, source: 'user', details: { path: formatPath(path) }, suggestions: [fix] },
  );
}

const ACCOUNT_KEYS = ['name', 'kind', 'ou', 'email', 'id', 'owner', 'tags', 'budget'] as const;
const ENVIRONMENT_KEYS = [
  'name',
  'account',
  'region',
  'blueprints',
  'size',
  'owner',
  'ttl',
  'expires',
  'schedule',
  'executor',
  'protected',
  'budgetUsd',
  'settings',
  'tags',
] as const;

/** The sibling new entries are written like: the last one matching, else the last one. */
function templateOf(seq: YAMLSeq | undefined, matches: (item: YAMLMap) => boolean): YAMLMap | undefined {
  const maps = (seq?.items ?? []).filter((i): i is YAMLMap => isMap(i));
  return maps.filter(matches).at(-1) ?? maps.at(-1);
}

const scalarOf = (map: YAMLMap, key: string): unknown => {
  const v = valueNode(map, key);
  return isScalar(v) ? v.value : undefined;
};

// ---------------------------------------------------------------- onboarding

/** An account's budget override, when it has anything to say. */
function budgetEntry(monthlyUsd: number | undefined, emails: string[] | undefined) {
  if (monthlyUsd === undefined && emails === undefined) return undefined;
  return { ...(monthlyUsd !== undefined ? { monthlyUsd } : {}), ...(emails ? { emails } : {}) };
}

/**
 * estate.yaml text with the developer account and its first environment added (pure). A name
 * already declared the same way is left alone; declared differently, it is refused, naming
 * the field.
 */
export function addDeveloperText(
  text: string,
  config: EstateConfig,
  account: DeveloperAccount,
  environment?: FirstEnvironment,
): WriteBackResult {
  const doc = parse(text);
  const style = styleOf(doc, text);
  const splices: Splice[] = [];
  const added: string[] = [];
  const kindBudget = config.budgets?.byKind.developer?.monthlyUsd;
  const kindEmails = config.budgets?.byKind.developer?.emails ?? config.budgets?.alertEmails ?? [];
  const sameEmails = (a: readonly string[], b: readonly string[]) =>
    [...new Set(a.map((e) => e.toLowerCase()))].sort().join() ===
    [...new Set(b.map((e) => e.toLowerCase()))].sort().join();
  const derived = config.organization.emailPattern.replaceAll('{account}', account.name);

  const index = config.accounts.findIndex((a) => a.name === account.name);
  if (index !== -1) {
    const existing = config.accounts[index]!;
    const fix = `choose another account name than ${account.name}, or change accounts[${index}] by hand`;
    const email = existing.email ?? derived;
    if (existing.kind !== 'developer')
      throw conflict(['accounts', index, 'kind'], existing.kind, 'developer', fix);
    if (existing.ou !== account.ou) throw conflict(['accounts', index, 'ou'], existing.ou, account.ou, fix);
    if (email.toLowerCase() !== account.email.toLowerCase())
      throw conflict(['accounts', index, 'email'], email, account.email, fix);
    if (existing.owner !== account.owner)
      throw conflict(['accounts', index, 'owner'], existing.owner, account.owner, fix);
    const budget = existing.budget?.monthlyUsd ?? kindBudget;
    if (account.budgetUsd !== undefined && budget !== account.budgetUsd)
      throw conflict(['accounts', index, 'budget', 'monthlyUsd'], budget, account.budgetUsd, fix);
    const emails = existing.budget?.emails ?? kindEmails;
    if (account.alertEmails !== undefined && !sameEmails(emails, account.alertEmails))
      throw conflict(['accounts', index, 'budget', 'emails'], emails, account.alertEmails, fix);
  } else {
    const seq = seqAt(doc, 'accounts');
    if (!seq)
      throw new EstateError('estate.yaml has no accounts list to add to', {
        code: CONFIG_WRITE_REJECTED,
        source: 'user',
      });
    const template = templateOf(seq, (m) => scalarOf(m, 'kind') === 'developer');
    const entry = entryNode(
      doc,
      {
        name: account.name,
        kind: 'developer',
        ou: account.ou,
        email: account.email.toLowerCase() === derived.toLowerCase() ? undefined : account.email,
        owner: account.owner,
        budget: budgetEntry(
          account.budgetUsd === undefined || account.budgetUsd === kindBudget ? undefined : account.budgetUsd,
          account.alertEmails === undefined || sameEmails(account.alertEmails, kindEmails)
            ? undefined
            : [...account.alertEmails],
        ),
      },
      template,
      ACCOUNT_KEYS,
    );
    splices.push(appendToSeq(text, seq, entry, styleOfEntry(text, template, style)));
    added.push(`accounts[${config.accounts.length}]`);
  }

  if (environment) addEnvironment(doc, text, config, account.name, environment, style, splices, added);
  return { text: applySplices(text, splices), changed: splices.length > 0, added, removed: [] };
}

/** The splice that adds the first environment (checked against one already declared). */
function addEnvironment(
  doc: Document,
  text: string,
  config: EstateConfig,
  accountName: string,
  environment: FirstEnvironment,
  style: Style,
  splices: Splice[],
  added: string[],
): void {
  const at = config.environments.findIndex((e) => e.name === environment.name);
  if (at !== -1) {
    const existing = config.environments[at]!;
    const fix = `pass another environment name (--env), or change environments[${at}] by hand`;
    if (existing.account !== accountName)
      throw conflict(['environments', at, 'account'], existing.account, accountName, fix);
    if (existing.blueprints.join(',') !== environment.blueprints.join(','))
      throw conflict(['environments', at, 'blueprints'], existing.blueprints, environment.blueprints, fix);
    if (existing.ttl !== environment.ttl)
      throw conflict(['environments', at, 'ttl'], existing.ttl, environment.ttl, fix);
    if (environment.owner !== undefined && existing.owner !== environment.owner)
      throw conflict(['environments', at, 'owner'], existing.owner, environment.owner, fix);
  } else {
    const seq = seqAt(doc, 'environments');
    const template = templateOf(seq, (m) => {
      const name = scalarOf(m, 'account');
      return config.accounts.some((a) => a.name === name && a.kind === 'developer');
    });
    const entry = entryNode(
      doc,
      {
        name: environment.name,
        account: accountName,
        blueprints: [...environment.blueprints],
        // dev is the default: written only where the siblings write it.
        size: template && valueNode(template, 'size') !== undefined ? 'dev' : undefined,
        owner: environment.owner,
        ttl: environment.ttl,
      },
      template,
      ENVIRONMENT_KEYS,
    );
    splices.push(
      seq && seq.items.length
        ? appendToSeq(text, seq, entry, styleOfEntry(text, template, style))
        : newTopLevelSeq(doc, text, 'environments', entry, seqAt(doc, 'accounts')!, style),
    );
    added.push(`environments[${config.environments.length}]`);
  }
}

// ---------------------------------------------------------------- offboarding

export interface RecycleInput {
  readonly name: string;
  readonly suspendedOu: string;
  /** The tag's value, YYYY-MM-DD. @default today (UTC) */
  readonly date?: string;
}

/**
 * estate.yaml text with the account marked recycled (pure): its `ou` is the suspended OU
 * (declared under organizationalUnits when it is not), it carries the `estate:recycled` tag,
 * and the environments deployed into it are taken out (offboarding reaps them). An account
 * already marked is left alone.
 */
export function recycleAccountText(text: string, config: EstateConfig, input: RecycleInput): WriteBackResult {
  const index = config.accounts.findIndex((a) => a.name === input.name);
  if (index === -1)
    throw new EstateError(`estate.yaml declares no account "${input.name}"`, {
      code: CONFIG_CONFLICT,
      source: 'user',
      suggestions: [`known accounts: ${config.accounts.map((a) => a.name).join(', ')}`],
    });
  const doc = parse(text);
  const style = styleOf(doc, text);
  const splices: Splice[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  const existing = config.accounts[index]!;
  const item = seqAt(doc, 'accounts')!.items[index] as YAMLMap;
  const local = styleOfEntry(text, item, style);
  const date = input.date ?? new Date().toISOString().slice(0, 10);

  if (item.flow) {
    // A flow mapping is one construct: write it again with the new OU and tag.
    if (existing.ou !== input.suspendedOu || existing.tags?.[RECYCLED_TAG] === undefined) {
      const copy = item.clone() as YAMLMap;
      copy.set('ou', input.suspendedOu);
      const tags = valueNode(copy, 'tags');
      if (isMap(tags)) tags.set(RECYCLED_TAG, date);
      else copy.set('tags', doc.createNode({ [RECYCLED_TAG]: date }));
      splices.push({ at: range(item)[0], end: range(item)[1], text: renderFlow(text, copy, local) });
    }
  } else {
    if (existing.ou !== input.suspendedOu) {
      const ou = valueNode(item, 'ou');
      if (!isScalar(ou))
        throw conflict(['accounts', index, 'ou'], existing.ou, input.suspendedOu, 'write the ou by hand');
      splices.push(replaceScalar(doc, ou, input.suspendedOu, local));
    }
    if (existing.tags?.[RECYCLED_TAG] === undefined) {
      const tags = valueNode(item, 'tags');
      splices.push(
        isMap(tags) && tags.items.length
          ? appendToMap(doc, text, tags, { [RECYCLED_TAG]: date }, local)
          : appendToMap(doc, text, item, { tags: { [RECYCLED_TAG]: date } }, local),
      );
    }
  }
  // Before the onboarding splice: both may append at the end of the file, and of splices at
  // the same place the later one lands first in the text (onboarding's key stays in its block).
  splices.push(...declareDenyAll(doc, text, config, input.suspendedOu, style, added));
  // The last developer account in use showed where new ones go: say it in the config.
  const onboarding = valueNode(doc.contents as YAMLMap, 'onboarding');
  if (config.onboarding && config.onboarding.developerOu === undefined && isMap(onboarding)) {
    const before = developerOus(config.accounts, input.suspendedOu);
    const after = developerOus(
      config.accounts.filter((_, i) => i !== index),
      input.suspendedOu,
    );
    if (before.length === 1 && after.length === 0) {
      splices.push(appendToMap(doc, text, onboarding, { developerOu: before[0] }, style));
      added.push('onboarding.developerOu');
    }
  }
  if (!ouPaths(config.organizationalUnits).has(input.suspendedOu))
    splices.push(...declareOu(doc, text, config, input.suspendedOu, style, added));

  const envs = seqAt(doc, 'environments');
  const gone = config.environments.map((e, i) => [e, i] as const).filter(([e]) => e.account === input.name);
  if (envs && gone.length) {
    removed.push(...gone.map(([e]) => e.name));
    if (gone.length === config.environments.length) {
      const pair = (doc.contents as YAMLMap).items.find(
        (p) => isScalar(p.key) && p.key.value === 'environments',
      )!;
      const colon = text.indexOf(':', range(pair.key as Node)[1]);
      const last = envs.items[envs.items.length - 1] as Node;
      const end = envs.flow ? range(envs)[1] : afterLine(text, range(last)[1]) - 1;
      splices.push({ at: colon + 1, end, text: ' []' });
      // The blank line or comment after the last item stays where it was.
    } else if (envs.flow) {
      const copy = envs.clone() as YAMLSeq;
      copy.items = copy.items.filter((_, i) => !gone.some(([, g]) => g === i));
      splices.push({
        at: range(envs)[0],
        end: range(envs)[1],
        text: renderFlow(text, copy, style, envs),
      });
    } else {
      for (const [, i] of gone) {
        const [at, end] = itemSpan(text, envs, i);
        splices.push({ at, end, text: '' });
      }
    }
  }
  return { text: applySplices(text, splices), changed: splices.length > 0, added, removed };
}

/** Declares an OU path under organizationalUnits: a top-level entry, or a child of its declared parent. */
/**
 * The suspended OU carries a deny-all SCP, declared in estate.yaml's `policies` like any other
 * (so `estate plan` shows it and a reader of the file sees why the OU is locked), unless a
 * deny-all policy already targets it.
 */
function declareDenyAll(
  doc: Document,
  text: string,
  config: EstateConfig,
  ou: string,
  style: Style,
  added: string[],
): Splice[] {
  if (config.policies.some((p) => p.builtin === 'deny-all' && p.targets.includes(ou))) return [];
  const names = new Set(config.policies.map((p) => p.name));
  const name = ['deny-all', 'deny-all-suspended', `deny-all-${ou.replaceAll('/', '-')}`].find(
    (n) => !names.has(n),
  )!;
  const entry = { name, type: 'scp', builtin: 'deny-all', targets: [ou] };
  const policies = seqAt(doc, 'policies');
  added.push(`policies[${config.policies.length}]`);
  if (policies)
    return [
      appendToSeq(
        text,
        policies,
        entryNode(
          doc,
          entry,
          templateOf(policies, () => true),
          POLICY_KEYS,
        ),
        style,
      ),
    ];
  return [appendToMap(doc, text, doc.contents as YAMLMap, { policies: [entry] }, style)];
}

const POLICY_KEYS = ['name', 'type', 'builtin', 'file', 'description', 'targets'] as const;

function declareOu(
  doc: Document,
  text: string,
  config: EstateConfig,
  path: string,
  style: Style,
  added: string[],
): Splice[] {
  const parts = path.split('/');
  const name = parts.pop()!;
  const roots = seqAt(doc, 'organizationalUnits')!;
  if (parts.length === 0) {
    added.push(`organizationalUnits[${config.organizationalUnits.length}]`);
    return [
      appendToSeq(
        text,
        roots,
        entryNode(
          doc,
          { name },
          templateOf(roots, () => true),
          ['name'],
        ),
        style,
      ),
    ];
  }
  const at = ouPaths(config.organizationalUnits).get(parts.join('/'));
  if (!at)
    throw new EstateError(`cannot declare the OU ${path}: its parent ${parts.join('/')} is not declared`, {
      code: CONFIG_CONFLICT,
      source: 'user',
    });
  const parent = doc.getIn(at.slice(), true) as YAMLMap;
  const children = valueNode(parent, 'children');
  added.push(`${formatPath(at)}.children`);
  if (isSeq(children) && children.items.length)
    return [
      appendToSeq(
        text,
        children,
        entryNode(
          doc,
          { name },
          templateOf(children, () => true),
          ['name'],
        ),
        style,
      ),
    ];
  return [appendToMap(doc, text, parent, { children: [{ name }] }, style)];
}

// ---------------------------------------------------------------- recycling (onboard --recycle)

export interface HandOverInput {
  /** The offboarded account, as estate.yaml names it now (`--recycle <old>`). */
  readonly from: string;
  readonly suspendedOu: string;
  /** The account's id in the organisation (written as accounts[].id). */
  readonly accountId: string;
  /** The new developer; `email` is not used: the account keeps its root e-mail. */
  readonly account: Omit<DeveloperAccount, 'email'>;
  readonly environment?: FirstEnvironment;
}

const handOverError = (message: string, suggestions: string[], path?: (string | number)[]) =>
  new EstateError(message, {
    code: CONFIG_CONFLICT,
    source: 'user',
    suggestions,
    ...(path ? { details: { path: formatPath(path) } } : {}),
  });

/**
 * The splice that writes `node` in place of a sequence's item `index`, where it was (its
 * comments above stay; the old entry's own lines go).
 */
function replaceInSeq(text: string, seq: YAMLSeq, index: number, node: Node, style: Style): Splice {
  if (seq.flow) {
    const copy = seq.clone() as YAMLSeq;
    copy.items[index] = node;
    return { at: range(seq)[0], end: range(seq)[1], text: renderFlow(text, copy, style, seq) };
  }
  const item = seq.items[index] as Node;
  const [itemStart, itemEnd] = range(item);
  const ls = lineStart(text, itemStart);
  const dash = text.slice(ls, itemStart);
  const contentColumn = itemStart - ls;
  const lines = render(node, style).trimEnd().split('\n');
  const body = lines
    .map((line, i) => (i === 0 ? `${dash}${line}` : `${' '.repeat(contentColumn)}${line}`))
    .join('\n');
  const end = afterLine(text, itemEnd);
  return { at: ls, end, text: `${body}${end === text.length && !text.endsWith('\n') ? '' : '\n'}` };
}

/**
 * estate.yaml text with an offboarded account handed to a new developer (pure). AWS
 * Organizations cannot rename an account or change its root e-mail, so the account stays
 * what it is in AWS and its estate.yaml entry changes hands, in place: the new name, owner,
 * developer OU and budget; `id` the account's id and `email` its root e-mail (when the
 * pattern would derive another), so the organisation engine matches the entry to this
 * account (by id) and never creates one; the estate:recycled tag gone and
 * estate:recycled-from naming the old entry; then the first environment as onboarding adds it.
 *
 * The old entry must be recycled (the suspended OU, the estate:recycled tag, no environments)
 * and the new name free. A hand-over already written (the new entry tagged recycled-from the
 * old name, the old name gone) is left alone, so a re-run only adds what is missing.
 */
export function handOverText(text: string, config: EstateConfig, input: HandOverInput): WriteBackResult {
  const { from, account } = input;
  const fromIndex = config.accounts.findIndex((a) => a.name === from);
  const toIndex = config.accounts.findIndex((a) => a.name === account.name);
  const derived = (name: string) => emailFromPattern(config.organization.emailPattern, name);
  if (fromIndex === -1) {
    const handed = toIndex === -1 ? undefined : config.accounts[toIndex]!;
    if (handed?.tags?.[RECYCLED_FROM_TAG] === from) {
      // Handed over by an earlier run: the rest is onboarding's (the same checks, the environment).
      const email = handed.email ?? derived(handed.name);
      return addDeveloperText(text, config, { ...account, email }, input.environment);
    }
    const parked = config.accounts.filter((a) => a.tags?.[RECYCLED_TAG] !== undefined).map((a) => a.name);
    throw handOverError(`--recycle ${from}: estate.yaml declares no account "${from}"`, [
      parked.length
        ? `accounts offboarded and free to hand on: ${parked.join(', ')}`
        : 'no account is offboarded yet: offboard one first (estate account offboard <name>), or onboard without --recycle to create a new account',
    ]);
  }
  if (toIndex !== -1)
    throw handOverError(
      `--recycle ${from}: estate.yaml already declares an account "${account.name}" (accounts[${toIndex}])`,
      [`choose another name for the new developer than ${account.name}`],
      ['accounts', toIndex, 'name'],
    );
  const old = config.accounts[fromIndex]!;
  const offboardFirst = `offboard it first: estate account offboard ${from}`;
  const problems = [
    ...(old.kind === 'developer' ? [] : [`it is of kind ${old.kind}, not developer`]),
    ...(old.ou === input.suspendedOu
      ? []
      : [`its ou is ${old.ou}, not the suspended OU ${input.suspendedOu}`]),
    ...(old.tags?.[RECYCLED_TAG] !== undefined ? [] : [`it has no ${RECYCLED_TAG} tag`]),
    ...config.environments.filter((e) => e.account === from).map((e) => `environment ${e.name} is in it`),
  ];
  if (problems.length)
    throw handOverError(
      `--recycle ${from}: estate.yaml does not mark accounts[${fromIndex}] (${from}) offboarded: ${problems.join('; ')}`,
      [offboardFirst, 'or onboard without --recycle to create a new account'],
      ['accounts', fromIndex],
    );
  const targeting = config.policies.findIndex((p) => p.targets.includes(from));
  if (targeting !== -1)
    throw handOverError(
      `--recycle ${from}: policies[${targeting}] (${config.policies[targeting]!.name}) targets the account by its old name`,
      [`change the target to ${account.name} or remove it, then run the same command again`],
      ['policies', targeting, 'targets'],
    );
  if (old.id !== undefined && old.id !== input.accountId)
    throw handOverError(
      `--recycle ${from}: accounts[${fromIndex}].id is ${old.id}, but the organisation's account for ${from} is ${input.accountId}`,
      ['correct accounts[].id in estate.yaml'],
      ['accounts', fromIndex, 'id'],
    );

  const doc = parse(text);
  const style = styleOf(doc, text);
  const seq = seqAt(doc, 'accounts')!;
  const item = seq.items[fromIndex] as YAMLMap;
  const kindBudget = config.budgets?.byKind.developer?.monthlyUsd;
  const kindEmails = config.budgets?.byKind.developer?.emails ?? config.budgets?.alertEmails ?? [];
  const sameEmails = (a: readonly string[], b: readonly string[]) =>
    [...new Set(a.map((e) => e.toLowerCase()))].sort().join() ===
    [...new Set(b.map((e) => e.toLowerCase()))].sort().join();
  const email = old.email ?? derived(from);
  const { [RECYCLED_TAG]: _recycled, ...kept } = old.tags ?? {};
  const entry = entryNode(
    doc,
    {
      name: account.name,
      kind: 'developer',
      ou: account.ou,
      email: email.toLowerCase() === derived(account.name).toLowerCase() ? undefined : email,
      id: input.accountId,
      owner: account.owner,
      tags: { ...kept, [RECYCLED_FROM_TAG]: from },
      budget: budgetEntry(
        account.budgetUsd === undefined || account.budgetUsd === kindBudget ? undefined : account.budgetUsd,
        account.alertEmails === undefined || sameEmails(account.alertEmails, kindEmails)
          ? undefined
          : [...account.alertEmails],
      ),
    },
    item,
    ACCOUNT_KEYS,
  );
  const splices = [replaceInSeq(text, seq, fromIndex, entry, styleOfEntry(text, item, style))];
  const added = [`accounts[${fromIndex}]`];
  if (input.environment)
    addEnvironment(doc, text, config, account.name, input.environment, style, splices, added);
  return { text: applySplices(text, splices), changed: true, added, removed: [] };
}

// ---------------------------------------------------------------- files

/**
 * Checks the new text with the real loader (estate.yaml's schema, cross-checks and the
 * blueprint folder checks, as `estate config validate` does) in a file beside the original,
 * then renames it over the original: the file is never left half written or invalid.
 */
async function replaceChecked(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomUUID().slice(0, 8)}.tmp`);
  await writeFile(temp, text, 'utf8');
  try {
    await loadCheckedConfig(temp);
  } catch (error) {
    await rm(temp, { force: true });
    if (!(error instanceof ConfigError)) throw error;
    const issues = error.issues.map((i) => formatIssue({ ...i, file: basename(file) }));
    throw new EstateError(
      `the edited ${basename(file)} would not load, so it was not written: ${issues.join('; ')}`,
      {
        code: CONFIG_WRITE_REJECTED,
        source: 'user',
        cause: error,
        details: { issues },
        suggestions: ['fix the fields named, or pass --no-config-write and edit estate.yaml by hand'],
      },
    );
  }
  await rename(temp, file);
}

async function edit(
  path: string,
  change: (text: string, config: EstateConfig) => WriteBackResult,
): Promise<WriteBackResult> {
  const file = resolve(path);
  const text = await readFile(file, 'utf8');
  const result = change(text, parseConfig(text, basename(file)));
  if (result.changed) await replaceChecked(file, result.text);
  return result;
}

/** Adds the developer account and its first environment to the estate.yaml at `path`. */
export function addDeveloper(
  path: string,
  account: DeveloperAccount,
  environment?: FirstEnvironment,
): Promise<WriteBackResult> {
  return edit(path, (text, config) => addDeveloperText(text, config, account, environment));
}

/** Hands the offboarded account to a new developer in the estate.yaml at `path` (onboard --recycle). */
export function handOver(path: string, input: HandOverInput): Promise<WriteBackResult> {
  return edit(path, (text, config) => handOverText(text, config, input));
}

/** Marks the account recycled in the estate.yaml at `path` (offboarding). */
export function recycleAccount(path: string, input: RecycleInput): Promise<WriteBackResult> {
  return edit(path, (text, config) => recycleAccountText(text, config, input));
}
