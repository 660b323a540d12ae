/**
 * bench/reap: `estate env reap` over 100 environments in 10 emulated accounts, through the
 * built CLI (`bin/run.js`, so `npm run build` first) and the loopback emulator. Each run seeds a
 * fresh emulator: per account 10 environments of two stacks each (a stateful one and a
 * stateless one that depends on it), of which 5 have expired, 2 are orphans (not in
 * estate.yaml) deployed 3 days ago, and 3 are alive. A reap destroys 70 environments (140
 * stacks); the bench reports wall time and the AWS calls by service and action.
 *
 *   node --import tsx bench/reap.ts [--runs 3] [--accounts 10] [--per-account 10]
 */
import { emulatedEstate } from '../test/_helpers/estate-emulator.js';
import { median, seconds, timedCli } from './deploy-fanout.js';

const MGMT = '111111111111';
const REGION = 'eu-west-2';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

interface Seeded {
  readonly account: string;
  readonly accountId: string;
  readonly environment: string;
  readonly declared: boolean;
  readonly expiresAt?: string;
  readonly deployedAt: string;
}

export function reapEstate(accounts: number, perAccount: number, now: Date) {
  const hour = 3_600_000;
  const names = Array.from({ length: accounts }, (_, i) => `dev-${String(i).padStart(2, '0')}`);
  const seeded: Seeded[] = names.flatMap((account, a) =>
    Array.from({ length: perAccount }, (_, e): Seeded => {
      const kind = e % 10;
      const expired = kind < 5;
      const orphan = kind === 5 || kind === 6;
      return {
        account,
        accountId: String(400_000_000_000 + a),
        environment: `${orphan ? 'pr' : 'env'}-${a}-${e}`,
        declared: !orphan,
        deployedAt: new Date(now.getTime() - 72 * hour).toISOString(),
        ...(expired ? { expiresAt: new Date(now.getTime() - hour).toISOString() } : {}),
        ...(!expired && !orphan ? { expiresAt: new Date(now.getTime() + 48 * hour).toISOString() } : {}),
      };
    }),
  );
  const config = {
    version: 1,
    organization: {
      name: 'bench',
      managementAccountId: MGMT,
      homeRegion: REGION,
      governedRegions: [REGION],
      emailPattern: 'aws+{account}@bench.example.com',
    },
    organizationalUnits: [{ name: 'Developers' }],
    accounts: names.map((name, i) => ({
      name,
      kind: 'developer',
      ou: 'Developers',
      id: String(400_000_000_000 + i),
    })),
    environments: seeded
      .filter((s) => s.declared)
      .map((s) => ({
        name: s.environment,
        account: s.account,
        blueprints: ['data', 'auth', 'api-lambda'],
        size: 'dev',
        owner: 'bench@bench.example.com',
        ttl: '72h',
      })),
  };
  return { config, seeded };
}

const template = (resource: object) => JSON.stringify({ Resources: { Thing: resource } });

async function seed(
  cfn: Awaited<ReturnType<typeof emulatedEstate>>['cloudformation'],
  s: Seeded,
): Promise<void> {
  const tags = (blueprint: string) =>
    Object.entries({
      'estate:env': s.environment,
      'estate:blueprint': blueprint,
      'estate:profile': 'dev',
      'estate:protected': 'false',
      'estate:owner': 'bench@bench.example.com',
      'estate:deployed-at': s.deployedAt,
      ...(s.expiresAt ? { 'estate:expires-at': s.expiresAt } : {}),
    }).map(([Key, Value]) => ({ Key, Value }));
  const send = (input: Record<string, unknown>) =>
    cfn.send({ constructor: { name: 'CreateStackCommand' }, input, account: s.accountId, region: REGION });
  await send({
    StackName: `${s.environment}-data`,
    TemplateBody: template({ Type: 'AWS::SNS::Topic', Properties: {} }),
    Tags: tags('data'),
  });
  await send({
    StackName: `${s.environment}-api-lambda`,
    TemplateBody: template({ Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'x' } }),
    Tags: tags('api-lambda'),
  });
}

async function once(accounts: number, perAccount: number) {
  const now = new Date();
  const { config, seeded } = reapEstate(accounts, perAccount, now);
  const estate = await emulatedEstate(config, MGMT);
  try {
    for (const s of seeded) await seed(estate.cloudformation, s);
    const before = estate.emulator.requests.length;
    const r = await timedCli(
      ['env', 'reap', '--json', '--max', String(seeded.length)],
      estate.env,
      estate.dir,
    );
    if (r.code !== 0)
      throw new Error(`env reap exited ${r.code}\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
    const calls = new Map<string, number>();
    for (const q of estate.emulator.requests.slice(before)) {
      const key = q.target
        .replace(/ .*$/, '')
        .replace(/^s3\.(\w+).*/, 's3.$1')
        .replace(/^2010-05-15\./, 'CloudFormation.');
      calls.set(key, (calls.get(key) ?? 0) + 1);
    }
    const result = JSON.parse(r.stdout) as { reaped?: unknown[] };
    return { ms: r.ms, calls, reaped: result.reaped?.length ?? 0 };
  } finally {
    await estate.close();
  }
}

async function main() {
  const runs = Number(arg('runs', '3'));
  const accounts = Number(arg('accounts', '10'));
  const perAccount = Number(arg('per-account', '10'));
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof once>> | undefined;
  for (let i = 0; i < runs; i++) {
    last = await once(accounts, perAccount);
    times.push(last.ms);
  }
  console.log(
    `reap ${accounts * perAccount} environments in ${accounts} accounts: median ${seconds(median(times))} over ${runs} runs (${times.map(seconds).join(', ')}); reaped ${last!.reaped}`,
  );
  const total = [...last!.calls.values()].reduce((a, b) => a + b, 0);
  console.log(`AWS calls in the last run: ${total}`);
  for (const [key, n] of [...last!.calls].sort((a, b) => b[1] - a[1]))
    console.log(`  ${key.padEnd(48)} ${n}`);
}

await main();
