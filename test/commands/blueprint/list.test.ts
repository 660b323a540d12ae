import { describe, expect, it } from 'vitest';
import { estate } from '../../_helpers/cli.js';

describe('estate blueprint list', () => {
  it('prints every blueprint with its settings and defaults as one JSON document', async () => {
    const r = await estate(['blueprint', 'list', '--json']);
    expect(r.code).toBe(0);
    const { blueprints } = JSON.parse(r.stdout);
    expect(blueprints.map((b: { name: string }) => b.name)).toEqual([
      'edge',
      'auth',
      'data',
      'api-lambda',
      'api-eks',
      'ai',
      'observability',
    ]);
    const lambda = blueprints.find((b: { name: string }) => b.name === 'api-lambda');
    expect(lambda.settings).toContainEqual(
      expect.objectContaining({ name: 'memoryMb', type: 'integer', default: { dev: 256, prod: 512 } }),
    );
    expect(blueprints.find((b: { name: string }) => b.name === 'edge').region).toBe('us-east-1');
    expect(lambda).toMatchObject({ role: 'stateless', prodRetains: expect.stringMatching(/log group/) });
    expect(blueprints.find((b: { name: string }) => b.name === 'edge')).toMatchObject({
      role: 'stateful',
      statelessWhen: expect.stringMatching(/fronts the API/),
    });
  });

  it('says whether each stack is kept off-hours or deleted and re-created, and what prod retains', async () => {
    const data = await estate(['blueprint', 'list', 'data']);
    expect(data.stdout).toMatch(
      /^ {2}stateful \(kept off-hours\): holds the application's data .*; prod retains every table/m,
    );
    const api = await estate(['blueprint', 'list', 'api-eks']);
    expect(api.stdout).toMatch(/^ {2}stateless \(deleted off-hours and re-created\): holds no data/m);
  });

  it('shows one blueprint as text', async () => {
    const r = await estate(['blueprint', 'list', 'ai']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ai {2}→ {2}stack <env>-ai in the environment region/);
    expect(r.stdout).toMatch(/modelIds\s+string\[\]\s+default \["anthropic\.claude-3-haiku-20240307-v1:0"\]/);
    expect(r.stdout).not.toContain('edge');
  });

  it('exits 2 on an unknown blueprint', async () => {
    const r = await estate(['blueprint', 'list', 'database']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/database/);
  });
});
