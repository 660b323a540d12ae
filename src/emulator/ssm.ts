/**
 * SSM Parameter Store as the CDK bootstrap version check and estate use it: String,
 * StringList and SecureString parameters per (account, region), versions counted from 1,
 * `ParameterNotFound` for a missing name, `ParameterAlreadyExists` for a PutParameter without
 * Overwrite, GetParameters answering unknown names in `InvalidParameters`, GetParametersByPath
 * (Recursive or one level, MaxResults 1–10, an opaque NextToken; a page may be short with a
 * token, as AWS's are), DeleteParameters (1–10 names, unknown ones in `InvalidParameters`). The emulator serves
 * it over awsJson1_1 (X-Amz-Target AmazonSSM.*); CloudFormation's fake writes it for
 * AWS::SSM::Parameter resources and reads it for `AWS::SSM::Parameter::Value<…>` parameters.
 */
import type { ServiceCommand } from './server.js';

import { cloneState, refill } from './state.js';

type Input = Record<string, any>;

/** Every parameter by `${account}/${region}` and name (versions and dates as they are). */
export interface SsmState {
  readonly stores: Map<string, Map<string, StoredParameter>>;
}

export interface StoredParameter {
  readonly Name: string;
  readonly Type: string;
  readonly Value: string;
  readonly Version: number;
  readonly LastModifiedDate: Date;
  readonly DataType: string;
  readonly ARN: string;
  readonly Description?: string;
}

const fail = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });

const DEFAULT_REGION = 'us-east-1';

export class FakeSsm {
  /** `${account}/${region}` → name → parameter. */
  private readonly stores = new Map<string, Map<string, StoredParameter>>();
  readonly log: { op: string; input: Input; account: string; region: string }[] = [];

  constructor(readonly options: { readonly defaultAccount?: string } = {}) {}

  snapshot(): SsmState {
    return cloneState({ stores: this.stores });
  }

  restore(state: SsmState): void {
    refill(this.stores, cloneState(state).stores);
  }

  private store(account: string, region: string): Map<string, StoredParameter> {
    const key = `${account}/${region}`;
    let store = this.stores.get(key);
    if (!store) this.stores.set(key, (store = new Map()));
    return store;
  }

  /** The parameter, if set in that account and region. */
  get(account: string, region: string, name: string): StoredParameter | undefined {
    return this.store(account, region).get(name);
  }

  put(
    account: string,
    region: string,
    input: { Name: string; Value: string; Type?: string; Overwrite?: boolean; Description?: string },
  ): StoredParameter {
    const store = this.store(account, region);
    const existing = store.get(input.Name);
    if (typeof input.Name !== 'string' || input.Name === '')
      throw fail('ValidationException', 'Parameter name must not be empty.');
    if (typeof input.Value !== 'string')
      throw fail('ValidationException', `Value for parameter ${input.Name} is missing.`);
    if (existing && !input.Overwrite)
      throw fail(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    const stored: StoredParameter = {
      Name: input.Name,
      Type: input.Type ?? existing?.Type ?? 'String',
      Value: input.Value,
      Version: (existing?.Version ?? 0) + 1,
      LastModifiedDate: new Date(),
      DataType: 'text',
      ARN: `arn:aws:ssm:${region}:${account}:parameter/${input.Name.replace(/^\//, '')}`,
      ...(input.Description ? { Description: input.Description } : {}),
    };
    store.set(input.Name, stored);
    return stored;
  }

  delete(account: string, region: string, name: string): boolean {
    return this.store(account, region).delete(name);
  }

  /** Every parameter name in that account and region, sorted. */
  names(account: string, region: string): string[] {
    return [...this.store(account, region).keys()].sort();
  }

  /** GetParametersByPath pages hold at most this many (and the first page one fewer: short pages happen). */
  pageSize = 10;

  async send(command: ServiceCommand): Promise<any> {
    const op = command.constructor.name.replace(/Command$/, '');
    const input = structuredClone(command.input ?? {});
    const account = command.account ?? this.options.defaultAccount ?? '000000000000';
    const region = command.region ?? DEFAULT_REGION;
    this.log.push({ op, input, account, region });
    const view = (p: StoredParameter) => ({
      Name: p.Name,
      Type: p.Type,
      Value: p.Value,
      Version: p.Version,
      LastModifiedDate: p.LastModifiedDate,
      ARN: p.ARN,
      DataType: p.DataType,
    });
    switch (op) {
      case 'GetParameter': {
        const p = this.get(account, region, String(input.Name));
        if (!p) throw fail('ParameterNotFound', `Parameter ${String(input.Name)} not found.`);
        return { Parameter: view(p) };
      }
      case 'GetParameters': {
        const names = (input.Names ?? []) as string[];
        if (names.length < 1 || names.length > 10)
          throw fail(
            'ValidationException',
            `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10`,
          );
        const found = names.map((n) => this.get(account, region, n)).filter((p) => !!p);
        return {
          Parameters: found.map(view),
          InvalidParameters: names.filter((n) => !this.get(account, region, n)),
        };
      }
      case 'PutParameter': {
        const p = this.put(account, region, input as never);
        return { Version: p.Version, Tier: 'Standard' };
      }
      case 'GetParametersByPath': {
        const path = String(input.Path ?? '');
        if (!path.startsWith('/'))
          throw fail('ValidationException', `The parameter doesn't meet the parameter name requirements.`);
        const max = input.MaxResults === undefined ? 10 : Number(input.MaxResults);
        if (!Number.isInteger(max) || max < 1 || max > 10)
          throw fail(
            'ValidationException',
            `1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10`,
          );
        const prefix = path.endsWith('/') ? path : `${path}/`;
        const recursive = input.Recursive === true || String(input.Recursive) === 'true';
        const matching = this.names(account, region).filter(
          (n) => n.startsWith(prefix) && (recursive || !n.slice(prefix.length).includes('/')),
        );
        let start = 0;
        if (input.NextToken !== undefined) {
          const parsed = /^page:(\d+):(.*)$/.exec(String(input.NextToken));
          if (!parsed || parsed[2] !== path)
            throw fail('InvalidNextToken', 'The specified token is not valid.');
          start = Number(parsed[1]);
        }
        // The first page is one short when there is more than one: callers must follow NextToken.
        const size =
          start === 0 && matching.length > Math.min(max, this.pageSize)
            ? Math.min(max, this.pageSize) - 1
            : Math.min(max, this.pageSize);
        const page = matching.slice(start, start + Math.max(size, 1));
        const next = start + page.length;
        return {
          Parameters: page.map((n) => view(this.get(account, region, n)!)),
          ...(next < matching.length ? { NextToken: `page:${next}:${path}` } : {}),
        };
      }
      case 'DeleteParameters': {
        const names = (input.Names ?? []) as string[];
        if (names.length < 1 || names.length > 10)
          throw fail(
            'ValidationException',
            `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10`,
          );
        const deleted = names.filter((n) => this.delete(account, region, n));
        return { DeletedParameters: deleted, InvalidParameters: names.filter((n) => !deleted.includes(n)) };
      }
      case 'DeleteParameter': {
        if (!this.delete(account, region, String(input.Name)))
          throw fail('ParameterNotFound', `Parameter ${String(input.Name)} not found.`);
        return {};
      }
      default:
        throw fail('UnknownOperationException', `AmazonSSM.${op} is not emulated`);
    }
  }
}
