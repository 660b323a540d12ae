/**
 * The synthesis engine behind `estate blueprint synth`: builds one environment's stacks into a
 * cloud assembly offline (no credentials, no lookups), reuses the previous assembly when
 * nothing that shapes it changed, and on request validates it with the CloudFormation
 * validator bundled in aws-cdk-lib and cdk-nag's AwsSolutions pack.
 *
 * aws-cdk-lib is imported lazily, only on a cache miss: a cache hit costs a few file hashes.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvironmentConfig, EstateConfig } from '../../config/schema.js';
import { canonicalJson } from '../plan/canonical.js';
import { IO, ioMessage, silentIoHost, startTask, type IoHost, type Task, type TaskData } from '../io.js';
import { EstateError, userError } from '../../errors.js';
import {
  accountTags,
  environmentTarget,
  isProtected,
  mergedSettings,
  stackRoles,
  type StackRole,
} from '../../blueprints/environment.js';
import type { Acknowledgement, Finding } from '../../blueprints/findings.js';
import { blueprintsDir, sampleApiCodePath } from '../../blueprints/paths.js';
import { packageRoot, packageVersion } from '../../package.js';

export interface SynthOptions {
  /** Assembly folder. @default cdk.out/<env> under cwd */
  readonly outDir?: string;
  /** Run the CloudFormation validator and cdk-nag AwsSolutions over all templates. @default false */
  readonly validate?: boolean;
  /** Folder of estate.yaml (codePath and buildDir are relative to it). */
  readonly configDir: string;
  /** Account ids by estate account name; when absent, accounts[].id or account-agnostic stacks. */
  readonly accountIds?: Readonly<Record<string, string>>;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Ignore a cached assembly. @default false */
  readonly force?: boolean;
  /** Where the synthesis reports itself (task id `synth`). @default silent */
  readonly io?: IoHost;
}

export interface StackSummary {
  readonly name: string;
  /** The stack's artifact id in the assembly (what the toolkit selects it by; not always its name). */
  readonly artifactId: string;
  readonly blueprint: string;
  /** The account id the stack is bound to; absent for an account-agnostic stack. */
  readonly account?: string;
  readonly region: string;
  /** Names of the stacks of this assembly it depends on (deployed before it, deleted after it). */
  readonly dependsOn: readonly string[];
  /** Kept by off-hours shutdown (`stateful`) or deleted and re-created (`stateless`). */
  readonly role: StackRole;
  readonly resources: number;
  /** The template's file name in the assembly (named by artifact id, not always the stack name). */
  readonly templateFile: string;
  readonly templateBytes: number;
  /**
   * Shared by the environments of the account and region (estate-bedrock-logging): deploy it
   * with the environment, but never delete it with the environment.
   */
  readonly shared?: true;
}

/** A warning or error CDK attached to a construct (Annotations), as recorded in the assembly. */
export interface SynthAnnotation {
  readonly level: 'warning' | 'error';
  readonly stack: string;
  /** Construct path, e.g. /dev-api-eks/Eks/Vpc. */
  readonly path: string;
  readonly message: string;
}

export interface ValidationResult {
  /** No finding of severity error. */
  readonly ok: boolean;
  readonly findings: readonly Finding[];
  readonly acknowledged: readonly Acknowledgement[];
  /** validation-report.json in the assembly. */
  readonly reportFile: string;
}

export interface SynthResult {
  readonly environment: string;
  readonly assemblyDir: string;
  readonly cached: boolean;
  readonly cacheKey: string;
  readonly durationMs: number;
  readonly stacks: readonly StackSummary[];
  /** CDK's warnings and errors from the assembly's metadata (kept with a cached assembly). */
  readonly annotations: readonly SynthAnnotation[];
  /** Present when validation ran (now or for the cached assembly). */
  readonly validation?: ValidationResult;
}

/**
 * The SynthResult of one of estate's own shared stacks (estate-lifecycle, the Control Tower
 * platform stacks), each synthesised alone into its own assembly folder.
 */
