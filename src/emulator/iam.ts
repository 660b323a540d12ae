/**
 * The IAM calls estate makes for the budget action's execution role, at the SDK command
 * level, like the service: roles keyed by name with an ARN in the caller's account,
 * inline policies per role, policy documents answered URL-encoded (as IAM does),
 * NoSuchEntityException for a missing role or policy, EntityAlreadyExistsException for a
 * second CreateRole, MalformedPolicyDocumentException for a document that is not JSON,
 * and (with `propagationChecks`) a new role that other services cannot use at once.
 * With `stackRoles` (FakeCloudFormation's role table) GetRole also finds the roles stacks
 * created (`AWS::IAM::Role`, with their Path), as IAM does.
 * The emulator serves it over the Query protocol (error codes without "Exception").
 */
import { cloneState, refill } from './state.js';

type Input = Record<string, any>;

/** IAM's own roles (with inline policies), the id counter and propagation left. */
export interface IamState {
  readonly roles: Map<string, StoredRole>;
  readonly seq: number;
  readonly propagating: Map<string, number>;
}

interface StoredRole {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  CreateDate: Date;
  Description?: string;
  AssumeRolePolicyDocument: string;
  policies: Map<string, string>;
}

const fail = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });

function checkDocument(document: unknown): string {
  if (typeof document !== 'string')
    throw fail('MalformedPolicyDocumentException', 'policy document is missing');
  try {
    JSON.parse(document);
  } catch {
    throw fail('MalformedPolicyDocumentException', 'Syntax errors in policy.');
  }
  return document;
}

/** The roles CloudFormation stacks created: `${account}/${name}` → trust policy, and their paths. */
export interface StackRoles {
  readonly roles: ReadonlyMap<string, unknown>;
  readonly rolePaths: ReadonlyMap<string, string>;
}

export class FakeIam {
  readonly roles = new Map<string, StoredRole>();
  /** Every call in order: operation and input. */
  readonly log: { op: string; input: Input }[] = [];
  private seq = 0;
  /** How many more times each new role reads as unusable to other services. */
  private readonly propagating = new Map<string, number>();

  /**
   * `propagationChecks`: a new role is refused by other services (AWS Budgets) this many
   * times before it is usable, as IAM's eventual consistency does. @default 0
   */
  constructor(
    readonly accountId: string,
    readonly options: { readonly propagationChecks?: number; readonly stackRoles?: StackRoles } = {},
  ) {}

  /** The roles created through IAM (stacks' roles live in FakeCloudFormation's snapshot). */
  snapshot(): IamState {
    return cloneState({ roles: this.roles, seq: this.seq, propagating: this.propagating });
  }

  restore(state: IamState): void {
    const s = cloneState(state);
    refill(this.roles, s.roles);
    refill(this.propagating, s.propagating);
    this.seq = s.seq;
  }

  /** A role a stack created in this account, as IAM would describe it. */
  private stackRole(name: string): StoredRole | undefined {
    const key = `${this.accountId}/${name}`;
    const stacks = this.options.stackRoles;
    if (!stacks?.roles.has(key)) return undefined;
    const path = stacks.rolePaths.get(key) ?? '/';
    return {
      RoleName: name,
      RoleId: `AROACFN${name.length.toString().padStart(13, '0')}`,
      Arn: `arn:aws:iam::${this.accountId}:role${path}${name}`,
      Path: path,
      CreateDate: new Date('2026-01-01T00:00:00Z'),
      AssumeRolePolicyDocument: JSON.stringify(stacks.roles.get(key) ?? {}),
      policies: new Map(),
    };
  }

  /** Whether a role of that name exists under `path` (IAM's own or a stack's). */
  hasRole(name: string, path = '/'): boolean {
    const role = this.roles.get(name) ?? this.stackRole(name);
    return role?.Path === path;
  }

