/**
 * Value rules shared by the config schema and the planners: what AWS accepts for names,
 * tags, e-mails and durations. Pure functions, no I/O.
 */

/** Account kinds estate knows; each has budget defaults and an OU placement. */
export const ACCOUNT_KINDS = [
  'prod-multi-tenant',
  'prod-single-tenant',
  'integration',
  'developer',
  'monitoring',
  'logs',
] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/** estate's account names double as stack-name and e-mail parts, so they are stricter than AWS's. */
export const ACCOUNT_NAME_RE = /^[a-z][a-z0-9-]{0,48}[a-z0-9]$/;
export const ACCOUNT_NAME_RULE =
  '2–50 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen';

export const ENV_NAME_RE = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
export const ENV_NAME_RULE =
  '2–32 characters: lowercase letters, digits and hyphens, starting with a letter (it prefixes stack names)';

/** Organizations OU names: 1–128 characters, no slash (estate uses "/" for paths). */
export const OU_NAME_RE = /^[^/\s][^/]{0,127}$/;

export const ACCOUNT_ID_RE = /^\d{12}$/;

// A deliberately practical e-mail check: local@domain.tld, no spaces, AWS's 6–64 length.
const EMAIL_RE =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export function isEmail(value: string): boolean {
  return value.length >= 6 && value.length <= 64 && EMAIL_RE.test(value);
}

/** Turns `aws+{account}@example.com` into the account's root e-mail. */
export function emailFromPattern(pattern: string, account: string): string {
  return pattern.replaceAll('{account}', account);
}

const TAG_CHARS_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Returns why AWS would reject this tag key, or undefined when it is acceptable. */
export function tagKeyProblem(key: string): string | undefined {
  if (key.length < 1 || key.length > 128) return `tag key "${key}" must be 1–128 characters`;
  if (key.toLowerCase().startsWith('aws:'))
    return `tag key "${key}" uses the reserved prefix "aws:"; rename it`;
  if (!TAG_CHARS_RE.test(key))
    return `tag key "${key}" has characters AWS rejects; use letters, digits, spaces and _ . : / = + - @`;
  return undefined;
}

export function tagValueProblem(key: string, value: string): string | undefined {
  if (value.length > 256) return `value of tag "${key}" is ${value.length} characters; AWS allows 256`;
  if (!TAG_CHARS_RE.test(value))
    return `value of tag "${key}" ("${value}") has characters AWS rejects; use letters, digits, spaces and _ . : / = + - @`;
  return undefined;
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const DURATION_RE = /^([1-9]\d{0,4})([mhdw])$/;

/** Parses "72h", "7d", "30m", "2w" into milliseconds; undefined when malformed. */
export function parseDuration(value: string): number | undefined {
  const m = DURATION_RE.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2]!]!;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The ARN partition of a region: aws, aws-cn or aws-us-gov. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

export const SNS_TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** An ISO 8601 instant with a zone: `2026-12-24T18:00Z`, `2026-12-24T18:00:00+01:00`. */
export const ISO_INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

/** Why a text is not an ISO 8601 instant with a zone, or undefined when it is one. */
export function isoInstantProblem(value: string): string | undefined {
  const m = ISO_INSTANT_RE.exec(value);
  if (!m)
    return `"${value}" is not an ISO 8601 time with a zone: write it like 2026-12-24T18:00Z or 2026-12-24T18:00+01:00`;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day)
    return `"${value}": ${m[1]}-${m[2]}-${m[3]} is not a date in the calendar`;
  return undefined;
}
