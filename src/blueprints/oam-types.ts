import type { EstateConfig } from '../config/schema.js';

/** The OAM resource type of each kind of telemetry controlTower.observability.resourceTypes names. */
export const OAM_RESOURCE_TYPES = {
  metrics: 'AWS::CloudWatch::Metric',
  logs: 'AWS::Logs::LogGroup',
  traces: 'AWS::XRay::Trace',
} as const;

/**
 * What workload accounts share with the monitoring account, as OAM resource types: the sink
 * policy allows exactly these and every link asks for exactly these, in the same order.
 */
export function oamResourceTypes(config: Pick<EstateConfig, 'controlTower'>): string[] {
  const kinds = config.controlTower?.observability.resourceTypes ?? [];
  return [...new Set(kinds)].map((kind) => OAM_RESOURCE_TYPES[kind]);
}
