/**
 * bench/deploy-noop: re-deploying an environment that has not changed (data, auth, api-lambda:
 * three stacks, one Lambda code asset) with `estate env deploy`, against `cdk deploy` (the
 * aws-cdk CLI in devDependencies) of the very assembly estate synthesised, both through their
 * built binaries against the loopback emulator. estate decides "unchanged" from the live
 * template, parameters and tags before loading toolkit-lib; cdk compares each stack after its
 * start-up. Each tool re-deploys stacks it left itself: estate env-0 in one account; cdk the
 * assembly estate synthesised for env-1 in another, after one untimed `cdk deploy` that gives
 * those stacks cdk's tags (the manifest's, without estate's deploy-time ones).
 *
 *   node --import tsx bench/deploy-noop.ts [--runs 5]      (needs `npm run build`)
 */
import { join } from 'node:path';
import { emulatedEstate } from '../test/_helpers/estate-emulator.js';
import { ROOT } from '../test/_helpers/cli.js';
import { fanoutConfig, median, seconds, timedCli } from './deploy-fanout.js';

const MGMT = '111111111111';
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] ?? 5) || 5;

const cloud = await emulatedEstate(fanoutConfig(2), MGMT);
try {
  const first = await timedCli(
    ['env', 'deploy', 'env-0', 'env-1', '--yes', '--approve', 'never', '--json'],
    cloud.env,
    cloud.dir,
  );
  if (first.code !== 0) throw new Error(`first deploy exited ${first.code}: ${first.stdout}${first.stderr}`);
  const updated = (accountId: string, env: string) =>
    JSON.stringify(
      ['data', 'auth', 'api-lambda'].map(
        (b) =>
          cloud.cloudformation.stack(accountId, 'eu-west-2', `${env}-${b}`)!.updated?.toISOString() ?? '',
      ),
    );
  const before = updated('400000000000', 'env-0');

  const estateTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await timedCli(
      ['env', 'deploy', 'env-0', '--yes', '--approve', 'never', '--json'],
      cloud.env,
      cloud.dir,
    );
    const doc = JSON.parse(r.stdout) as { environments: { status: string }[] };
    if (r.code !== 0 || doc.environments[0]!.status !== 'unchanged')
      throw new Error(`estate re-deploy was not a no-op: ${r.stdout}`);
    estateTimes.push(r.ms);
  }

  const cdk = join(ROOT, 'node_modules/aws-cdk/bin/cdk');
  const cdkArgs = [
    'deploy',
    '--app',
    join(cloud.dir, 'cdk.out/env-1'),
    '--all',
    '--require-approval',
    'never',
    '--ci',
  ];
  const settle = await timedCli(cdkArgs, cloud.env, cloud.dir, cdk);
  if (settle.code !== 0) throw new Error(`cdk deploy exited ${settle.code}: ${settle.stderr}`);
  const cdkBefore = updated('400000000001', 'env-1');
  const cdkTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await timedCli(cdkArgs, cloud.env, cloud.dir, cdk);
    if (r.code !== 0) throw new Error(`cdk deploy exited ${r.code}: ${r.stderr}`);
    cdkTimes.push(r.ms);
  }
  if (updated('400000000000', 'env-0') !== before || updated('400000000001', 'env-1') !== cdkBefore)
    throw new Error('a stack was updated: the runs were not no-ops');

  console.log('| tool | runs | min | median | max |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, t] of [
    ['estate env deploy', estateTimes],
    ['cdk deploy --all', cdkTimes],
  ] as const)
    console.log(
      `| ${name} | ${runs} | ${seconds(Math.min(...t))} | ${seconds(median(t))} | ${seconds(Math.max(...t))} |`,
    );
  console.log(`\nestate ÷ cdk (medians): ${(median(estateTimes) / median(cdkTimes)).toFixed(2)}`);
} finally {
  await cloud.close();
}
