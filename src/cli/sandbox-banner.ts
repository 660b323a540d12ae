/**
 * The line that keeps a sandbox from being mistaken for a real account: every command that
 * talks to AWS writes it to stderr before its first call (awsClientsFor), in every output
 * mode (under --json too: stdout still carries only the document).
 */

/** 127.0.0.0/8, ::1 and localhost: where only this machine answers. */
export function isLoopbackUrl(value: string): boolean {
  let host: string;
  try {
    host = new URL(value).hostname;
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/** AWS_ENDPOINT_URL_<SERVICE> as the SDKs read them; not estate's own S3-for-CloudFormation address. */
const SERVICE_ENDPOINT = /^AWS_ENDPOINT_URL_([A-Z0-9_]+)$/;
const NOT_A_SERVICE = new Set(['S3_FOR_CLOUDFORMATION']);

/**
 * The banner for this environment, or undefined when estate talks to AWS itself.
 * ESTATE_SANDBOX (set by `estate sandbox env`) names the estate sandbox; otherwise an
 * AWS_ENDPOINT_URL (or per-service AWS_ENDPOINT_URL_*) on loopback is an emulator.
 */
export function sandboxBanner(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ESTATE_SANDBOX) return `sandbox: talking to the estate sandbox at ${env.ESTATE_SANDBOX}, not AWS`;
  const general = env.AWS_ENDPOINT_URL || undefined;
  const services = Object.entries(env)
    .map(([key, value]) => [SERVICE_ENDPOINT.exec(key)?.[1], value] as const)
    .filter((e): e is readonly [string, string] => !!e[0] && !NOT_A_SERVICE.has(e[0]) && !!e[1])
    .sort(([a], [b]) => a.localeCompare(b));
  const elsewhere = services.filter(([, url]) => !isLoopbackUrl(url)).map(([service]) => service);
  if (general && isLoopbackUrl(general)) {
    const except = elsewhere.length
      ? ` (except ${elsewhere.join(', ')}: ${elsewhere.length === 1 ? 'its' : 'their'} AWS_ENDPOINT_URL_* is not loopback)`
      : '';
    return `sandbox: talking to an AWS emulator on loopback at ${general}, not AWS${except}`;
  }
  const local = services.filter(([, url]) => isLoopbackUrl(url));
  if (!local.length) return undefined;
  const urls = [...new Set(local.map(([, url]) => url))];
  return `sandbox: ${local.map(([s]) => s).join(', ')} calls go to an AWS emulator on loopback at ${urls.join(', ')}; the other services are AWS`;
}

/** Writes the banner, if any, as one line on stderr. */
export function announceSandbox(
  env: NodeJS.ProcessEnv = process.env,
  stderr: NodeJS.WritableStream = process.stderr,
): void {
  const banner = sandboxBanner(env);
  if (banner) stderr.write(`${banner}\n`);
}
