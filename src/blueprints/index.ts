/**
 * The blueprint registry: each blueprint's construct with its catalog entry. Importing this
 * module loads aws-cdk-lib; callers that only need names or docs import catalog.ts or
 * describe.ts instead.
 */
import type { Construct } from 'constructs';
import { AiBlueprint } from './ai.js';
import { ApiEksBlueprint } from './api-eks.js';
import { ApiLambdaBlueprint } from './api-lambda.js';
import { AuthBlueprint } from './auth.js';
import { BLUEPRINT_CATALOG, type BlueprintInfo, type BlueprintName } from './catalog.js';
import { DataBlueprint } from './data.js';
import { EdgeBlueprint } from './edge.js';
import { ObservabilityBlueprint } from './observability.js';

export interface BlueprintEntry extends BlueprintInfo {
  readonly construct: new (scope: Construct, id: string, props: never) => Construct;
}

export const BLUEPRINTS: Readonly<Record<BlueprintName, BlueprintEntry>> = {
  edge: { ...BLUEPRINT_CATALOG.edge, construct: EdgeBlueprint },
  auth: { ...BLUEPRINT_CATALOG.auth, construct: AuthBlueprint },
  data: { ...BLUEPRINT_CATALOG.data, construct: DataBlueprint },
  'api-lambda': { ...BLUEPRINT_CATALOG['api-lambda'], construct: ApiLambdaBlueprint },
  'api-eks': { ...BLUEPRINT_CATALOG['api-eks'], construct: ApiEksBlueprint },
  ai: { ...BLUEPRINT_CATALOG.ai, construct: AiBlueprint },
  observability: { ...BLUEPRINT_CATALOG.observability, construct: ObservabilityBlueprint },
};

export { AiBlueprint, type AiBlueprintProps } from './ai.js';
export { ApiEksBlueprint, type ApiEksBlueprintProps } from './api-eks.js';
export { ApiLambdaBlueprint, type ApiLambdaBlueprintProps, type BedrockAccess } from './api-lambda.js';
export { AuthBlueprint, type AuthBlueprintProps } from './auth.js';
export { DataBlueprint, type DataBlueprintProps, type TableSpec } from './data.js';
export { EdgeBlueprint, type EdgeBlueprintProps } from './edge.js';
export { ObservabilityBlueprint, type ObservabilityBlueprintProps } from './observability.js';
export { composeEnvironment, EstateStack, type ComposeOptions, type ComposedStack } from './compose.js';
export { BlueprintError } from './errors.js';
export type { TableGrant } from './grants.js';
