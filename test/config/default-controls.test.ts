import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlIdProblem } from '../../src/config/controltower.js';
import { readDefaultControls, resolveDefaultControls } from '../../src/config/default-controls.js';

describe('templates/controls/default.json', () => {
  it('parses, and every identifier, filled in for a home region, passes the validator', () => {
    const entries = readDefaultControls();
    const resolved = resolveDefaultControls(entries, {
      partition: 'aws',
      homeRegion: 'eu-west-2',
      governedRegions: ['eu-west-2', 'us-east-1'],
    });
    expect(resolved.length).toBeGreaterThanOrEqual(5);
    for (const c of resolved) {
      expect(controlIdProblem(c.identifier), c.identifier).toBeUndefined();
      expect(c.reason.length, c.identifier).toBeGreaterThan(20);
    }
  });

  it('covers S3 public access, EBS encryption, root access keys and CloudTrail', () => {
    const reasons = readDefaultControls().map((c) => c.reason);
    for (const topic of ['S3 public access', 'EBS encryption', 'Root access keys', 'CloudTrail'])
      expect(
        reasons.some((r) => r.startsWith(topic)),
        topic,
      ).toBe(true);
  });

  it('fills in the partition, the home region and the governed regions', () => {
    const [resolved] = resolveDefaultControls(
      [
        {
          identifier: 'arn:{{partition}}:controltower:{{homeRegion}}::control/AWS-GR_X',
          reason: 'a control with a region list parameter',
          scope: 'workload-ous',
          parameters: { AllowedRegions: '{{governedRegions}}', Note: 'in {{homeRegion}}' },
        },
      ],
      { partition: 'aws-cn', homeRegion: 'cn-north-1', governedRegions: ['cn-north-1', 'cn-northwest-1'] },
    );
    expect(resolved).toEqual({
      identifier: 'arn:aws-cn:controltower:cn-north-1::control/AWS-GR_X',
      reason: 'a control with a region list parameter',
      parameters: { AllowedRegions: ['cn-north-1', 'cn-northwest-1'], Note: 'in cn-north-1' },
    });
  });

  it('fails when the file lists something other than controls', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'estate-controls-')), 'default.json');
    writeFileSync(file, JSON.stringify({ controls: [{ identifier: 'AWS-GR_X' }] }));
    expect(() => readDefaultControls(file)).toThrow(/must list objects with identifier, reason and scope/);
  });
});
