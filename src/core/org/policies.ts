/**
 * Policy documents: the builtins in templates/policies/*.json and the config's own files,
 * rendered with config values and checked against the AWS size limits at plan time.
 *
 * Placeholders are JSON strings, so every template stays valid JSON:
 * - `"{{governedRegions}}"` as an array element is replaced by the governed regions;
 * - `"{{mandatoryTags}}"` as a value becomes the tag-policy map of the mandatory tags;
 * - `{{homeRegion}}`, `{{accessRoleName}}`, `{{organizationName}}` are replaced inside strings.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { BUILTIN_POLICIES } from '../../config/schema.js';
import { type EstateConfig } from '../../config/schema.js';
import { EstateError } from '../../errors.js';
import { templatePath } from '../../package.js';
import { canonicalJson } from '../plan/canonical.js';
import type { PolicyType } from './ports.js';

export type BuiltinPolicy = (typeof BUILTIN_POLICIES)[number];

/** estate only updates, detaches and deletes policies whose AWS name starts with this. */
export const POLICY_PREFIX = 'estate-';

/**
 * estate- policies other sections own (the budgets section's deny-new-resources SCP): the
 * policies planner never updates, detaches or deletes them, and config policies may not
 * take these names.
 */
export const FOREIGN_POLICY_PREFIXES: readonly string[] = ['estate-budget-'];

export function isForeignPolicy(awsName: string): boolean {
  return FOREIGN_POLICY_PREFIXES.some((prefix) => awsName.startsWith(prefix));
}

/** Characters per document (AWS Organizations quotas, "Maximum size of a policy document"). */
export const POLICY_SIZE_LIMITS: Readonly<Record<PolicyType, number>> = {
  SERVICE_CONTROL_POLICY: 5_120,
  TAG_POLICY: 10_000,
};

export const BUILTIN_DESCRIPTIONS: Readonly<Record<BuiltinPolicy, string>> = {
  'deny-leave-organization': 'estate: member accounts cannot leave the organisation',
  'deny-disable-audit': 'estate: CloudTrail and AWS Config cannot be stopped or deleted',
  'deny-outside-governed-regions': 'estate: regional services only in the governed regions',
  'deny-root-user': 'estate: the root user of member accounts cannot act',
  'deny-all':
    "estate: nothing but estate's access role can act in the accounts below (offboarded accounts awaiting recycling)",
  'require-mandatory-tags':
    'estate: the mandatory tag keys are required (reported where missing) and their case and allowed values enforced',
};

/** Raw policy texts: builtins by name and the config's files by their `file` value. */
export interface PolicySources {
  readonly builtins: Readonly<Partial<Record<BuiltinPolicy, string>>>;
  readonly files: Readonly<Record<string, string>>;
}

export interface PolicyVars {
  readonly governedRegions: readonly string[];
  readonly homeRegion: string;
  readonly accessRoleName: string;
  readonly organizationName: string;
  readonly mandatoryTags: readonly { readonly key: string; readonly allowed?: readonly string[] }[];
}

/** templates/policies of the installed package. */
export function defaultTemplatesDir(): string {
  const dir = templatePath('policies');
  if (existsSync(dir)) return dir;
  throw new EstateError('cannot find templates/policies next to the estate package', {
    code: 'TemplatesMissing',
    source: 'internal',
  });
}

/** Reads the builtin templates and policy files the config names. */
export async function loadPolicySources(
  config: Pick<EstateConfig, 'policies'>,
  options: { configDir: string; templatesDir?: string },
): Promise<PolicySources> {
  const builtins: Partial<Record<BuiltinPolicy, string>> = {};
  const files: Record<string, string> = {};
  const templates = options.templatesDir ?? defaultTemplatesDir();
  await Promise.all(
    config.policies.map(async (p, i) => {
      if (p.builtin) {
        builtins[p.builtin] = await readFile(join(templates, `${p.builtin}.json`), 'utf8');
      } else if (p.file) {
        const path = isAbsolute(p.file) ? p.file : resolve(options.configDir, p.file);
        try {
          files[p.file] = await readFile(path, 'utf8');
        } catch (error) {
          throw new EstateError(`policies.${i}.file: cannot read ${path} (${(error as Error).message})`, {
            code: 'PolicyFileUnreadable',
            source: 'user',
            cause: error,
            suggestions: ['paths in policies[].file are relative to estate.yaml'],
          });
        }
      }
    }),
  );
  return { builtins, files };
}

export function policyTypeOf(type: 'scp' | 'tag'): PolicyType {
  return type === 'scp' ? 'SERVICE_CONTROL_POLICY' : 'TAG_POLICY';
}

