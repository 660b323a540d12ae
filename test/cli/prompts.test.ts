import { describe, expect, it } from 'vitest';
import { ask } from '../../src/cli/prompts.js';
import { canPrompt, detectMode, isCI } from '../../src/cli/output.js';

describe('ask', () => {
  const base = { flag: '--home-region <region>', what: 'the home region' };

  it('takes the flag value without asking', async () => {
    let asked = false;
    const v = await ask({
      ...base,
      value: 'eu-west-1',
      interactive: true,
      prompt: async () => ((asked = true), 'x'),
    });
    expect(v).toBe('eu-west-1');
    expect(asked).toBe(false);
  });

  it('asks in an interactive run', async () => {
    expect(await ask({ ...base, value: undefined, interactive: true, prompt: async () => 'eu-west-2' })).toBe(
      'eu-west-2',
    );
  });

  it('fails at once naming the flag in a non-interactive run, without waiting', async () => {
    const error = await ask({
      ...base,
      value: undefined,
      interactive: false,
      fallback: 'eu-west-2',
      prompt: () => new Promise<string>(() => {}),
    }).catch((e) => e);
    expect(error.message).toBe(
      'the home region is required in a non-interactive run: pass --home-region <region>',
    );
    expect(error.exitCode).toBe(2);
  });

  it('takes the default under --yes, interactive or not', async () => {
    for (const interactive of [true, false])
      expect(
        await ask({
          ...base,
          value: undefined,
          interactive,
          acceptDefaults: true,
          fallback: 'd',
          prompt: async () => 'asked',
        }),
      ).toBe('d');
  });
});

describe('output mode', () => {
  it('is json with --json, interactive on a terminal outside CI, plain otherwise', () => {
    expect(detectMode({ json: true, env: {}, stderrIsTTY: true })).toBe('json');
    expect(detectMode({ json: false, env: {}, stderrIsTTY: true })).toBe('interactive');
    expect(detectMode({ json: false, env: { CI: 'true' }, stderrIsTTY: true })).toBe('plain');
    expect(detectMode({ json: false, env: {}, stderrIsTTY: false })).toBe('plain');
    expect(detectMode({ json: false, env: { TERM: 'dumb' }, stderrIsTTY: true })).toBe('plain');
  });

  it('never prompts in CI, without a terminal, or with --json', () => {
    expect(canPrompt('interactive', {}, true)).toBe(true);
    expect(canPrompt('interactive', { CI: '1' }, true)).toBe(false);
    expect(canPrompt('plain', {}, false)).toBe(false);
    expect(canPrompt('json', {}, true)).toBe(false);
    expect(isCI({ CI: 'false' })).toBe(false);
    expect(isCI({ CI: '0' })).toBe(false);
  });
});
