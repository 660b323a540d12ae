import { BaseCommand } from '../cli/base-command.js';

export interface VersionInfo {
  readonly name: string;
  readonly version: string;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
}

export default class Version extends BaseCommand<typeof Version> {
  static override summary = 'Print the version of estate (also `estate --version` or `-v`).';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];

  async run(): Promise<VersionInfo> {
    const { config } = this;
    this.log(config.userAgent);
    return {
      name: config.name,
      version: config.version,
      node: process.versions.node,
      platform: config.platform,
      arch: config.arch,
    };
  }
}
