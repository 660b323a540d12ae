#!/usr/bin/env node
// `npm test`: everything CI must prove — the build works, the types check, the lint passes,
// every test passes. The build goes first and alone (it is on the critical path: the smoke
// tests spawn the built binary); then the tests run with the type check and the lint beside
// them, which need nothing from the build and use the CPU the tests leave while they wait on
// I/O and timers. The tests stream as they run; the other steps print their output whole when
// they end. Any failure fails the run.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs one npm script; resolves with its exit code and, when buffered, its output. */
function script(name, { stream = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', '--silent', name], {
      cwd: root,
      stdio: stream ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('error', (error) => resolve({ name, code: 1, output: `${output}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output }));
  });
}

const started = Date.now();
const report = (r) => {
  if (r.output) process.stdout.write(r.output.endsWith('\n') ? r.output : `${r.output}\n`);
  process.stdout.write(
    `${r.code === 0 ? '✔' : '✖'} ${r.name} (${((Date.now() - started) / 1000).toFixed(0)}s)\n`,
  );
  return r;
};

const built = report(await script('build'));
const steps = [
  ...(built.code === 0 ? [script('test:unit', { stream: true }).then(report)] : []),
  ...['typecheck', 'lint'].map((name) => script(name).then(report)),
];
const results = [built, ...(await Promise.all(steps))];
const failed = results.filter((r) => r.code !== 0);
if (failed.length) {
  process.stderr.write(`npm test failed: ${failed.map((r) => r.name).join(', ')}\n`);
  process.exit(1);
}
