import { AwsClients } from '../aws/clients.js';
import { FileAuditLog, defaultAuditPath } from '../aws/audit.js';
import type { EstateConfig } from '../config/schema.js';
import { resolve } from 'node:path';
import { announceSandbox } from './sandbox-banner.js';

export interface AwsFlagValues {
  readonly profile?: string;
  readonly region?: string;
  /** --timeout, in seconds. */
  readonly timeout?: number;
}

/**
 * The one AwsClients a command uses: region and role from config, flags (profile, region,
 * timeout) on top, audit log on. Every command that talks to AWS comes here first, so this
 * is where the sandbox banner is said (stderr; nothing when the endpoint is AWS itself).
 */
export function awsClientsFor(config: EstateConfig, flags: AwsFlagValues, configDir: string): AwsClients {
  announceSandbox();
  const auditPath = process.env.ESTATE_AUDIT_LOG
    ? defaultAuditPath()
    : config.organization.auditLog
      ? resolve(configDir, config.organization.auditLog)
      : defaultAuditPath();
  const holder: { clients?: AwsClients } = {};
  const auditLog = new FileAuditLog(auditPath, async () => (await holder.clients!.callerIdentity()).arn);
  holder.clients = new AwsClients({
    region: flags.region ?? config.organization.homeRegion,
    profile: flags.profile,
    ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
    roleName: config.organization.accessRoleName,
    auditLog,
  });
  return holder.clients;
}
