import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_EXAMPLE } from '../src/config/loader.js';
import { defaultTemplatesDir } from '../src/core/org/policies.js';
import { policiesDir } from '../src/core/budgets/policy-document.js';
import { sampleApiCodePath } from '../src/blueprints/paths.js';
import { packageRoot, packageVersion, templatePath } from '../src/package.js';

describe('the package root', () => {
  it("is the folder of estate's package.json, with its version", () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
    expect(manifest.name).toBe('estate');
    expect(packageVersion()).toBe(manifest.version);
  });

  it('is where every shipped template is looked up', () => {
    const templates = join(packageRoot(), 'templates');
    expect(templatePath('policies')).toBe(join(templates, 'policies'));
    expect(defaultTemplatesDir()).toBe(join(templates, 'policies'));
    expect(policiesDir()).toBe(join(templates, 'policies'));
    expect(sampleApiCodePath()).toBe(join(templates, 'app', 'api'));
    expect(BUNDLED_EXAMPLE).toBe(join(templates, 'examples', 'recall', 'estate.yaml'));
    for (const p of [defaultTemplatesDir(), sampleApiCodePath(), BUNDLED_EXAMPLE])
      expect(existsSync(p), p).toBe(true);
  });
});