/**
 * Resource types of what estate's blueprints create (tables, functions, buckets, EKS
 * clusters and their instances and NAT gateways): a tag policy marks the mandatory keys
 * `report_required_tag_for` them, so a resource of these types without the key is reported
 * non-compliant (ListRequiredTags, the compliance report) and IaC tools that read required
 * tags refuse to deploy it. AWS tag policies cannot stop an API call that creates an
 * untagged resource; estate's own `tags audit --strict` and the blueprints' tags cover that.
 */
export const TAG_POLICY_REQUIRED_FOR: readonly string[] = [
  'dynamodb:table',
  'ec2:instance',
  'ec2:natgateway',
  'eks:cluster',
  'lambda:function',
  's3:bucket',
];

/**
 * Services whose tagging operations refuse a mandatory key in the wrong case or a value
 * outside `tags.mandatory[].allowed` (`enforced_for`, "<service>:ALL_SUPPORTED").
 */
export const TAG_POLICY_ENFORCED_FOR: readonly string[] = [
  'dynamodb:ALL_SUPPORTED',
  'ec2:ALL_SUPPORTED',
  'eks:ALL_SUPPORTED',
  'lambda:ALL_SUPPORTED',
  's3:ALL_SUPPORTED',
];

/**
 * The tag-policy map of the mandatory tags: per key its capitalisation (`tag_key`), its
 * allowed values (`tag_value`), where wrong values are refused (`enforced_for`) and where a
 * missing key is reported (`report_required_tag_for`), per the tag policy syntax.
 */
function tagPolicyMap(tags: PolicyVars['mandatoryTags']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const t of tags) {
    out[t.key.toLowerCase()] = {
      tag_key: { '@@assign': t.key },
      ...(t.allowed?.length ? { tag_value: { '@@assign': [...t.allowed] } } : {}),
      enforced_for: { '@@assign': [...TAG_POLICY_ENFORCED_FOR] },
      report_required_tag_for: { '@@assign': [...TAG_POLICY_REQUIRED_FOR] },
    };
  }
  return out;
}

const WHOLE = /^\{\{(\w+)\}\}$/;
const INLINE = /\{\{(\w+)\}\}/g;

/**
 * Renders a policy template (JSON text) with config values and returns the minified
 * document. `where` names the source in error messages ("policies.2 (deny-root-user)").
 */
export function renderPolicy(template: string, vars: PolicyVars, where: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(template);
  } catch (error) {
    throw new EstateError(`${where}: the policy document is not valid JSON (${(error as Error).message})`, {
      code: 'PolicyNotJson',
      source: 'user',
      cause: error,
    });
  }
  const lists: Record<string, readonly string[]> = { governedRegions: vars.governedRegions };
  const objects: Record<string, unknown> = { mandatoryTags: tagPolicyMap(vars.mandatoryTags) };
  const strings: Record<string, string> = {
    homeRegion: vars.homeRegion,
    accessRoleName: vars.accessRoleName,
    organizationName: vars.organizationName,
  };
  const unknown = (name: string): never => {
    throw new EstateError(`${where}: unknown placeholder {{${name}}}`, {
      code: 'PolicyPlaceholder',
      source: 'user',
      suggestions: [
        `known placeholders: ${[...Object.keys(lists), ...Object.keys(objects), ...Object.keys(strings)].join(', ')}`,
      ],
    });
  };
  const inline = (s: string): string =>
    s.replace(INLINE, (_m, name: string) => {
      if (name in strings) return strings[name]!;
      if (name in lists) {
        throw new EstateError(
          `${where}: {{${name}}} is a list; use it as a whole array element: ["{{${name}}}"]`,
          {
            code: 'PolicyPlaceholder',
            source: 'user',
          },
        );
      }
      return unknown(name);
    });
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = WHOLE.exec(value);
      if (whole && whole[1]! in objects) return objects[whole[1]!];
      return inline(value);
    }
    if (Array.isArray(value)) {
      return value.flatMap((item) => {
        const whole = typeof item === 'string' ? WHOLE.exec(item) : null;
        if (whole && whole[1]! in lists) return [...lists[whole[1]!]!];
        return [walk(item)];
      });
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [inline(k), walk(v)]));
    }
    return value;
  };
  return JSON.stringify(walk(doc));
}

/** Throws a user error when a rendered document is over the AWS limit for its type. */
export function checkPolicySize(name: string, type: PolicyType, content: string, where: string): void {
  const limit = POLICY_SIZE_LIMITS[type];
  if (content.length <= limit) return;
  const kind = type === 'SERVICE_CONTROL_POLICY' ? 'service control policies' : 'tag policies';
  throw new EstateError(
    `${where}: policy ${name} is ${content.length.toLocaleString('en-GB')} characters once rendered; AWS allows ${limit.toLocaleString('en-GB')} for ${kind}`,
    {
      code: 'PolicyTooLarge',
      source: 'user',
      suggestions: [
        'split the document into two policies with their own targets',
        'use wildcards in actions, or move exemptions into a condition',
      ],
    },
  );
}

