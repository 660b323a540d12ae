import { Args, Flags } from '@oclif/core';
import { BaseCommand, configFlag } from '../../cli/base-command.js';
import { trackProgress } from '../../cli/output.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import type { SynthResult } from '../../core/env/synth.js';

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
    const result = await trackProgress(this.mode, [{ id: 'synth', title: `synthesise ${env}` }], (io) =>
      synthEnvironment(config, env, {
        configDir: dir,
        outDir: this.flags.out,
        validate: this.flags.validate,
        force: this.flags.force,
        io,
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