  /** Whether another service can use the role now (it exists and has propagated). */
  usable(arn: string): boolean {
    const role = [...this.roles.values()].find((r) => r.Arn === arn);
    if (!role) return false;
    const left = this.propagating.get(role.RoleName) ?? 0;
    if (left <= 0) return true;
    this.propagating.set(role.RoleName, left - 1);
    return false;
  }

  /** Seeds a role as if someone created it. */
  seed(name: string, trustPolicy: string, policies: Record<string, string> = {}): void {
    this.onCreateRole({ RoleName: name, AssumeRolePolicyDocument: trustPolicy });
    for (const [policyName, document] of Object.entries(policies))
      this.onPutRolePolicy({ RoleName: name, PolicyName: policyName, PolicyDocument: document });
  }

  mutations(): string[] {
    return this.log.filter((l) => !/^Get/.test(l.op)).map((l) => `${l.op} ${l.input.RoleName}`);
  }

  async send(command: { constructor: { name: string }; input?: Input }): Promise<any> {
    const op = command.constructor.name.replace(/Command$/, '');
    const input = structuredClone(command.input ?? {});
    this.log.push({ op, input });
    const handler = (this as unknown as Record<string, (i: Input) => unknown>)[`on${op}`];
    if (!handler) throw fail('InvalidAction', `FakeIam does not implement ${op}`);
    return { $metadata: {}, ...(handler.call(this, input) as object) };
  }

  private need(name: string): StoredRole {
    const role = this.roles.get(name) ?? this.stackRole(name);
    if (!role) throw fail('NoSuchEntityException', `The role with name ${name} cannot be found.`);
    return role;
  }

  private view(role: StoredRole) {
    const { policies: _p, AssumeRolePolicyDocument, ...rest } = role;
    return { ...rest, AssumeRolePolicyDocument: encodeURIComponent(AssumeRolePolicyDocument) };
  }

  onGetRole(input: Input) {
    return { Role: this.view(this.need(input.RoleName)) };
  }

  onCreateRole(input: Input) {
    if (this.roles.has(input.RoleName) || this.stackRole(input.RoleName))
      throw fail('EntityAlreadyExistsException', `Role with name ${input.RoleName} already exists.`);
    const path = input.Path ?? '/';
    const role: StoredRole = {
      RoleName: input.RoleName,
      RoleId: `AROAFAKE${String(++this.seq).padStart(12, '0')}`,
      Arn: `arn:aws:iam::${this.accountId}:role${path}${input.RoleName}`,
      Path: path,
      CreateDate: new Date('2026-01-01T00:00:00Z'),
      ...(input.Description ? { Description: input.Description } : {}),
      AssumeRolePolicyDocument: checkDocument(input.AssumeRolePolicyDocument),
      policies: new Map(),
    };
    this.roles.set(role.RoleName, role);
    this.propagating.set(role.RoleName, this.options.propagationChecks ?? 0);
    return { Role: this.view(role) };
  }

  onUpdateAssumeRolePolicy(input: Input) {
    this.need(input.RoleName).AssumeRolePolicyDocument = checkDocument(input.PolicyDocument);
    return {};
  }

  onPutRolePolicy(input: Input) {
    this.need(input.RoleName).policies.set(input.PolicyName, checkDocument(input.PolicyDocument));
    return {};
  }

  onGetRolePolicy(input: Input) {
    const document = this.need(input.RoleName).policies.get(input.PolicyName);
    if (document === undefined)
      throw fail('NoSuchEntityException', `The role policy with name ${input.PolicyName} cannot be found.`);
    return {
      RoleName: input.RoleName,
      PolicyName: input.PolicyName,
      PolicyDocument: encodeURIComponent(document),
    };
  }
}

/** The FakeIam as the emulator's IAM (Query protocol, API version 2010-05-08). */
export function iamQueryService(iam: FakeIam) {
  return {
    version: '2010-05-08',
    namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    send: (c: { input: Record<string, unknown>; constructor: { name: string } }) => iam.send(c),
  };
}
