/**
 * SSM Parameter Store as the CDK bootstrap version check and estate use it: String,
 * StringList and SecureString parameters per (account, region), versions counted from 1,
 * `ParameterNotFound` for a missing name, `ParameterAlreadyExists` for a PutParameter without
 * Overwrite, GetParameters answering unknown names in `InvalidParameters`. The emulator serves
 * it over awsJson1_1 (X-Amz-Target AmazonSSM.*); CloudFormation's fake writes it for
 * AWS::SSM::Parameter resources and reads it for `AWS::SSM::Parameter::Value<…>` parameters.
 */
import type { ServiceCommand } from './aws-emulator.js';

type Input = Record<string, any>;

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
