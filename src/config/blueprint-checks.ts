/**
 * The blueprint rules that synthesis enforces, checked on estate.yaml itself so that
 * `config validate` (and every command that loads the config) rejects what `blueprint synth`
 * would, each problem at the key to set. Two parts:
 * - `blueprintChecks`: pure, run by the schema's cross-checks (so the loader gives file:line);
 * - `blueprintFileProblems`: folders relative to estate.yaml (codePath), which need the config's
 *   folder; `loadCheckedConfig` (load-checked.ts) adds them to the loader's problems.
 * No aws-cdk-lib import: the rules come from src/blueprints/rules.ts, shared with the constructs.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_TABLES } from '../blueprints/defaults.js';
import { mergedSettings } from '../blueprints/environment.js';
import {
  CALLBACK_FIX,
  SES_FIX,
  SES_MISSING,
  ZONES_FIX,
  availabilityZoneProblem,
  callbackUrlProblem,
  defaultCallbackUrls,
  edgeDomainProblem,
  natGatewaysProblem,
  sesDomainProblem,
} from '../blueprints/rules.js';
import { blueprintSettingsSchema, type BlueprintSettings } from './blueprint-settings.js';
import type { EnvironmentConfig, EstateConfig } from './schema.js';

type Path = (string | number)[];
type Issue = (path: Path, message: string) => void;

/** The parts of the (possibly partly invalid) config the checks read. */
interface ConfigView {
  readonly organization?: { readonly homeRegion?: unknown };
  readonly blueprints?: unknown;
  readonly tags?: { readonly mandatory?: readonly { key: string; allowed?: readonly string[] }[] };
  readonly environments: readonly {
    readonly name?: unknown;
    readonly region?: unknown;
    readonly size?: unknown;
    readonly blueprints: readonly unknown[];
    readonly settings?: unknown;
    readonly tags?: unknown;
  }[];
}

/** One environment's merged settings and where each key is (or should be) set. */
interface EnvView {
  readonly index: number;
  readonly name: string;
  readonly size: 'dev' | 'prod';
  readonly region: string | undefined;
  readonly settings: BlueprintSettings;
  readonly has: (blueprint: string) => boolean;
  /** The key's path: where the environment sets it, else the estate-wide value, else where to add it. */
  readonly at: (blueprint: keyof BlueprintSettings, key: string) => Path;
  /** `settings.<bp>.<key> of environment <name>`, the words a message uses for the key to set. */
  readonly key: (blueprint: keyof BlueprintSettings, key: string) => string;
}

/** Environments whose settings parsed; others already have their own problems reported. */
function environmentViews(cfg: ConfigView): EnvView[] {
  const base = blueprintSettingsSchema.safeParse(cfg.blueprints ?? {});
  if (!base.success) return [];
  const homeRegion =
    typeof cfg.organization?.homeRegion === 'string' ? cfg.organization.homeRegion : undefined;
  const views: EnvView[] = [];
  cfg.environments.forEach((env, index) => {
    const own = blueprintSettingsSchema.safeParse(env.settings ?? {});
    if (!own.success) return;
    const name = typeof env.name === 'string' ? env.name : String(index);
    const isSet = (s: BlueprintSettings, bp: keyof BlueprintSettings, key: string) =>
      (s[bp] as Record<string, unknown> | undefined)?.[key] !== undefined;
    const at = (bp: keyof BlueprintSettings, key: string): Path =>
      !isSet(own.data, bp, key) && isSet(base.data, bp, key)
        ? ['blueprints', bp, key]
        : ['environments', index, 'settings', bp, key];
    views.push({
      index,
      name,
      size: env.size === 'prod' ? 'prod' : 'dev',
      region: typeof env.region === 'string' ? env.region : homeRegion,
      settings: mergedSettings(
        { blueprints: base.data } as EstateConfig,
        { settings: own.data } as EnvironmentConfig,
      ),
      has: (b) => env.blueprints.includes(b),
      at,
      key: (bp, key) =>
        at(bp, key)[0] === 'blueprints'
          ? `blueprints.${bp}.${key} (or settings.${bp}.${key} of environment ${name} to override it there)`
          : `settings.${bp}.${key} of environment ${name} (or blueprints.${bp}.${key} for every environment)`,
    });
  });
  return views;
}

