/**
 * The IoHost adapter between toolkit-lib and estate, fed the message objects toolkit-lib
 * sends (codes, levels and payloads as in its lib/api/io/private/messages.js).
 */
import { fullDiff } from '@aws-cdk/cloudformation-diff';
import { describe, expect, it } from 'vitest';
import {
  activityLine,
  CDK,
  resourceChanges,
  securityLines,
  ToolkitIoHost,
  type ToolkitCall,
} from '../../src/aws/toolkit.js';
import { startTask } from '../../src/core/io.js';
import { recordingIoHost } from '../_helpers/recording-io.js';

const STACK_ARN = 'arn:aws:cloudformation:eu-west-2:222222222222:stack/dev-api/1';
type Level = 'error' | 'result' | 'warn' | 'info' | 'debug' | 'trace';
const msg = (code: string, level: Level, message: string, data: unknown = undefined) => ({
  time: new Date(),
  level,
  action: 'deploy' as const,
  code: code as `CDK_${string}_I0000`,
  message,
  data,
});
const req = <U>(code: string, message: string, data: unknown, defaultResponse: U) => ({
  ...msg(code, 'info', message, data),
  defaultResponse,
});
const activity = (logicalId: string, status: string, reason?: string, type = 'AWS::Lambda::Function') =>
  msg(CDK.STACK_ACTIVITY, 'info', `${logicalId} ${status}`, {
    deployment: 'd-1',
    event: {
      StackId: STACK_ARN,
      StackName: 'dev-api',
      LogicalResourceId: logicalId,
      PhysicalResourceId: logicalId === 'dev-api' ? STACK_ARN : `${logicalId}-1`,
      ResourceType: logicalId === 'dev-api' ? 'AWS::CloudFormation::Stack' : type,
      ResourceStatus: status,
      ...(reason ? { ResourceStatusReason: reason } : {}),
      Timestamp: new Date(),
      EventId: `${logicalId}-${status}`,
    },
    progress: { completed: 1, total: 4, formatted: '[1/4]' },
  });

async function callFor(
  io: ReturnType<typeof recordingIoHost>,
  stackName: string,
  extra: Partial<ToolkitCall> = {},
) {
  const call: ToolkitCall = {
    stackName,
    task: await startTask(io, stackName, `deploy ${stackName}`),
    failures: [],
    ...extra,
  };
  return call;
}

describe('ToolkitIoHost: stack activity', () => {
  it('Given resource events in a call, Then each becomes the stack task’s update and the failed resources are kept, not cancellations or the stack itself', async () => {
    const io = recordingIoHost();
    const host = new ToolkitIoHost(io);
    const call = await callFor(io, 'dev-api');
    await host.run(call, async () => {
      await host.notify(activity('Fn', 'CREATE_IN_PROGRESS'));
      await host.notify(activity('Fn', 'CREATE_FAILED', 'Role arn:aws:iam::2:role/x is invalid'));
      await host.notify(activity('Queue', 'CREATE_FAILED', 'Resource creation cancelled', 'AWS::SQS::Queue'));
      await host.notify(activity('dev-api', 'UPDATE_ROLLBACK_FAILED', 'stack-level'));
    });
    expect(io.tasks()).toEqual([
      'start dev-api: deploy dev-api',
      'update dev-api: [1/4] Fn (AWS::Lambda::Function) CREATE_IN_PROGRESS',
      'update dev-api: [1/4] Fn (AWS::Lambda::Function) CREATE_FAILED: Role arn:aws:iam::2:role/x is invalid',
      'update dev-api: [1/4] Queue (AWS::SQS::Queue) CREATE_FAILED: Resource creation cancelled',
      'update dev-api: [1/4] dev-api (AWS::CloudFormation::Stack) UPDATE_ROLLBACK_FAILED: stack-level',
    ]);
    expect(call.failures).toEqual([
      {
        logicalId: 'Fn',
        resourceType: 'AWS::Lambda::Function',
        status: 'CREATE_FAILED',
        reason: 'Role arn:aws:iam::2:role/x is invalid',
      },
    ]);
  });

  it('Given two calls in flight at once, Then every message reaches its own call, though the messages name no stack', async () => {
    const io = recordingIoHost();
    const host = new ToolkitIoHost(io);
    const a = await callFor(io, 'dev-data');
    const b = await callFor(io, 'dev-api');
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    const work = (name: string) => async () => {
      for (let i = 0; i < 3; i++) {
        await tick();
        await host.notify(activity(`${name}${i}`, 'CREATE_FAILED', name));
      }
    };
    await Promise.all([host.run(a, work('Data')), host.run(b, work('Api'))]);
    expect(a.failures.map((f) => f.logicalId)).toEqual(['Data0', 'Data1', 'Data2']);
    expect(b.failures.map((f) => f.logicalId)).toEqual(['Api0', 'Api1', 'Api2']);
  });

  it('formats an event without type or progress', () => {
    expect(activityLine({ LogicalResourceId: 'T', ResourceStatus: 'DELETE_COMPLETE' })).toBe(
      'T DELETE_COMPLETE',
    );
  });
});

