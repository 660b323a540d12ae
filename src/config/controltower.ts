/**
 * What AWS Control Tower accepts, for the config schema and the governance stack: the
 * landing-zone versions it offers, the baseline version each one takes, and the forms of a
 * control identifier. Pure functions, no I/O.
 */

/** Landing-zone versions CreateLandingZone offers today. */
export const LANDING_ZONE_VERSIONS = ['3.3', '4.0'] as const;
export type LandingZoneVersion = (typeof LANDING_ZONE_VERSIONS)[number];

/**
 * AWSControlTowerBaseline version compatible with each landing-zone version (the table
 * "Compatibility of OU baselines and landing zone versions": 4.0 for 3.x, 5.0 for 4.0).
 */
export const BASELINE_VERSIONS: Readonly<Record<LandingZoneVersion, string>> = { '3.3': '4.0', '4.0': '5.0' };

/** The OU baseline that registers an OU: AWSControlTowerBaseline. */
export const CONTROL_TOWER_BASELINE_ID = '17BSJV3IGJ2QSGA2';

export function isLandingZoneVersion(value: unknown): value is LandingZoneVersion {
  return (LANDING_ZONE_VERSIONS as readonly unknown[]).includes(value);
}

/**
 * `arn:<partition>:controltower:<region>::control/<ID>` (ID: AWS-GR_… or an opaque id). No dots:
 * CloudFormation's ControlIdentifier pattern is `^arn:aws[0-9a-zA-Z_\-:\/]+$`, so a catalog name
 * such as CT.S3.PR.1 must be written as its Control Catalog ARN.
 */
export const CONTROLTOWER_CONTROL_ARN_RE =
  /^arn:(aws[a-z-]*):controltower:([a-z0-9-]+)::control\/([A-Za-z0-9_-]{1,128})$/;
/** `arn:<partition>:controlcatalog:::control/<id>` (Control Catalog). */
export const CONTROLCATALOG_CONTROL_ARN_RE =
  /^arn:(aws[a-z-]*):controlcatalog:::control\/([A-Za-z0-9]{1,64})$/;
/** The legacy guardrail names, e.g. AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS. */
export const LEGACY_GUARDRAIL_RE = /^AWS-GR_[A-Z0-9_]{1,120}$/;

const FORMS =
  'write arn:aws:controltower:<region>::control/<ID> or arn:aws:controlcatalog:::control/<id>, or a guardrail name such as AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS';

/** Why Control Tower would not take this control identifier, or undefined when it has an accepted form. */
export function controlIdProblem(id: string): string | undefined {
  if (
    CONTROLTOWER_CONTROL_ARN_RE.test(id) ||
    CONTROLCATALOG_CONTROL_ARN_RE.test(id) ||
    LEGACY_GUARDRAIL_RE.test(id)
  )
    return undefined;
  return `"${id}" is not a control identifier: ${FORMS}`;
}

/**
 * The identifier EnableControl takes: ARNs as written, a guardrail name as
 * `arn:<partition>:controltower:<home region>::control/<name>`.
 */
export function controlArn(id: string, partition: string, homeRegion: string): string {
  return LEGACY_GUARDRAIL_RE.test(id) ? `arn:${partition}:controltower:${homeRegion}::control/${id}` : id;
}

/** A region written into a controltower control ARN other than the home region, if any. */
export function controlArnRegion(id: string): string | undefined {
  return CONTROLTOWER_CONTROL_ARN_RE.exec(id)?.[2];
}

/** `arn:<partition>:kms:<region>:<account>:key/<id>`. */
export const KMS_KEY_ARN_RE = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/;
