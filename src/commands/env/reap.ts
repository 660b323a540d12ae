import { Flags } from '@oclif/core';
import { BaseCommand, awsFlags, configFlag } from '../../cli/base-command.js';
import { awsClientsFor } from '../../cli/aws-context.js';
import { checkAccounts, colorOnStdout, runStackWork } from '../../cli/env-run.js';
import { loadPriceTable } from '../../cli/prices.js';
import { renderReap } from '../../cli/render-reap.js';
import { reapDeps } from '../../cli/wiring.js';
import { parseDuration } from '../../config/rules.js';
import { loadConfig } from '../../config/loader.js';
import { lifecycleSettings, reapEnvironments, type ReapResult } from '../../core/env/reap.js';
import { userError } from '../../errors.js';

/** A duration flag (or its config default) in ms, or a usage error naming where it came from. */
function duration(value: string, from: string): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw userError('BadDuration', `${from} "${value}" is not a duration`, [
      `write it as a number and a unit: 30m, 24h, 7d, 2w`,
    ]);
  return ms;
}

export default class EnvReap extends BaseCommand<typeof EnvReap> {
  static override summary =
    'Destroy expired and orphaned environments, take down idle ones and those outside their window.';
  static override description = `The scheduled CI job's command. Finds, in every configured account at once (or --account ones): expired environments (estate:expires-at passed) and orphans (stacks tagged estate:env that estate.yaml does not declare, last deployed longer ago than --orphans-after), which are destroyed; ci-executor environments outside their up window, and with --idle-for (or lifecycle.idleFor) environments whose APIs, Lambda functions and CloudFront distributions served no request over that long, which are taken down (stateless stacks deleted, data kept).
Protected environments (protected: true, estate:protected=true, estate:profile=prod) and those in production account kinds are never selected, whatever the flags and tags say. --max caps the environments handled per run (oldest first); the rest are reported deferred. An environment with a stack in DELETE_FAILED is reported with the blocking resource and not retried unless --retry-blocked. Owners are warned lifecycle.warnBeforeHours before expiry (SNS topic and/or e-mail), once per expiry.
Never prompts. Exit 0 when everything selected was handled (or nothing was due), 1 when anything failed.`;
  static override examples = [
    '<%= config.bin %> env reap --dry-run',
    '<%= config.bin %> env reap --idle-for 24h --max 10 --json',
    '<%= config.bin %> env reap --account dev-alice --orphans-after 72h',
  ];
  static override flags = {
    ...configFlag,
    ...awsFlags,
    'dry-run': Flags.boolean({
      summary: 'Say what would be reaped and who would be warned; change nothing.',
    }),
    account: Flags.string({
      char: 'a',
      multiple: true,
      summary: 'Only this account (its estate name); repeat for several. Default: every account.',
    }),
    'idle-for': Flags.string({
      summary:
        'Take down environments that served no request for this long (e.g. 24h). Default: lifecycle.idleFor; absent, idle detection is off.',
    }),
    'orphans-after': Flags.string({
      summary:
        'Destroy orphans last deployed longer ago than this. Default: lifecycle.orphansAfter, else 48h.',
    }),
    max: Flags.integer({
      summary: 'At most this many environments per run (oldest first); the rest are deferred.',
      min: 1,
    }),
    'retry-blocked': Flags.boolean({
      summary: 'Try again environments whose stack delete failed before (DELETE_FAILED).',
    }),
  };

  async run(): Promise<ReapResult> {
    const { flags } = this;
    const loaded = await loadConfig(flags.config);
    const config = loaded.config;
    if (flags.account?.length) checkAccounts(config, flags.account);
    const lifecycle = lifecycleSettings(config);
    const idleFor = flags['idle-for'] ?? lifecycle.idleFor;
    const idleForMs =
      idleFor === undefined
        ? undefined
        : duration(idleFor, flags['idle-for'] ? '--idle-for' : 'lifecycle.idleFor');
    const orphansAfterMs = duration(
      flags['orphans-after'] ?? lifecycle.orphansAfter,
      flags['orphans-after'] ? '--orphans-after' : 'lifecycle.orphansAfter',
    );
    const prices = loadPriceTable();
    const clients = awsClientsFor(config, flags, loaded.dir);
    const result = await runStackWork(
      {
        mode: this.mode,
        // The scheduled job: never a question, even on a terminal.
        interactive: false,
        wording: { running: 'Reaping', finished: 'Reaped', noun: 'stack' },
        stopping: 'Stopping: no new teardown will start (Ctrl-C again to exit at once)…',
      },
      async (io, signal) =>
        reapEnvironments(
          await reapDeps(config, clients, io),
          config,
          {
            ...(flags.account?.length ? { accounts: [...new Set(flags.account)] } : {}),
            dryRun: Boolean(flags['dry-run']),
            ...(idleForMs !== undefined ? { idleForMs } : {}),
            orphansAfterMs,
            ...(flags.max !== undefined ? { max: flags.max } : {}),
            ...(flags['retry-blocked'] ? { retryBlocked: true } : {}),
            prices,
          },
          { io, signal, interactive: false },
        ),
    );
    if (!this.jsonEnabled()) this.log(renderReap(result, { color: colorOnStdout() }));
    return result;
  }
}
