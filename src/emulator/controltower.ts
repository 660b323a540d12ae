/**
 * An in-memory Control Tower the loopback emulator serves as a REST-JSON service (SigV4 signing
 * name `controltower`, `POST /<operation>` with a JSON body), for the calls estate makes:
 * ListEnabledControls, GetControlOperation (the 3.332.0 SDK client) and GetLandingZone,
 * ListLandingZones, ListEnabledBaselines, ListControlOperations (estate's signed calls). Its
 * state is made the way estate makes it: by FakeCloudFormation creating
 * `AWS::ControlTower::LandingZone`, `EnabledBaseline` and `EnabledControl` resources (see
 * `providers()`). Account-level (child) baselines are derived from the FakeOrganizations OU tree
 * at read time, so an account moved into a registered OU is enrolled. Spec:
 * controltower.md.
 */
import { PREREQUISITE_ROLES } from '../blueprints/platform.js';
import { CONTROL_TOWER_BASELINE_ID } from '../config/controltower.js';
import { IDENTITY_CENTER_BASELINE_ID } from '../core/controltower/desired.js';
import type { RestRequest, RestResponse, RestService } from './server.js';
import type { FakeOrganizations } from './organizations.js';
import { cloneState, refill, refillArray } from './state.js';

type Json = any;

/** What FakeCloudFormation hands a resource provider. */
export interface ProvidedResource {
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
  readonly logicalId: string;
  /** The physical name FakeCloudFormation generated for the resource. */
  readonly name: string;
  readonly properties: Json;
  /** The physical id the resource had before this update. */
  readonly previousPhysicalId?: string;
}

/** A resource type FakeCloudFormation delegates to another fake. */
export interface ResourceProvider {
  readonly type: string;
  /** Creates or updates; throws an Error whose message becomes the *_FAILED reason. */
  apply(resource: ProvidedResource): { physicalId?: string; attributes?: Record<string, string> };
  remove(resource: ProvidedResource & { readonly physicalId: string }): void;
}

export interface LandingZone {
  arn: string;
  account: string;
  region: string;
  version: string;
  manifest: Json;
  status: string;
  driftStatus: string;
}

export interface EnabledBaselineRecord {
  arn: string;
  account: string;
  region: string;
  baselineIdentifier: string;
  baselineVersion: string;
  targetIdentifier: string;
  parameters: Json[];
}

export interface EnabledControlRecord {
  arn: string;
  account: string;
  region: string;
  controlIdentifier: string;
  targetIdentifier: string;
  parameters: Json[];
}

export interface ControlOperationRecord {
  operationIdentifier: string;
  operationType: string;
  status: string;
  statusMessage?: string;
  startTime: Date;
  endTime?: Date;
  controlIdentifier?: string;
  targetIdentifier?: string;
  enabledControlIdentifier?: string;
}

/** Landing zones, OU baselines, enabled controls, control operations and the id counter. */
export interface ControlTowerState {
  readonly landingZones: Map<string, LandingZone>;
  readonly baselines: Map<string, EnabledBaselineRecord>;
  readonly controls: Map<string, EnabledControlRecord>;
  readonly operations: ControlOperationRecord[];
  readonly seq: number;
}

export interface FakeControlTowerOptions {
  /** The organisation (OUs, accounts) child baselines and the landing zone's accounts are read from. */
  readonly organizations?: FakeOrganizations;
  /**
   * Whether a service role exists in the account under /service-role/ (IAM or a stack's
   * AWS::IAM::Role). When given, a landing zone is refused without the four prerequisite roles.
   */
  readonly serviceRoleExists?: (account: string, name: string) => boolean;
  /** Items per page of the list calls. @default 100 (AWS's maximum) */
  readonly pageSize?: number;
  /** The version GetLandingZone reports as latestAvailableVersion. @default 4.0 */
  readonly latestVersion?: string;
}

/** The service roles CreateLandingZone needs under /service-role/ (one list, the blueprint's). */
export { PREREQUISITE_ROLES };

export const LANDING_ZONE_VERSIONS = ['3.3', '4.0'];

class CtError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = name;
  }
}