export function sharedStackResult(
  artifact: { readonly template: unknown; readonly templateFile: string },
  stack: {
    readonly name: string;
    readonly artifactId: string;
    readonly blueprint: string;
    readonly at: { readonly accountId: string; readonly region: string };
  },
  assemblyDir: string,
  started: number,
): SynthResult {
  const summary: StackSummary = {
    name: stack.name,
    artifactId: stack.artifactId,
    blueprint: stack.blueprint,
    account: stack.at.accountId,
    region: stack.at.region,
    dependsOn: [],
    role: 'stateful',
    resources: Object.keys((artifact.template as { Resources?: object }).Resources ?? {}).length,
    templateFile: artifact.templateFile,
    templateBytes: JSON.stringify(artifact.template).length,
    shared: true,
  };
  return {
    environment: stack.name,
    assemblyDir,
    cached: false,
    cacheKey: '',
    durationMs: Math.round(performance.now() - started),
    stacks: [summary],
    annotations: [],
  };
}

/** Written last into the assembly folder; its presence with the same key means a hit. */
const CACHE_FILE = 'estate-synth.json';
const CACHE_FORMAT = 3;

interface CacheEntry {
  readonly format: number;
  readonly key: string;
  readonly stacks: readonly StackSummary[];
  readonly annotations: readonly SynthAnnotation[];
  readonly validation?: ValidationResult;
}

export function findEnvironment(config: EstateConfig, envName: string): EnvironmentConfig {
  const env = config.environments.find((e) => e.name === envName);
  if (!env) {
    const known = config.environments.map((e) => e.name);
    throw new EstateError(
      `no environment "${envName}" in estate.yaml${known.length ? `; environments: ${known.join(', ')}` : ''}`,
      {
        code: 'UnknownEnvironment',
        source: 'user',
        suggestions: [known.length ? `pick one of ${known.join(', ')}` : 'declare it under environments'],
      },
    );
  }
  return env;
}

/** Synthesises one environment (or returns the cached assembly when its inputs are unchanged). */
export async function synthEnvironment(
  config: EstateConfig,
  envName: string,
  opts: SynthOptions,
): Promise<SynthResult> {
  const started = performance.now();
  const io = opts.io ?? silentIoHost;
  const env = findEnvironment(config, envName);
  const cwd = opts.cwd ?? process.cwd();
  const outDir = resolve(cwd, opts.outDir ?? join('cdk.out', env.name));
  const validate = opts.validate ?? false;
  const key = cacheKey(config, env, opts);
  const result = (cached: boolean, built: Built): SynthResult => ({
    environment: env.name,
    assemblyDir: outDir,
    cached,
    cacheKey: key,
    durationMs: Math.round(performance.now() - started),
    stacks: built.stacks,
    annotations: built.annotations,
    ...(built.validation ? { validation: built.validation } : {}),
  });

  if (!opts.force) {
    const hit = readCache(outDir, key);
    if (hit && (!validate || hit.validation)) {
      const data: TaskData = { id: 'synth', title: `synthesise ${env.name}` };
      await io.notify(ioMessage('warn', IO.TASK_SKIP, `inputs unchanged, reusing ${outDir}`, data));
      return result(true, hit);
    }
  }

  const task = await startTask(io, 'synth', `synthesise ${env.name}`);
  try {
    return result(false, await synthesise(config, env, { ...opts, outDir, validate, key, task }));
  } catch (error) {
    await task.fail((error as Error).message.split('\n')[0]!);
    throw error;
  }
}

