import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { Acknowledgement, Finding } from './findings.js';

/** Every acknowledged validation rule under scope, with the construct it was recorded on. */
export function acknowledgementsOf(scope: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const c of scope.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !m.data) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, unknown>)) {
        const rule = id.replace(/^annotation::/i, '');
        out.push({
          tool: rule.startsWith('AwsSolutions-') ? 'cdk-nag' : 'cloudformation',
          rule,
          reason: String(reason),
          paths: [c.node.path],
        });
      }
    }
  }
  return out;
}

/** cdk-nag AwsSolutions over a construct tree (synthesise first), acknowledged findings excluded. */
export function awsSolutionsFindings(scope: IConstruct): Finding[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.map((v) => ({
    tool: 'cdk-nag' as const,
    rule: v.ruleName,
    severity: v.severity === 'error' ? ('error' as const) : ('warning' as const),
    message: v.description,
    paths: v.violatingResources.map((r) => r.constructPath ?? '?'),
  }));
}
