/**
 * The blueprints' public surface: each construct with its props, and composition. Importing
 * this module loads aws-cdk-lib; callers that only need names or docs import catalog.ts or
 * describe.ts instead.
 */
export { AiBlueprint, type AiBlueprintProps } from './ai.js';
export { ApiEksBlueprint, type ApiEksBlueprintProps } from './api-eks.js';
export { ApiLambdaBlueprint, type ApiLambdaBlueprintProps, type BedrockAccess } from './api-lambda.js';
export { AuthBlueprint, type AuthBlueprintProps } from './auth.js';
export { DataBlueprint, type DataBlueprintProps, type TableSpec } from './data.js';
export { EdgeBlueprint, type EdgeBlueprintProps } from './edge.js';
export { EstateGovernanceStack, type EstateGovernanceStackProps } from './governance.js';
export { ObservabilityBlueprint, type ObservabilityBlueprintProps } from './observability.js';
export { composeEnvironment, EstateStack, type ComposeOptions, type ComposedStack } from './compose.js';
export { BlueprintError } from './errors.js';
export type { TableGrant } from './grants.js';