/** Cross-field blueprint rules, run by the schema's cross-checks. */
export function blueprintChecks(cfg: ConfigView, report: Issue): void {
  // An estate-wide key wrong for several environments is one problem.
  const seen = new Set<string>();
  const issue: Issue = (path, message) => {
    if (seen.has(path.join('.'))) return;
    seen.add(path.join('.'));
    report(path, message);
  };
  for (const env of environmentViews(cfg)) {
    const { settings: s, has, at, key } = env;
    const edgeDomain = has('edge') ? s.edge?.domainName : undefined;

    if (has('auth')) {
      const auth = s.auth ?? {};
      const urls = callbackUrlProblem(
        auth.callbackUrls ?? defaultCallbackUrls(env.size, edgeDomain),
        auth.logoutUrls ?? [],
        env.size,
      );
      if (urls)
        issue(
          at('auth', 'callbackUrls'),
          `${urls}; ${CALLBACK_FIX.replace('auth.callbackUrls', key('auth', 'callbackUrls'))}`,
        );
      if (env.size === 'prod' && !auth.email)
        issue(
          [...at('auth', 'email'), 'fromEmail'],
          `${SES_MISSING}; set ${key('auth', 'email')}.fromEmail (${SES_FIX.replace(/^set /, '')})`,
        );
      const domain = auth.email && sesDomainProblem(auth.email);
      if (domain) issue(at('auth', 'email'), domain);
      const tables = s.data?.tables ?? DEFAULT_TABLES;
      if (has('data') && auth.usersTable && !tables.some((t) => t.name === auth.usersTable))
        issue(
          at('auth', 'usersTable'),
          `usersTable "${auth.usersTable}" is not a table of the data blueprint (${tables.map((t) => t.name).join(', ')}); declare it under data.tables or change ${key('auth', 'usersTable')}`,
        );
    }
    if (has('api-lambda') && !has('auth'))
      issue(
        ['environments', env.index, 'blueprints'],
        "api-lambda's JWT authorizer needs the auth blueprint in the same environment; add auth to this list",
      );
    if (has('edge')) {
      if (s.edge?.fronts === 'api' && !has('api-lambda'))
        issue(
          at('edge', 'fronts'),
          `fronts: api needs the api-lambda blueprint in environment ${env.name}; add it, or set ${key('edge', 'fronts')} to none`,
        );
      const domain = edgeDomainProblem(s.edge ?? {});
      if (domain) issue(at('edge', domain.key), `${domain.message}; ${domain.fix}`);
    }
    if (has('api-eks')) {
      const zones = s['api-eks']?.availabilityZones ?? [];
      const problem = availabilityZoneProblem(zones, env.region);
      if (problem)
        issue(
          at('api-eks', 'availabilityZones'),
          `${problem}; ${ZONES_FIX.replace('api-eks.availabilityZones', key('api-eks', 'availabilityZones'))}`,
        );
      const nat = s['api-eks']?.natGateways;
      const natProblem = nat === undefined || problem ? undefined : natGatewaysProblem(nat, zones.length);
      if (natProblem) issue(at('api-eks', 'natGateways'), natProblem);
    }
    const tags = cfg.environments[env.index]?.tags;
    if (tags && typeof tags === 'object')
      for (const m of cfg.tags?.mandatory ?? []) {
        const value = (tags as Record<string, unknown>)[m.key];
        if (typeof value === 'string' && Array.isArray(m.allowed) && !m.allowed.includes(value))
          issue(
            ['environments', env.index, 'tags', m.key],
            `"${value}" is not an allowed value of the mandatory tag ${m.key} (${m.allowed.join(', ')}); the environment's stacks carry it`,
          );
      }
  }
}

/** Folders named relative to estate.yaml that synthesis needs and that do not exist. */
export function blueprintFileProblems(
  config: ConfigView,
  configDir: string,
): { path: Path; message: string }[] {
  const out = new Map<string, { path: Path; message: string }>();
  for (const env of environmentViews(config)) {
    const codePath = env.settings['api-lambda']?.codePath;
    if (!env.has('api-lambda') || !codePath) continue;
    const full = isAbsolute(codePath) ? codePath : resolve(configDir, codePath);
    if (existsSync(full) && statSync(full).isDirectory()) continue;
    const path = env.at('api-lambda', 'codePath');
    out.set(path.join('.'), {
      path,
      message: `codePath "${codePath}" is ${full}, which is not a folder; set ${env.key('api-lambda', 'codePath')} to the handler's folder relative to ${configDir}, or remove it to deploy estate's sample handler`,
    });
  }
  return [...out.values()];
}
