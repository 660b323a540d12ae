import { BaseCommand, configFlag } from '../../cli/base-command.js';
import { loadCheckedConfig } from '../../config/load-checked.js';
import { ouPaths } from '../../config/schema.js';

export interface ValidateResult {
  readonly valid: true;
  readonly file: string;
  readonly accounts: number;
  readonly organizationalUnits: number;
  readonly environments: number;
  readonly policies: number;
}

export default class ConfigValidate extends BaseCommand<typeof ConfigValidate> {
  static override summary = 'Check estate.yaml and report every problem at once.';
  static override description =
    'Validates the schema and the cross-references (OUs, accounts, environments, policies, tags, schedules) and every blueprint setting that `blueprint synth` would reject (callback URLs, SES sender of prod pools, availability zones, code folders relative to estate.yaml), without any AWS call. A front-end build folder (edge.buildDir) is checked by synth only, since CI validates before building. Problems are listed as `file:line: path.to.field: message`; the exit code is 2 when there are any.';
  static override examples = [
    '<%= config.bin %> config validate',
    '<%= config.bin %> config validate --config templates/examples/recall/estate.yaml --json',
  ];
  static override flags = { ...configFlag };

  async run(): Promise<ValidateResult> {
    const loaded = await loadCheckedConfig(this.flags.config);
    const { file, config } = loaded;
    const result: ValidateResult = {
      valid: true,
      file,
      accounts: config.accounts.length,
      organizationalUnits: ouPaths(config.organizationalUnits).size,
      environments: config.environments.length,
      policies: config.policies.length,
    };
    this.log(
      `✔ ${file} is valid: ${result.accounts} accounts in ${result.organizationalUnits} OUs, ${result.environments} environments, ${result.policies} policies`,
    );
    return result;
  }
}