describe('ToolkitIoHost: confirmations', () => {
  it('Given the deploy confirmation, Then the call’s approval is asked with the permission change, and a no is remembered', async () => {
    const io = recordingIoHost();
    const host = new ToolkitIoHost(io);
    const asked: string[] = [];
    const call = await callFor(io, 'dev-api', {
      approve: async (change) => (asked.push(change), change !== 'broadening'),
    });
    const answers = await host.run(call, async () => [
      await host.requestResponse(
        req(
          CDK.CONFIRM_DEPLOY,
          'diff…\nDo you wish to deploy?',
          { motivation: 'x', permissionChangeType: 'non-broadening' },
          true,
        ),
      ),
      await host.requestResponse(
        req(CDK.CONFIRM_DEPLOY, 'diff…', { motivation: 'x', permissionChangeType: 'broadening' }, true),
      ),
    ]);
    expect(answers).toEqual([true, false]);
    expect(asked).toEqual(['non-broadening', 'broadening']);
    expect(call.declined).toBe('the broadening IAM/security-group change was not approved');
  });

  it('Given the destroy confirmation, Then the call’s confirm answers it; without a call the answer is no', async () => {
    const io = recordingIoHost();
    const host = new ToolkitIoHost(io);
    const call = await callFor(io, 'dev-api', { confirm: async () => false });
    const request = req(
      CDK.CONFIRM_DESTROY,
      'Are you sure you want to delete: dev-api',
      { motivation: 'irreversible' },
      true,
    );
    expect(await host.run(call, () => host.requestResponse(request))).toBe(false);
    expect(call.declined).toBe('the destroy was not confirmed');
    expect(await host.requestResponse(request)).toBe(false);
    const yes = await callFor(io, 'dev-api', { confirm: async () => true });
    expect(await host.run(yes, () => host.requestResponse(request))).toBe(true);
    expect(yes.declined).toBeUndefined();
  });

  it('Given the rollback question and questions estate never asks for, Then they are answered no (toolkit-lib’s default is yes); other requests get their default', async () => {
    const io = recordingIoHost();
    const host = new ToolkitIoHost(io);
    const call = await callFor(io, 'dev-api');
    const motivation =
      'Stack is in a paused fail state (UPDATE_FAILED) and command line arguments do not include "--no-rollback"';
    await host.run(call, async () => {
      expect(
        await host.requestResponse(
          req(
            CDK.CONFIRM_ROLLBACK,
            `${motivation}. Perform a deployment with rollback enabled`,
            { motivation },
            true,
          ),
        ),
      ).toBe(false);
      expect(
        await host.requestResponse(req('CDK_TOOLKIT_I8910', 'Refactor?', { motivation: 'm' }, true)),
      ).toBe(false);
      expect(await host.requestResponse(req('CDK_SDK_I1100', 'MFA token', { deviceArn: 'x' }, ''))).toBe('');
    });
    expect(call.rollbackRefused).toBe(motivation);
    expect(io.requests).toEqual([]);
  });
});