const validation = (message: string) => new CtError('ValidationException', message, 400);
const notFound = (message: string) => new CtError('ResourceNotFoundException', message, 404);

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** OU id from an OU ARN (`arn:aws:organizations::<mgmt>:ou/o-x/ou-y`) or an id. */
const ouIdOf = (target: string) => target.split('/').pop() ?? target;

export class FakeControlTower implements RestService {
  readonly signingName = 'controltower';
  /** Every operation served is a read (POST or not): the state changes through CloudFormation. */
  changesState(): boolean {
    return false;
  }
  readonly landingZones = new Map<string, LandingZone>();
  readonly baselines = new Map<string, EnabledBaselineRecord>();
  readonly controls = new Map<string, EnabledControlRecord>();
  readonly operations: ControlOperationRecord[] = [];
  /** Every call: operation (from the path) and body. */
  readonly log: { op: string; input: Json; account: string; region?: string }[] = [];
  private seq = 0;

  constructor(readonly options: FakeControlTowerOptions = {}) {}

  /** Child (account) baselines are not kept: they are derived from the organisation at read time. */
  snapshot(): ControlTowerState {
    return cloneState({
      landingZones: this.landingZones,
      baselines: this.baselines,
      controls: this.controls,
      operations: this.operations,
      seq: this.seq,
    });
  }

  restore(state: ControlTowerState): void {
    const s = cloneState(state);
    refill(this.landingZones, s.landingZones);
    refill(this.baselines, s.baselines);
    refill(this.controls, s.controls);
    refillArray(this.operations, s.operations);
    this.seq = s.seq;
  }

  // ---------------------------------------------------------------- HTTP

