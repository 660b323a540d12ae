/**
 * Invalid blueprint props: a user error that names the blueprint, the offending value and
 * what to change. Thrown while the construct tree is built, before anything is synthesised.
 */
export class BlueprintError extends Error {
  readonly code = 'BLUEPRINT_INVALID_PROPS';
  readonly source = 'user' as const;

  constructor(
    readonly blueprint: string,
    message: string,
    readonly suggestions: readonly string[] = [],
  ) {
    super(`${blueprint}: ${message}`);
    this.name = 'BlueprintError';
  }
}