describe('ToolkitIoHost: levels', () => {
  it('Given messages outside a call, Then levels map one to one (result as info), codes are kept, and debug/trace are hidden', async () => {
    const io = recordingIoHost();
    const host = new ToolkitIoHost(io);
    await host.notify(
      msg('CDK_TOOLKIT_W5021', 'warn', 'dev-x: stack has no resources, skipping deployment.'),
    );
    await host.notify(msg('CDK_TOOLKIT_E9900', 'error', '\n ❌  aws://2/eu-west-2 failed: boom'));
    await host.notify(msg('CDK_TOOLKIT_I9900', 'result', '\u001b[32m✅  aws://2/eu-west-2\u001b[39m'));
    await host.notify(msg('CDK_ASSEMBLY_I0150', 'debug', 'bypass synth'));
    await host.notify(msg('CDK_SDK_I0100', 'trace', 'sdk trace'));
    expect(io.messages.map((m) => [m.level, m.code, m.message])).toEqual([
      ['warn', 'CDK_TOOLKIT_W5021', 'dev-x: stack has no resources, skipping deployment.'],
      ['error', 'CDK_TOOLKIT_E9900', '❌  aws://2/eu-west-2 failed: boom'],
      ['info', 'CDK_TOOLKIT_I9900', '✅  aws://2/eu-west-2'],
    ]);
  });

  it('Given estate is verbose, Then debug and trace come through as info', async () => {
    const io = recordingIoHost();
    const host = new ToolkitIoHost(io, true);
    await host.notify(msg('CDK_ASSEMBLY_I0150', 'debug', 'bypass synth'));
    await host.notify(msg('CDK_SDK_I0100', 'trace', 'sdk trace'));
    expect(io.messages.map((m) => [m.level, m.message])).toEqual([
      ['info', 'bypass synth'],
      ['info', 'sdk trace'],
    ]);
  });

  it('Given messages in a call, Then info updates the task, warnings name the stack, errors are left to the outcome, and results and diffs are kept', async () => {
    const io = recordingIoHost();
    const host = new ToolkitIoHost(io);
    const call = await callFor(io, 'dev-api');
    await host.run(call, async () => {
      await host.notify(msg('CDK_TOOLKIT_I5100', 'info', 'dev-api: deploying... [1/1]\nmore'));
      await host.notify(msg('CDK_TOOLKIT_W5500', 'warn', 'Stack events could not be read'));
      await host.notify(msg('CDK_TOOLKIT_E5500', 'error', 'monitor failed'));
      await host.notify(
        msg(CDK.DEPLOY_RESULT, 'result', '✅  dev-api (no changes)', {
          type: 'did-deploy-stack',
          noOp: true,
          outputs: {},
          stackArn: STACK_ARN,
        }),
      );
      await host.notify(
        msg(CDK.DIFF_STACK, 'result', 'ignored', {
          permissionChanges: 'broadening',
          formattedDiff: { diff: '\u001b[32m[+]\u001b[39m AWS::IAM::Role Role' },
        }),
      );
    });
    expect(io.tasks().slice(1)).toEqual([
      'update dev-api: dev-api: deploying... [1/1]',
      'update dev-api: ✅  dev-api (no changes)',
    ]);
    expect(io.messages.filter((m) => m.level === 'warn').map((m) => m.message)).toEqual([
      'dev-api: Stack events could not be read',
    ]);
    expect(io.messages.some((m) => m.message.includes('monitor failed'))).toBe(false);
    expect(call.noOp).toBe(true);
    expect(call.diff).toEqual({ text: '[+] AWS::IAM::Role Role', permissionChange: 'broadening' });
  });
});

describe('template diffs', () => {
  const role = (actions: string[]) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: 'p',
          PolicyDocument: { Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
        },
      ],
    },
  });
  const before = {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'a', KeySchema: [] } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: 1 } },
      Old: { Type: 'AWS::SNS::Topic' },
    },
  };
  const after = {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'b', KeySchema: [] } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: 2 } },
      Role: role(['s3:GetObject']),
    },
  };

  it('Given added, updated, replaced and removed resources, Then each is named with its kind', () => {
    const changes = resourceChanges(fullDiff(before, after) as never);
    expect(changes).toEqual(
      expect.arrayContaining([
        { logicalId: 'Table', type: 'AWS::DynamoDB::Table', change: 'replace' },
        { logicalId: 'Queue', type: 'AWS::SQS::Queue', change: 'update' },
        { logicalId: 'Role', type: 'AWS::IAM::Role', change: 'add' },
        { logicalId: 'Old', type: 'AWS::SNS::Topic', change: 'remove' },
      ]),
    );
    expect(changes).toHaveLength(4);
  });

  it('Given a new IAM statement, Then it is one readable security line', () => {
    const lines = securityLines(
      fullDiff({ Resources: {} }, { Resources: { Role: role(['s3:GetObject']) } }) as never,
    );
    expect(lines.some((l) => /^\+ .*Allow.*s3:GetObject/.test(l))).toBe(true);
    expect(
      lines.some((l) =>
        /sts:AssumeRole.*lambda\.amazonaws\.com|lambda\.amazonaws\.com.*sts:AssumeRole/.test(l),
      ),
    ).toBe(true);
    expect(lines.join('\n')).not.toContain('\u001b[');
  });
});