  async handle(request: RestRequest): Promise<RestResponse> {
    const op = request.path.replace(/^\/+/, '');
    let input: Json = {};
    try {
      input = request.body.length ? JSON.parse(request.body.toString('utf8')) : {};
    } catch {
      return this.error(validation('the body is not JSON'));
    }
    this.log.push({
      op,
      input,
      account: request.account,
      ...(request.region ? { region: request.region } : {}),
    });
    if (request.method !== 'POST')
      return this.error(validation(`${request.method} ${request.path} is not an operation`));
    const handler = HANDLERS[op];
    if (!handler)
      return this.error(new CtError('UnknownOperationException', `${request.path} is not emulated`, 404));
    try {
      const out = handler.call(this, input, request.account, request.region ?? 'us-east-1');
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(out, (_k, v) => v),
      };
    } catch (error) {
      if (error instanceof CtError) return this.error(error);
      throw error;
    }
  }

  private error(error: CtError): RestResponse {
    return {
      status: error.status,
      headers: {
        'content-type': 'application/json',
        'x-amzn-errortype': `${error.name}:http://internal.amazon.com/coral/com.amazonaws.controltower/`,
      },
      body: JSON.stringify({ message: error.message }),
    };
  }

  private page<T>(items: T[], input: Json, op: string, max = 100): { items: T[]; nextToken?: string } {
    const size = Math.min(Number(input.maxResults ?? max) || max, this.options.pageSize ?? max);
    let start = 0;
    if (input.nextToken !== undefined) {
      const parsed = /^(\w+):(\d+)$/.exec(String(input.nextToken));
      if (!parsed || parsed[1] !== op) throw validation('The pagination token is invalid.');
      start = Number(parsed[2]);
    }
    const slice = items.slice(start, start + size);
    return { items: slice, ...(start + size < items.length ? { nextToken: `${op}:${start + size}` } : {}) };
  }

  // ---------------------------------------------------------------- the organisation

  private get org() {
    return this.options.organizations;
  }

  private accountArn(id: string): string {
    const org = this.org?.org;
    return `arn:aws:organizations::${org?.managementAccountId ?? '000000000000'}:account/${org?.id ?? 'o-fake'}/${id}`;
  }

  /** The accounts directly in an OU (Control Tower enrols an OU's own accounts). */
  accountsIn(ouId: string): string[] {
    if (!this.org) return [];
    return [...this.org.accounts.values()]
      .filter((a) => a.parentId === ouId && a.status === 'ACTIVE')
      .map((a) => a.id)
      .sort();
  }

  // ---------------------------------------------------------------- resources (through CloudFormation)

  private operation(type: string, extra: Partial<ControlOperationRecord> = {}): string {
    const id = `op-${String(++this.seq).padStart(8, '0')}`;
    const at = new Date();
    this.operations.push({
      operationIdentifier: id,
      operationType: type,
      status: 'SUCCEEDED',
      startTime: at,
      endTime: at,
      ...extra,
    });
    return id;
  }

  createLandingZone(r: ProvidedResource): { physicalId: string; attributes: Record<string, string> } {
    const version = String(r.properties?.Version ?? '');
    if (!LANDING_ZONE_VERSIONS.includes(version))
      throw new Error(
        `Invalid landing zone version ${version}: available versions are ${LANDING_ZONE_VERSIONS.join(', ')}`,
      );
    const manifest = r.properties?.Manifest ?? {};
    if (version.startsWith('3') && (manifest === undefined || Object.keys(manifest).length === 0))
      throw new Error(`A manifest is required for landing zone version ${version}`);
    const existing = [...this.landingZones.values()].find((z) => z.account === r.account);
    // One landing zone per organisation: only an update of this resource may find one.
    if (existing && !existing.arn.endsWith(`/${r.previousPhysicalId}`))
      throw new Error(`A landing zone already exists in this organization (${existing.arn})`);
    const identifier = r.previousPhysicalId ?? `LZ${String(++this.seq).padStart(10, '0')}`;
    const arn = `arn:aws:controltower:${r.region}:${r.account}:landingzone/${identifier}`;
    if (this.options.serviceRoleExists) {
      const missing = PREREQUISITE_ROLES.filter((name) => !this.options.serviceRoleExists!(r.account, name));
      if (missing.length)
        throw new Error(
          `AWS Control Tower cannot find the role(s) ${missing.join(', ')} under /service-role/ in ${r.account}`,
        );
    }
    for (const key of ['centralizedLogging', 'securityRoles'] as const) {
      const accountId = manifest?.[key]?.accountId;
      if (accountId && this.org && !this.org.accounts.has(String(accountId)))
        throw new Error(`The account ${accountId} named in ${key} is not in the organization`);
    }
    this.landingZones.set(arn, {
      arn,
      account: r.account,
      region: r.region,
      version,
      manifest,
      status: 'ACTIVE',
      driftStatus: 'IN_SYNC',
    });
    // Access management on: Control Tower sets up Identity Center and enables its baseline on
    // the landing zone, whose ARN every AWSControlTowerBaseline must then be given.
    const identityCenter = [...this.baselines.values()].find(
      (b) => b.account === r.account && b.baselineIdentifier.endsWith(`/${IDENTITY_CENTER_BASELINE_ID}`),
    );
    if (manifest?.accessManagement?.enabled === true && !identityCenter) {
      const icArn = `arn:aws:controltower:${r.region}:${r.account}:enabledbaseline/${this.id('XIC')}`;
      this.baselines.set(icArn, {
        arn: icArn,
        account: r.account,
        region: r.region,
        baselineIdentifier: `arn:aws:controltower:${r.region}::baseline/${IDENTITY_CENTER_BASELINE_ID}`,
        baselineVersion: '2.0',
        targetIdentifier: `arn:aws:organizations::${r.account}:account/${r.account}`,
        parameters: [],
      });
    } else if (manifest?.accessManagement?.enabled !== true && identityCenter)
      this.baselines.delete(identityCenter.arn);
    return {
      physicalId: identifier,
      attributes: { Arn: arn, LandingZoneIdentifier: identifier, Status: 'ACTIVE' },
    };
  }

  private landingZoneOf(account: string): LandingZone | undefined {
    return [...this.landingZones.values()].find((z) => z.account === account);
  }

  enableBaseline(r: ProvidedResource): { physicalId: string; attributes: Record<string, string> } {
    const target = String(r.properties?.TargetIdentifier ?? '');
    if (!/^arn:aws[\w-]*:organizations::\d{12}:ou\//.test(target))
      throw new Error(`TargetIdentifier ${target} is not an organizational unit ARN`);
    if (!this.landingZoneOf(r.account))
      throw new Error('AWS Control Tower has no landing zone in this organization');
    const baselineIdentifier = String(r.properties?.BaselineIdentifier ?? '');
    const identityCenter = [...this.baselines.values()].find(
      (b) => b.account === r.account && b.baselineIdentifier.endsWith(`/${IDENTITY_CENTER_BASELINE_ID}`),
    );
    if (identityCenter && baselineIdentifier.endsWith(`/${CONTROL_TOWER_BASELINE_ID}`)) {
      const given = list<{ Key?: string; Value?: unknown }>(r.properties?.Parameters).find(
        (p) => p.Key === 'IdentityCenterEnabledBaselineArn',
      )?.Value;
      if (given !== identityCenter.arn)
        throw new Error(
          `IdentityCenterEnabledBaselineArn must be the landing zone's Identity Center enabled baseline ${identityCenter.arn}, got ${String(given ?? 'none')}`,
        );
    }
    const clash = [...this.baselines.values()].find(
      (b) =>
        b.targetIdentifier === target &&
        b.baselineIdentifier === baselineIdentifier &&
        b.arn !== r.previousPhysicalId,
    );
    if (clash) throw new Error(`The baseline is already enabled on ${target} (${clash.arn})`);
    const arn =
      r.previousPhysicalId ??
      `arn:aws:controltower:${r.region}:${r.account}:enabledbaseline/${this.id('XEB')}`;
    this.baselines.set(arn, {
      arn,
      account: r.account,
      region: r.region,
      baselineIdentifier,
      baselineVersion: String(r.properties?.BaselineVersion ?? ''),
      targetIdentifier: target,
      parameters: list(r.properties?.Parameters),
    });
    return { physicalId: arn, attributes: { EnabledBaselineIdentifier: arn } };
  }

  enableControl(r: ProvidedResource): { physicalId: string; attributes: Record<string, string> } {
    const target = String(r.properties?.TargetIdentifier ?? '');
    const control = String(r.properties?.ControlIdentifier ?? '');
    if (!/^arn:aws[\w-]*:(controltower|controlcatalog):/.test(control))
      throw new Error(`ControlIdentifier ${control} is not a control ARN`);
    if (!this.landingZoneOf(r.account))
      throw new Error('AWS Control Tower has no landing zone in this organization');
    const registered = [...this.baselines.values()].some((b) => b.targetIdentifier === target);
    if (!registered)
      throw new Error(`The organizational unit ${target} is not registered with AWS Control Tower`);
    const clash = [...this.controls.values()].find(
      (c) =>
        c.targetIdentifier === target && c.controlIdentifier === control && c.arn !== r.previousPhysicalId,
    );
    if (clash) throw new Error(`The control ${control} is already enabled on ${target}`);
    const arn =
      r.previousPhysicalId ??
      `arn:aws:controltower:${r.region}:${r.account}:enabledcontrol/${this.id('XEC')}`;
    this.controls.set(arn, {
      arn,
      account: r.account,
      region: r.region,
      controlIdentifier: control,
      targetIdentifier: target,
      parameters: list(r.properties?.Parameters),
    });
    this.operation(r.previousPhysicalId ? 'UPDATE_ENABLED_CONTROL' : 'ENABLE_CONTROL', {
      controlIdentifier: control,
      targetIdentifier: target,
      enabledControlIdentifier: arn,
    });
    return { physicalId: `${control}|${target}`, attributes: { Arn: arn } };
  }

  private id(prefix: string): string {
    return `${prefix}${String(++this.seq).padStart(12, '0')}`;
  }

  /** The providers FakeCloudFormation uses for the three Control Tower resource types. */
  providers(): ResourceProvider[] {
    return [
      {
        type: 'AWS::ControlTower::LandingZone',
        apply: (r) => this.createLandingZone(r),
        remove: (r) => {
          const zone = [...this.landingZones.values()].find(
            (z) => z.account === r.account && z.arn.endsWith(`/${r.physicalId}`),
          );
          if (!zone) return;
          if (
            [...this.baselines.values()].some(
              (b) =>
                b.account === r.account && !b.baselineIdentifier.endsWith(`/${IDENTITY_CENTER_BASELINE_ID}`),
            )
          )
            throw new Error('The landing zone cannot be deleted while organizational units are registered');
          this.landingZones.delete(zone.arn);
        },
      },
      {
        type: 'AWS::ControlTower::EnabledBaseline',
        apply: (r) => this.enableBaseline(r),
        remove: (r) => {
          const baseline = this.baselines.get(r.physicalId);
          if (!baseline) return;
          if ([...this.controls.values()].some((c) => c.targetIdentifier === baseline.targetIdentifier))
            throw new Error(`Disable the controls of ${baseline.targetIdentifier} before its baseline`);
          this.baselines.delete(r.physicalId);
        },
      },
      {
        type: 'AWS::ControlTower::EnabledControl',
        apply: (r) => {
          const previous = r.previousPhysicalId
            ? [...this.controls.values()].find(
                (c) => `${c.controlIdentifier}|${c.targetIdentifier}` === r.previousPhysicalId,
              )
            : undefined;
          return this.enableControl({
            ...r,
            ...(previous ? { previousPhysicalId: previous.arn } : {}),
          } as ProvidedResource);
        },
        remove: (r) => {
          const control = [...this.controls.values()].find(
            (c) => `${c.controlIdentifier}|${c.targetIdentifier}` === r.physicalId,
          );
          if (!control) return;
          this.controls.delete(control.arn);
          this.operation('DISABLE_CONTROL', {
            controlIdentifier: control.controlIdentifier,
            targetIdentifier: control.targetIdentifier,
            enabledControlIdentifier: control.arn,
          });
        },
      },
    ];
  }

  // ---------------------------------------------------------------- the API

  onListLandingZones(input: Json, account: string) {
    if (input.maxResults !== undefined && Number(input.maxResults) !== 1)
      throw validation('maxResults must be 1');
    const zones = [...this.landingZones.values()].filter((z) => z.account === account);
    const { items, nextToken } = this.page(zones, input, 'ListLandingZones', 1);
    return { landingZones: items.map((z) => ({ arn: z.arn })), ...(nextToken ? { nextToken } : {}) };
  }

  onGetLandingZone(input: Json, account: string) {
    if (!input.landingZoneIdentifier) throw validation('landingZoneIdentifier is required');
    const id = String(input.landingZoneIdentifier);
    const zone = [...this.landingZones.values()].find(
      (z) => z.account === account && (z.arn === id || z.arn.endsWith(`/${id}`)),
    );
    if (!zone) throw notFound(`Landing zone ${id} does not exist`);
    return {
      landingZone: {
        arn: zone.arn,
        version: zone.version,
        status: zone.status,
        latestAvailableVersion: this.options.latestVersion ?? '4.0',
        driftStatus: { status: zone.driftStatus },
        manifest: zone.manifest,
      },
    };
  }

  /** The OU baselines and, with includeChildren, one child per account of each OU. */
  private allBaselines(account: string, includeChildren: boolean): Json[] {
    const out: Json[] = [];
    for (const b of this.baselines.values()) {
      if (b.account !== account) continue;
      out.push({
        arn: b.arn,
        baselineIdentifier: b.baselineIdentifier,
        baselineVersion: b.baselineVersion,
        targetIdentifier: b.targetIdentifier,
        statusSummary: { status: 'SUCCEEDED', lastOperationIdentifier: `op-${b.arn.split('/').pop()}` },
        driftStatusSummary: { types: { inheritance: { status: 'IN_SYNC' } } },
      });
      if (!includeChildren) continue;
      for (const id of this.accountsIn(ouIdOf(b.targetIdentifier)))
        out.push({
          arn: `${b.arn}-${id}`,
          baselineIdentifier: b.baselineIdentifier,
          baselineVersion: b.baselineVersion,
          targetIdentifier: this.accountArn(id),
          parentIdentifier: b.arn,
          statusSummary: { status: 'SUCCEEDED' },
        });
    }
    return out;
  }

  onListEnabledBaselines(input: Json, account: string) {
    const max = input.maxResults;
    if (max !== undefined && !(Number(max) >= 5 && Number(max) <= 100))
      throw validation('maxResults must be between 5 and 100');
    const filter = input.filter ?? {};
    const matches = (key: string, value: string | undefined) => {
      const wanted = list<string>(filter[key]);
      return wanted.length === 0 || (value !== undefined && wanted.includes(value));
    };
    const all = this.allBaselines(account, input.includeChildren === true).filter(
      (b) =>
        matches('baselineIdentifiers', b.baselineIdentifier) &&
        matches('targetIdentifiers', b.targetIdentifier) &&
        matches('parentIdentifiers', b.parentIdentifier) &&
        matches('statuses', b.statusSummary.status),
    );
    const { items, nextToken } = this.page(all, input, 'ListEnabledBaselines');
    return { enabledBaselines: items, ...(nextToken ? { nextToken } : {}) };
  }

  onListEnabledControls(input: Json, account: string) {
    const target = input.targetIdentifier ? String(input.targetIdentifier) : undefined;
    if (target && !/^arn:aws[\w-]*:organizations::\d{12}:ou\//.test(target))
      throw validation(`targetIdentifier ${target} is not an organizational unit ARN`);
    const all = [...this.controls.values()]
      .filter((c) => c.account === account && (!target || c.targetIdentifier === target))
      .map((c) => ({
        arn: c.arn,
        controlIdentifier: c.controlIdentifier,
        targetIdentifier: c.targetIdentifier,
        statusSummary: { status: 'SUCCEEDED' },
        driftStatusSummary: { driftStatus: 'IN_SYNC' },
      }));
    const { items, nextToken } = this.page(all, input, 'ListEnabledControls', 200);
    return { enabledControls: items, ...(nextToken ? { nextToken } : {}) };
  }

  private operationView(o: ControlOperationRecord) {
    return {
      operationIdentifier: o.operationIdentifier,
      operationType: o.operationType,
      status: o.status,
      ...(o.statusMessage ? { statusMessage: o.statusMessage } : {}),
      startTime: o.startTime.toISOString(),
      ...(o.endTime ? { endTime: o.endTime.toISOString() } : {}),
      ...(o.controlIdentifier ? { controlIdentifier: o.controlIdentifier } : {}),
      ...(o.targetIdentifier ? { targetIdentifier: o.targetIdentifier } : {}),
      ...(o.enabledControlIdentifier ? { enabledControlIdentifier: o.enabledControlIdentifier } : {}),
    };
  }

  onGetControlOperation(input: Json) {
    const o = this.operations.find((x) => x.operationIdentifier === input.operationIdentifier);
    if (!o) throw notFound(`Control operation ${input.operationIdentifier} does not exist`);
    const {
      controlIdentifier: _c,
      targetIdentifier: _t,
      enabledControlIdentifier: _e,
      ...rest
    } = this.operationView(o);
    return { controlOperation: rest };
  }

  onListControlOperations(input: Json) {
    const filter = input.filter ?? {};
    const statuses = list<string>(filter.statuses);
    const types = list<string>(filter.controlOperationTypes);
    const targets = list<string>(filter.targetIdentifiers);
    const all = this.operations
      .filter(
        (o) =>
          (statuses.length === 0 || statuses.includes(o.status)) &&
          (types.length === 0 || types.includes(o.operationType)) &&
          (targets.length === 0 ||
            (o.targetIdentifier !== undefined && targets.includes(o.targetIdentifier))),
      )
      .map((o) => this.operationView(o));
    const { items, nextToken } = this.page(all, input, 'ListControlOperations');
    return { controlOperations: items, ...(nextToken ? { nextToken } : {}) };
  }

  /** Starts a control operation that stays IN_PROGRESS until `finishOperation` (for status tests). */
  startOperation(extra: Partial<ControlOperationRecord> = {}): string {
    const id = this.operation('ENABLE_CONTROL', extra);
    const o = this.operations.find((x) => x.operationIdentifier === id)!;
    o.status = 'IN_PROGRESS';
    delete o.endTime;
    return id;
  }

  finishOperation(id: string, status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED', message?: string): void {
    const o = this.operations.find((x) => x.operationIdentifier === id);
    if (!o) throw new Error(`no operation ${id}`);
    o.status = status;
    o.endTime = new Date();
    if (message) o.statusMessage = message;
  }
}

const HANDLERS: Record<
  string,
  (this: FakeControlTower, input: Json, account: string, region: string) => unknown
> = {
  'list-landingzones': FakeControlTower.prototype.onListLandingZones,
  'get-landingzone': FakeControlTower.prototype.onGetLandingZone,
  'list-enabled-baselines': FakeControlTower.prototype.onListEnabledBaselines,
  'list-enabled-controls': FakeControlTower.prototype.onListEnabledControls,
  'get-control-operation': FakeControlTower.prototype.onGetControlOperation,
  'list-control-operations': FakeControlTower.prototype.onListControlOperations,
};
