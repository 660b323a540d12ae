#!/usr/bin/env node
// `npm run start:offline`: what estate does with no AWS account and no sandbox, on the bundled
// example estate: validate it, graph it, plan it offline, synthesise a blueprint. Each step is a
// real CLI invocation, exactly as a user would type it. (`npm start` runs the whole story against
// a sandbox: scripts/start.js.)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const example = 'templates/examples/recall/estate.yaml';

if (!existsSync(join(root, 'dist/commands')) || !existsSync(join(root, 'oclif.manifest.json'))) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const steps = [
  ['config', 'validate', '--config', example],
  ['graph', '--config', example],
];
for (const [command, ...rest] of [
  ['plan', '--offline', '--config', example],
  ['blueprint', 'synth', 'alice', '--config', example],
]) {
  // Later capabilities join the main job as their commands land.
  if (
    existsSync(join(root, 'dist/commands', `${command}.js`)) ||
    existsSync(join(root, 'dist/commands', command, `${rest[0]}.js`))
  )
    steps.push([command, ...rest]);
}

for (const args of steps) {
  process.stderr.write(`\n$ estate ${args.join(' ')}\n`);
  const run = spawnSync(process.execPath, [join(root, 'bin/run.js'), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
