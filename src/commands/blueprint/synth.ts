import { Args, Flags } from '@oclif/core';
import { BaseCommand, configFlag } from '../../cli/base-command.js';
import { trackProgress } from '../../cli/output.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import type { SynthResult } from '../../core/env/synth.js';
import { IO, type IoHost, type TaskData } from '../../core/io.js';

type Progress = Parameters<Parameters<typeof trackProgress>[2]>[0];

/** Feeds the engine's task messages to the progress tracker (the same lines as before the port). */
function trackerHost(progress: Progress): IoHost {
  return {
    notify: async ({ code, message, data }) => {
      const id = (data as TaskData | undefined)?.id ?? 'synth';
      if (code === IO.TASK_START) progress({ type: 'start', id, title: message });
      else if (code === IO.TASK_UPDATE) progress({ type: 'update', id, message });
      else if (code === IO.TASK_DONE) progress({ type: 'done', id, message });
      else if (code === IO.TASK_FAIL) progress({ type: 'fail', id, message });
      else if (code === IO.TASK_SKIP) progress({ type: 'skip', id, message });
    },
    requestResponse: async (request) => request.defaultResponse,
  };
}

export default class BlueprintSynth extends BaseCommand<typeof BlueprintSynth> {
  static override summary = "Synthesise an environment's stacks into a cloud assembly, offline.";
  static override description = `Builds the <env>-<blueprint> stacks of one environment from estate.yaml without credentials or lookups and writes the cloud assembly (default cdk.out/<env>). With unchanged config, code and estate version the previous assembly is reused.
CDK's own warnings and errors (annotations) are listed with their construct paths and counted; an error makes the exit code 1.
--validate runs the CloudFormation validator bundled with aws-cdk-lib and cdk-nag's AwsSolutions pack once over all templates; an unacknowledged error makes the exit code 1 (the assembly is still written).`;
  static override examples = [
    '<%= config.bin %> blueprint synth alice',
    '<%= config.bin %> blueprint synth production --validate',
    '<%= config.bin %> blueprint synth integration --out build/assembly --json',
  ];
  static override args = {
    env: Args.string({ description: 'Environment name from estate.yaml.', required: true }),
  };
  static override flags = {
    ...configFlag,
    out: Flags.string({ char: 'o', summary: 'Assembly folder (default cdk.out/<env>).' }),
    validate: Flags.boolean({ summary: 'Run the CloudFormation validator and cdk-nag AwsSolutions.' }),
    force: Flags.boolean({ summary: 'Synthesise even when the cached assembly is current.' }),
  };

  async run(): Promise<SynthResult> {
    const loaded = await loadCheckedConfig(this.flags.config);
    const { config, dir } = loaded;
    const { synthEnvironment, summaryLines, annotationLines } = await import('../../core/env/synth.js');
    const env = this.args.env;
    const result = await trackProgress(this.mode, [{ id: 'synth', title: `synthesise ${env}` }], (progress) =>
      synthEnvironment(config, env, {
        configDir: dir,
        outDir: this.flags.out,
        validate: this.flags.validate,
        force: this.flags.force,
        io: trackerHost(progress),
      }),
    );
    // CDK error annotations fail a deploy: report them as a failure now.
    if ((result.validation && !result.validation.ok) || result.annotations.some((a) => a.level === 'error'))
      this.partialFailure();
    if (this.jsonEnabled()) return result;
    const lines = [...summaryLines(result)];
    lines.push(
      `${result.cached ? 'reused' : 'wrote'} ${result.assemblyDir} (${result.stacks.length} stacks, ${result.durationMs} ms)`,
    );
    lines.push(...annotationLines(result.annotations));
    const v = result.validation;
    if (v) {
      for (const f of v.findings)
        lines.push(
          `${f.severity === 'error' ? '✖' : '!'} ${f.tool} ${f.rule}: ${f.message} (${f.paths.join(', ')})`,
        );
      lines.push(
        `validation ${v.ok ? 'passed' : 'failed'}: ${v.findings.filter((f) => f.severity === 'error').length} errors, ${v.findings.filter((f) => f.severity !== 'error').length} warnings, ${v.acknowledged.length} acknowledged with reasons (report: ${v.reportFile})`,
      );
    }
    this.log(lines.join('\n'));
    return result;
  }
}
