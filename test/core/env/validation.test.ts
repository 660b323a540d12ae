import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { readValidationReport, synthEnvironment, type SynthResult } from '../../../src/core/env/synth.js';
import { buildDir, estate } from '../../blueprints/_helpers.js';

// Given every blueprint in a prod Lambda environment (custom domain, API fronted, upload) and a
// dev EKS environment, synthesised with `--validate`: the CloudFormation validator bundled with
// aws-cdk-lib and cdk-nag AwsSolutions, run once per environment over all its templates.
const config = estate({
  environments: [
    {
      name: 'prod',
      account: 'prod-acct',
      blueprints: ['edge', 'auth', 'data', 'api-lambda', 'ai', 'observability'],
      size: 'prod',
      settings: {
        edge: {
          fronts: 'api',
          domainName: 'app.example.com',
          hostedZoneId: 'Z0123456789ABCDEFGHIJ',
          hostedZoneName: 'example.com',
          buildDir: buildDir(),
        },
        auth: { email: { fromEmail: 'no-reply@example.com' } },
      },
    },
    {
      name: 'kube',
      account: 'dev-acct',
      blueprints: ['data', 'api-eks', 'ai', 'observability'],
      size: 'dev',
      settings: { 'api-eks': { availabilityZones: ['eu-west-2a', 'eu-west-2b'] } },
    },
  ],
});

let results: SynthResult[];
beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'estate-validate-'));
  results = [];
  for (const env of ['prod', 'kube'])
    results.push(
      await synthEnvironment(config, env, { configDir: '/tmp', outDir: join(out, env), validate: true }),
    );
}, 180_000);

describe('template validation', () => {
  it('passes the CloudFormation validator with no finding at all', () => {
    for (const r of results) {
      expect(r.validation).toBeDefined();
      expect(r.validation!.findings.filter((f) => f.tool === 'cloudformation')).toEqual([]);
    }
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged error', () => {
    for (const r of results) {
      expect(r.validation!.findings.filter((f) => f.severity === 'error')).toEqual([]);
      expect(r.validation!.ok).toBe(true);
    }
  });

  it('reports the acknowledged rules with their reasons', () => {
    const acks = results.flatMap((r) => r.validation!.acknowledged);
    expect(acks.some((a) => a.rule === 'AwsSolutions-EKS1')).toBe(true);
    for (const a of acks.filter((x) => x.tool === 'cdk-nag'))
      expect(a.reason.length).toBeGreaterThanOrEqual(20);
  });

  it('fails a template the validator rejects (the check can fail)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'estate-invalid-'));
    const app = new App({
      outdir,
      builtinCloudFormationValidation: true,
      context: {
        [cxapi.VALIDATE_AGAINST_DEFAULT_RULES]: true,
        [cxapi.FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false,
      },
    });
    const stack = new Stack(app, 'broken', { env: { region: 'eu-west-2' } });
    new CfnResource(stack, 'Table', {
      type: 'AWS::DynamoDB::Table',
      properties: { BillingMode: 'SOMETIMES', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
    });
    app.synth();
    const report = readValidationReport(join(outdir, cxapi.VALIDATION_REPORT_FILE));
    expect(report.ok).toBe(false);
    expect(
      report.findings.filter((f) => f.tool === 'cloudformation' && f.severity === 'error').length,
    ).toBeGreaterThan(0);
  });
});
