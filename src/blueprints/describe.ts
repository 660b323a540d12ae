/**
 * What `estate blueprint list` shows: each blueprint, the settings it takes in estate.yaml
 * (type and description from the zod schema) and their defaults (from defaults.ts, the values
 * the constructs use). No aws-cdk-lib import.
 */
import { z } from 'zod';
import { BLUEPRINT_SETTINGS_SHAPES } from '../config/blueprint-settings.js';
import { BLUEPRINT_CATALOG, BLUEPRINT_NAMES, type BlueprintName, type StackRole } from './catalog.js';
import { SETTING_DEFAULTS } from './defaults.js';
import { EDGE_REGION } from './environment.js';

export interface BlueprintSettingDoc {
  readonly name: string;
  readonly type: string;
  readonly description: string;
  /** A value the same in both profiles, per profile, or a sentence where it is derived. */
  readonly default:
    | { readonly value: unknown }
    | { readonly dev: unknown; readonly prod: unknown }
    | { readonly text: string };
}

export interface BlueprintDoc {
  readonly name: BlueprintName;
  readonly summary: string;
  /** `<env>-<name>` */
  readonly stack: string;
  /** Where the stack is deployed. */
  readonly region: string;
  readonly uses: readonly BlueprintName[];
  /** Kept by off-hours shutdown (`stateful`) or deleted and re-created (`stateless`). */
  readonly role: StackRole;
  /** When a stateful blueprint's stack is stateless instead. */
  readonly statelessWhen?: string;
  /** The state the stack holds. */
  readonly holds: string;
  /** What the prod profile keeps when the stack is deleted. */
  readonly prodRetains: string;
  readonly settings: readonly BlueprintSettingDoc[];
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
};

function typeName(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v).replaceAll('"', "'")).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeName).join(' | ');
  if (s.type === 'array') return `${s.items ? typeName(s.items) : 'unknown'}[]`;
  if (s.type === 'object') return s.properties ? `{ ${Object.keys(s.properties).join(', ')} }` : 'object';
  return Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'unknown');
}

function defaultOf(value: unknown): BlueprintSettingDoc['default'] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if ('text' in value) return { text: String((value as { text: unknown }).text) };
    if ('dev' in value && 'prod' in value) {
      const v = value as { dev: unknown; prod: unknown };
      return { dev: v.dev, prod: v.prod };
    }
  }
  return { value: value ?? null };
}

export function describeBlueprints(): BlueprintDoc[] {
  return BLUEPRINT_NAMES.map((name) => {
    const info = BLUEPRINT_CATALOG[name];
    const shape = BLUEPRINT_SETTINGS_SHAPES[name].shape as Record<string, z.ZodType>;
    const defaults = SETTING_DEFAULTS[name] ?? {};
    return {
      name,
      summary: info.summary,
      stack: `<env>-${name}`,
      region: name === 'edge' ? EDGE_REGION : 'the environment region',
      uses: info.uses,
      role: info.role,
      ...(info.statelessWhen ? { statelessWhen: info.statelessWhen } : {}),
      holds: info.holds,
      prodRetains: info.prodRetains,
      settings: Object.entries(shape).map(([key, schema]) => ({
        name: key,
        type: typeName(z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema),
        description: schema.description ?? '',
        default: key in defaults ? defaultOf(defaults[key]) : { text: 'none' },
      })),
    };
  });
}

/** The default as one short string, for the table output. */
export function formatDefault(d: BlueprintSettingDoc['default']): string {
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if ('text' in d) return d.text;
  if ('dev' in d) return `dev: ${show(d.dev)}, prod: ${show(d.prod)}`;
  return show(d.value);
}

/** `stateful (kept off-hours; stateless when …)` or `stateless (deleted off-hours, re-created)`. */
export function formatRole(b: Pick<BlueprintDoc, 'role' | 'statelessWhen'>): string {
  if (b.role === 'stateless') return 'stateless (deleted off-hours and re-created)';
  return `stateful (kept off-hours${b.statelessWhen ? `; stateless when ${b.statelessWhen}` : ''})`;
}
