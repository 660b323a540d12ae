// Sample API handler deployed by estate's api-lambda blueprint (HTTP API, payload v2).
// Table names arrive as TABLE_<NAME> environment variables, the Bedrock guardrail as
// BEDROCK_GUARDRAIL_ID / BEDROCK_GUARDRAIL_VERSION. Replace with your own code via
// api-lambda.codePath in estate.yaml.

const json = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const tables = () =>
  Object.fromEntries(
    Object.entries(process.env)
      .filter(([k]) => k.startsWith('TABLE_'))
      .map(([k, v]) => [k.slice('TABLE_'.length).toLowerCase(), v]),
  );

export const handler = async (event) => {
  const route = `${event.requestContext?.http?.method ?? 'GET'} ${event.rawPath ?? '/'}`;
  if (event.rawPath === '/api/health') {
    return json(200, { ok: true, environment: process.env.ENVIRONMENT });
  }
  const claims = event.requestContext?.authorizer?.jwt?.claims ?? {};
  if (event.rawPath === '/api/me') {
    return json(200, { sub: claims.sub, email: claims.email, groups: claims['cognito:groups'] ?? [] });
  }
  if (event.rawPath === '/api/config') {
    return json(200, {
      environment: process.env.ENVIRONMENT,
      tables: tables(),
      models: (process.env.BEDROCK_MODEL_IDS ?? '').split(',').filter(Boolean),
      guardrail: process.env.BEDROCK_GUARDRAIL_ID
        ? { id: process.env.BEDROCK_GUARDRAIL_ID, version: process.env.BEDROCK_GUARDRAIL_VERSION }
        : null,
    });
  }
  return json(404, { error: 'not found', route });
};