/** True when two policy documents say the same thing (JSON equal up to key order and spacing). */
export function sameDocument(a: string, b: string): boolean {
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** One difference inside a policy document, at a path such as `Condition.StringNotEquals.aws:RequestedRegion`. */
export interface DocumentFieldDiff {
  /** Dotted path inside the statement (or the document, outside statements); '' for the whole value. */
  readonly path: string;
  /** List elements only the new document has (lists of strings, e.g. regions or actions). */
  readonly added?: readonly string[];
  /** List elements only the live document has. */
  readonly removed?: readonly string[];
  /** Any other change: the values on either side (absent when the field is new or dropped). */
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface StatementDiff {
  readonly change: 'added' | 'removed' | 'changed';
  /** The statement's Sid, or `#<position>` (1-based) when it has none. */
  readonly statement: string;
  /** For a changed statement: what changed inside it. */
  readonly fields?: readonly DocumentFieldDiff[];
}

/** A policy document change, statement by statement: plain data, so `--json` carries it. */
export interface PolicyDocumentDiff {
  /** SCP statements added, removed or changed, matched by Sid, else by position. */
  readonly statements: readonly StatementDiff[];
  /** Differences outside `Statement` (Version; every key of a tag policy). */
  readonly fields: readonly DocumentFieldDiff[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isPlainObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
/** IAM takes "x" and ["x"] alike: a scalar or a list of scalars compares as a set of strings. */
const asStringSet = (v: unknown): string[] | undefined =>
  isScalar(v) && v !== null
    ? [String(v)]
    : Array.isArray(v) && v.every(isScalar)
      ? [...new Set(v.map(String))]
      : undefined;

function diffValues(before: unknown, after: unknown, path: string, out: DocumentFieldDiff[]): void {
  if (canonicalJson(before) === canonicalJson(after)) return;
  if (before !== undefined && after !== undefined) {
    if (isPlainObject(before) && isPlainObject(after)) {
      for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort())
        diffValues(before[key], after[key], path ? `${path}.${key}` : key, out);
      return;
    }
    const left = asStringSet(before);
    const right = asStringSet(after);
    if (left && right && (Array.isArray(before) || Array.isArray(after))) {
      const added = right.filter((x) => !left.includes(x));
      const removed = left.filter((x) => !right.includes(x));
      // Same elements in another order: AWS reads lists in these documents as sets.
      if (added.length || removed.length)
        out.push({ path, ...(added.length ? { added } : {}), ...(removed.length ? { removed } : {}) });
      return;
    }
  }
  out.push({
    path,
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  });
}

function statementsOf(doc: unknown): Json[] | undefined {
  if (!isPlainObject(doc) || doc.Statement === undefined) return undefined;
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

/**
 * What changes between the live and the new policy document, structurally: statements
 * matched by Sid (else by position) and, inside each, the fields that differ, with list
 * elements (regions, actions) named as added or removed. Undefined when either side is not
 * JSON (the plan then shows both texts).
 */
export function diffPolicyDocuments(before: string, after: string): PolicyDocumentDiff | undefined {
  let left: unknown;
  let right: unknown;
  try {
    left = JSON.parse(before);
    right = JSON.parse(after);
  } catch {
    return undefined;
  }
  const statements: StatementDiff[] = [];
  const fields: DocumentFieldDiff[] = [];
  const leftStatements = statementsOf(left);
  const rightStatements = statementsOf(right);
  if (leftStatements || rightStatements) {
    const key = (s: Json, i: number) =>
      isPlainObject(s) && typeof s.Sid === 'string' && s.Sid ? s.Sid : `#${i + 1}`;
    const liveByKey = new Map((leftStatements ?? []).map((s, i) => [key(s, i), s]));
    const newKeys = new Set<string>();
    (rightStatements ?? []).forEach((s, i) => {
      const k = key(s, i);
      newKeys.add(k);
      const live = liveByKey.get(k);
      if (live === undefined) {
        statements.push({ change: 'added', statement: k });
        return;
      }
      const inside: DocumentFieldDiff[] = [];
      diffValues(live, s, '', inside);
      if (inside.length) statements.push({ change: 'changed', statement: k, fields: inside });
    });
    for (const k of liveByKey.keys())
      if (!newKeys.has(k)) statements.push({ change: 'removed', statement: k });
  }
  const rest = (doc: unknown) => {
    if (!isPlainObject(doc)) return doc;
    const copy: Record<string, Json> = { ...doc };
    delete copy.Statement;
    return copy;
  };
  diffValues(rest(left), rest(right), '', fields);
  return { statements, fields };
}
