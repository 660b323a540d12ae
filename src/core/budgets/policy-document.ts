/**
 * The deny-new-resources SCP a budget action attaches: templates/policies/
 * budget-deny-new-resources.json, shipped with estate and checked against the SCP size limit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EstateError } from '../../errors.js';
import { templatePath } from '../../package.js';

export const DENY_POLICY_TEMPLATE = 'budget-deny-new-resources.json';
/** Characters per SCP document (AWS Organizations quota). */
export const SCP_SIZE_LIMIT = 5_120;

/** templates/policies of the installed package, holding the deny-new-resources template. */
export function policiesDir(): string {
  const dir = templatePath('policies');
  if (existsSync(join(dir, DENY_POLICY_TEMPLATE))) return dir;
  throw new EstateError(`cannot find templates/policies/${DENY_POLICY_TEMPLATE} next to the estate package`, {
    code: 'TemplatesMissing',
    source: 'internal',
    suggestions: ['reinstall estate: the package ships its templates folder'],
  });
}

/** The document as AWS will store it: minified JSON, within the SCP size limit. */
export function denyPolicyDocument(text?: string): string {
  const raw = text ?? readFileSync(join(policiesDir(), DENY_POLICY_TEMPLATE), 'utf8');
  let doc: string;
  try {
    doc = JSON.stringify(JSON.parse(raw));
  } catch (error) {
    throw new EstateError(`${DENY_POLICY_TEMPLATE} is not valid JSON: ${(error as Error).message}`, {
      code: 'InvalidPolicyTemplate',
      source: 'internal',
      cause: error,
    });
  }
  if (doc.length > SCP_SIZE_LIMIT)
    throw new EstateError(
      `${DENY_POLICY_TEMPLATE} is ${doc.length} characters minified; AWS allows ${SCP_SIZE_LIMIT} per SCP`,
      { code: 'PolicyTooLarge', source: 'internal' },
    );
  return doc;
}