async function synthesise(
  config: EstateConfig,
  env: EnvironmentConfig,
  opts: SynthOptions & { outDir: string; validate: boolean; key: string; task: Task },
): Promise<Built> {
  const { outDir, task } = opts;
  checkOutDir(outDir);
  // Built next to the target and moved into place only when complete: a failure leaves the
  // previous assembly (or nothing) where it was, never a half-written folder.
  const staging = stagingDir(outDir);
  try {
    const built = await build(config, env, { ...opts, staging });
    replaceDir(staging, outDir);
    await task.done(`${built.stacks.length} stacks in ${outDir}`);
    return built;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

type Built = Pick<SynthResult, 'stacks' | 'annotations' | 'validation'>;

/** Synthesises into `staging` and writes the cache entry last; paths in the result name outDir. */
async function build(
  config: EstateConfig,
  env: EnvironmentConfig,
  opts: SynthOptions & {
    outDir: string;
    staging: string;
    validate: boolean;
    key: string;
    task: Task;
  },
): Promise<Built> {
  const { outDir, staging, validate, key, task } = opts;
  const [{ App, Validations }, cxapi, { composeEnvironment }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/cx-api'),
    import('../../blueprints/compose.js'),
  ]);
  const app = new App({
    outdir: staging,
    // The validator costs seconds and hundreds of MiB: only when asked for.
    builtinCloudFormationValidation: validate,
    context: {
      // Strong references (exports, and SSM export readers across regions) protect a producer
      // stack from deletion while a consumer still uses it: the data and auth stacks outlive
      // the API that reads them. Said explicitly, so CDK does not warn on every synth.
      [cxapi.DEFAULT_CROSS_STACK_REFERENCES]: 'strong',
      ...(validate
        ? {
            // Report the validator's errors as errors, and collect them instead of throwing.
            [cxapi.VALIDATE_AGAINST_DEFAULT_RULES]: true,
            [cxapi.FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false,
          }
        : {}),
    },
  });
  if (validate) {
    await task.update('validating (CloudFormation validator, cdk-nag AwsSolutions)');
    const { AwsSolutionsChecks } = await import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  const composed = composeEnvironment(app, config, env, {
    configDir: opts.configDir,
    accountIds: opts.accountIds,
  });
  const assembly = app.synth();

  const composedOf = new Map(composed.map((c) => [c.stack.artifactId, c]));
  const nameOf = new Map(assembly.stacks.map((s) => [s.id, s.stackName]));
  const described = assembly.stacks.map((s) => ({
    s,
    name: s.stackName,
    blueprint: composedOf.get(s.id)?.blueprint ?? s.id,
    // The manifest's dependencies also name the stack's asset manifest: only stacks count.
    dependsOn: s.dependencies.flatMap((d) => nameOf.get(d.id) ?? []),
  }));
  const roles = stackRoles(described);
  const stacks: StackSummary[] = described.map(({ s, name, blueprint, dependsOn }) => ({
    name,
    artifactId: s.id,
    blueprint,
    ...(composedOf.get(s.id)?.shared ? { shared: true as const } : {}),
    // An account-agnostic stack's environment reads aws://unknown-account/<region>.
    ...(/^\d{12}$/.test(s.environment.account) ? { account: s.environment.account } : {}),
    region: s.environment.region,
    dependsOn,
    role: roles.get(name)!,
    resources: Object.keys((s.template as { Resources?: object }).Resources ?? {}).length,
    templateFile: s.templateFile,
    templateBytes: statSync(s.templateFullPath).size,
  }));
  const annotations = annotationsOf(assembly);
  let validation: ValidationResult | undefined;
  if (validate) {
    const { acknowledgementsOf } = await import('../../blueprints/nag.js');
    const report = readValidationReport(join(staging, cxapi.VALIDATION_REPORT_FILE));
    validation = {
      ...report,
      reportFile: join(outDir, cxapi.VALIDATION_REPORT_FILE),
      acknowledged: acknowledgementsOf(app),
    };
  }

  const built: Built = { stacks, annotations, ...(validation ? { validation } : {}) };
  const entry: CacheEntry = { format: CACHE_FORMAT, key, ...built };
  writeFileSync(join(staging, CACHE_FILE), JSON.stringify(entry, null, 2));
  return built;
}

/** CDK's warnings and errors (Annotations) of every stack in an assembly, nested stacks included. */
export function annotationsOf(assembly: {
  readonly stacksRecursively: readonly {
    readonly stackName: string;
    readonly messages: readonly { level: string; id: string; entry: { data?: unknown } }[];
  }[];
}): SynthAnnotation[] {
  return assembly.stacksRecursively.flatMap((s) =>
    s.messages
      .filter((m) => m.level === 'warning' || m.level === 'error')
      .map((m) => ({
        level: m.level as 'warning' | 'error',
        stack: s.stackName,
        path: m.id,
        message: typeof m.entry.data === 'string' ? m.entry.data : JSON.stringify(m.entry.data),
      })),
  );
}

/** One line per annotation, then their count: `CDK: 0 errors, 1 warning`. */
export function annotationLines(annotations: readonly SynthAnnotation[]): string[] {
  const errors = annotations.filter((a) => a.level === 'error').length;
  const warnings = annotations.length - errors;
  return [
    ...annotations.map((a) => `${a.level === 'error' ? '✖' : '!'} cdk ${a.level}: ${a.message} (${a.path})`),
    `CDK: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  ];
}

/** One line per stack: `dev-edge  us-east-1  stateful   19 resources  23.4 KB`. */
export function summaryLines(result: Pick<SynthResult, 'stacks'>): string[] {
  const width = Math.max(0, ...result.stacks.map((s) => s.name.length));
  return result.stacks.map(
    (s) =>
      `${s.name.padEnd(width)}  ${s.region.padEnd(14)}  ${s.role.padEnd(9)}  ${String(s.resources).padStart(3)} resources  ${(s.templateBytes / 1024).toFixed(1).padStart(6)} KB`,
  );
}

/**
 * sha256 over everything that shapes the assembly: the environment (with its merged blueprint
 * settings and target), the organisation fields the blueprints read, the account's mandatory
 * tags, the environments sharing the account's Bedrock logging stack, estate's and aws-cdk-lib's
 * versions, the blueprint and synth source files, and the contents of the Lambda code and build folders.
 */
export function cacheKey(
  config: EstateConfig,
  env: EnvironmentConfig,
  opts: Pick<SynthOptions, 'configDir' | 'accountIds'>,
): string {
  const settings = mergedSettings(config, env);
  const fromConfigDir = (p: string) => (isAbsolute(p) ? p : resolve(opts.configDir, p));
  const folders: Record<string, string> = {};
  if (env.blueprints.includes('api-lambda')) {
    const codePath = settings['api-lambda']?.codePath;
    folders.code = codePath ? fromConfigDir(codePath) : sampleApiCodePath();
  }
  const buildDir = env.blueprints.includes('edge') ? settings.edge?.buildDir : undefined;
  if (buildDir) folders.build = fromConfigDir(buildDir);

  const h = createHash('sha256');
  h.update(
    canonicalJson({
      format: CACHE_FORMAT,
      estate: packageVersion(),
      cdk: dependencyVersion('aws-cdk-lib'),
      env: { ...env, settings: undefined },
      settings,
      target: environmentTarget(config, env, opts.accountIds),
      organization: { name: config.organization.name, accessRoleName: config.organization.accessRoleName },
      // Every stack carries the account's mandatory tags, and estate:protected, which the
      // account's kind can decide.
      tags: accountTags(config, env.account),
      protected: isProtected(config, env),
      // The shared estate-bedrock-logging stack is built from every environment of the account.
      accountEnvironments: config.environments
        .filter((e) => e.account === env.account)
        .map((e) => ({
          name: e.name,
          region: environmentTarget(config, e).region,
          blueprints: e.blueprints,
          size: e.size,
          ai: mergedSettings(config, e).ai,
          observability: mergedSettings(config, e).observability,
        })),
    }),
  );
  for (const dir of assemblySources()) {
    h.update(`\0sources\0${basename(dir)}\0`);
    hashTree(h, dir);
  }
  for (const [name, dir] of Object.entries(folders)) {
    h.update(`\0${name}\0`);
    if (existsSync(dir)) hashTree(h, dir);
  }
  return h.digest('hex');
}

/**
 * The source folders an assembly is built from: the blueprints, and this engine (it sets the
 * app's context). An estate built from changed sources never reuses an older assembly.
 */
export function assemblySources(): string[] {
  return [blueprintsDir(), dirname(fileURLToPath(import.meta.url))];
}

function hashTree(h: ReturnType<typeof createHash>, root: string): void {
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        h.update(`${relative(root, full)}\0`);
        h.update(readFileSync(full));
        h.update('\0');
      }
    }
  };
  walk(root);
}

const versions = new Map<string, string>();
function dependencyVersion(name: string): string {
  let v = versions.get(name);
  if (!v) {
    const manifest = join(packageRoot(), 'node_modules', name, 'package.json');
    v = existsSync(manifest)
      ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
      : 'unknown';
    versions.set(name, v);
  }
  return v;
}

function readCache(outDir: string, key: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(readFileSync(join(outDir, CACHE_FILE), 'utf8')) as CacheEntry;
    if (entry.format !== CACHE_FORMAT || entry.key !== key) return undefined;
    if (!existsSync(join(outDir, 'manifest.json'))) return undefined;
    return entry;
  } catch {
    return undefined;
  }
}

/** What a cloud assembly (complete or left half-written by an older estate) may hold. */
const ASSEMBLY_ENTRY =
  /^(asset\.|manifest\.json$|tree\.json$|cdk\.out$|(policy-)?validation-report\.json$|.+\.(template|assets|metadata)\.json$)/;

/** The target may be replaced only when it is absent, empty or a cloud assembly. */
function checkOutDir(outDir: string): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory())
    throw userError('AssemblyFolder', `${outDir} exists and is not a folder`, ['pass another --out']);
  const entries = readdirSync(outDir);
  const isAssembly =
    entries.includes(CACHE_FILE) ||
    entries.includes('manifest.json') ||
    entries.every((e) => ASSEMBLY_ENTRY.test(e));
  if (!isAssembly)
    throw userError(
      'AssemblyFolder',
      `${outDir} is not empty and holds no cloud assembly; refusing to overwrite it`,
      ['pass an empty or new folder with --out'],
    );
}

/**
 * A fresh folder beside outDir (same file system, so the final rename is atomic), named after
 * this process; folders left by processes that no longer run (killed mid-synth) are removed.
 */
function stagingDir(outDir: string): string {
  const parent = dirname(outDir);
  const prefix = `.${basename(outDir)}.synth-`;
  mkdirSync(parent, { recursive: true });
  for (const entry of readdirSync(parent)) {
    const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
    if (entry.startsWith(prefix) && pid && pid !== process.pid && !isRunning(pid))
      rmSync(join(parent, entry), { recursive: true, force: true });
  }
  return mkdtempSync(join(parent, `${prefix}${process.pid}-`));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves the complete assembly into place: the old one aside, the new one in, the old one gone. */
function replaceDir(staging: string, outDir: string): void {
  const old = `${staging}.old`;
  if (existsSync(outDir)) renameSync(outDir, old);
  try {
    renameSync(staging, outDir);
  } catch (error) {
    if (existsSync(old)) renameSync(old, outDir);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
}

interface ReportViolation {
  ruleName: string;
  description: string;
  severity?: string;
  violatingConstructs?: { constructPath?: string }[];
  reason?: string;
}
interface Report {
  pluginReports?: {
    pluginName: string;
    violations?: ReportViolation[];
    suppressedViolations?: ReportViolation[];
  }[];
}

/** Turns aws-cdk-lib's validation-report.json into findings and acknowledgements. */
export function readValidationReport(reportFile: string): ValidationResult {
  const report: Report = existsSync(reportFile)
    ? (JSON.parse(readFileSync(reportFile, 'utf8')) as Report)
    : {};
  const findings: Finding[] = [];
  const acknowledged: Acknowledgement[] = [];
  for (const plugin of report.pluginReports ?? []) {
    const tool = plugin.pluginName === 'CloudFormation Validate' ? 'cloudformation' : 'cdk-nag';
    for (const v of plugin.violations ?? []) {
      findings.push({
        tool,
        rule: v.ruleName,
        severity:
          v.severity === 'error' || v.severity === 'fatal'
            ? 'error'
            : v.severity === 'warning'
              ? 'warning'
              : 'info',
        message: v.description,
        paths: (v.violatingConstructs ?? []).map((c) => c.constructPath ?? '?'),
      });
    }
    for (const v of plugin.suppressedViolations ?? []) {
      acknowledged.push({
        tool,
        rule: v.ruleName,
        reason: v.reason ?? '',
        paths: (v.violatingConstructs ?? []).map((c) => c.constructPath ?? '?'),
      });
    }
  }
  return { ok: !findings.some((f) => f.severity === 'error'), findings, acknowledged, reportFile };
}
