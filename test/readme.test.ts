import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './_helpers/cli.js';

interface ManifestCommand {
  id: string;
  flags: Record<string, { name: string; hidden?: boolean }>;
}

describe('README', () => {
  it('documents every command and flag (run `npm run readme` after changing them)', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const manifest = JSON.parse(await readFile(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, ManifestCommand>;
    };
    const ids = Object.keys(manifest.commands);
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) {
      const name = id.replaceAll(':', ' ');
      const start = readme.indexOf(`## \`estate ${name}`);
      expect(start, `README has no section for estate ${name}: run npm run readme`).toBeGreaterThan(-1);
      const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
      for (const flag of Object.values(manifest.commands[id]!.flags)) {
        if (flag.hidden) continue;
        expect(
          section,
          `README section of estate ${name} lacks --${flag.name}: run npm run readme`,
        ).toContain(`--${flag.name}`);
      }
    }
  });

  it('names the two Quick-start commands, and CI runs the test one', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    const ci = await readFile(join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
  });
});
