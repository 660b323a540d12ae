/**
 * Rules the blueprints enforce, without aws-cdk-lib: the constructs throw with them while the
 * tree is built, and the config checks (src/config/blueprint-checks.ts) report them with
 * file:line before any synthesis, so `config validate` rejects what synth would.
 */

export const ZONES_FIX =
  'set api-eks.availabilityZones to at least two zone names of the region, e.g. [eu-west-2a, eu-west-2b] (aws ec2 describe-availability-zones lists those of the account)';

/**
 * What is wrong with a list of availability-zone names for a VPC in `region`, if anything: at
 * least two, no repeats, each `<region><letter>`.
 */
export function availabilityZoneProblem(
  zones: readonly string[],
  region: string | undefined,
): string | undefined {
  if (zones.length === 0) return 'no availabilityZones: a VPC needs at least two zone names of its region';
  if (zones.length < 2 || new Set(zones).size !== zones.length)
    return `availabilityZones must be at least two different zones, got ${zones.join(', ')}`;
  if (region === undefined) return undefined;
  const foreign = zones.filter((z) => !new RegExp(`^${region}[a-z]$`).test(z));
  if (foreign.length)
    return `${foreign.join(', ')} ${foreign.length === 1 ? 'is not a zone' : 'are not zones'} of ${region} (zone names are ${region} and a letter, e.g. ${region}a)`;
  return undefined;
}

export function natGatewaysProblem(natGateways: number, zones: number): string | undefined {
  return Number.isInteger(natGateways) && natGateways >= 0 && natGateways <= zones
    ? undefined
    : `natGateways ${natGateways} must be a whole number from 0 to the number of zones (${zones})`;
}

export const CALLBACK_FIX =
  'set auth.callbackUrls, e.g. [https://app.example.com/callback], or give edge a domainName so that https://<domain>/ is used';

/** What is wrong with the OAuth callback and sign-out URLs of a user pool, if anything. */
export function callbackUrlProblem(
  callbackUrls: readonly string[],
  logoutUrls: readonly string[],
  size: 'dev' | 'prod',
): string | undefined {
  if (callbackUrls.length === 0) return 'callbackUrls is empty: the managed login has nowhere to return to';
  for (const url of [...callbackUrls, ...logoutUrls]) {
    if (!/^https:\/\//.test(url) && !/^http:\/\/localhost(:\d+)?(\/|$)/.test(url))
      return `"${url}" must use https (http is only allowed for localhost)`;
  }
  if (size === 'prod' && [...callbackUrls, ...logoutUrls].some((u) => u.startsWith('http://')))
    return 'a prod user pool must not redirect to http://localhost; remove it from the prod environment';
  return undefined;
}

export const SES_FIX =
  'set auth.email.fromEmail (and sesRegion if the SES identity is in another region) to an address verified in Amazon SES';
export const SES_MISSING =
  "a prod user pool needs Amazon SES: Cognito's default sender has a small daily quota";

export function sesDomainProblem(email: {
  fromEmail: string;
  sesVerifiedDomain?: string;
}): string | undefined {
  return email.sesVerifiedDomain && !email.fromEmail.endsWith(`@${email.sesVerifiedDomain}`)
    ? `email.fromEmail ${email.fromEmail} is not inside sesVerifiedDomain ${email.sesVerifiedDomain}`
    : undefined;
}

/** The origin of the Vite dev server a dev environment also allows. */
export const LOCAL_DEV_ORIGIN = 'http://localhost:5173';

/** callbackUrls when auth.callbackUrls is not set: the edge domain, and localhost in dev. */
export function defaultCallbackUrls(size: 'dev' | 'prod', edgeDomain: string | undefined): string[] {
  return [
    ...(edgeDomain ? [`https://${edgeDomain}/`] : []),
    ...(size === 'dev' ? [`${LOCAL_DEV_ORIGIN}/`] : []),
  ];
}

/** What is wrong with edge's custom domain and hosted zone, with the key to change. */
export function edgeDomainProblem(edge: {
  domainName?: string;
  hostedZoneId?: string;
  hostedZoneName?: string;
}): { key: 'domainName' | 'hostedZoneId'; message: string; fix: string } | undefined {
  const { domainName, hostedZoneId, hostedZoneName } = edge;
  if (domainName && (!hostedZoneId || !hostedZoneName))
    return {
      key: 'hostedZoneId',
      message: `custom domain ${domainName} has no hosted zone`,
      fix: 'set edge.hostedZoneId and edge.hostedZoneName of the Route 53 public zone that holds the domain',
    };
  if (!domainName && (hostedZoneId || hostedZoneName))
    return {
      key: 'domainName',
      message: 'a hosted zone is given without edge.domainName',
      fix: 'set edge.domainName, or remove hostedZoneId and hostedZoneName',
    };
  if (domainName && hostedZoneName) {
    const zone = hostedZoneName.replace(/\.$/, '');
    if (domainName !== zone && !domainName.endsWith(`.${zone}`))
      return {
        key: 'domainName',
        message: `${domainName} is not inside hosted zone ${zone}`,
        fix: `use a domain ending in .${zone}, or the zone that holds ${domainName}`,
      };
  }
  return undefined;
}
