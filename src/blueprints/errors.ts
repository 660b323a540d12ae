import { EstateError } from '../errors.js';

/**
 * Invalid blueprint props or settings: a user error (exit 2) that names the blueprint, the
 * offending value and what to change. Thrown while the construct tree is built, before
 * anything is synthesised.
 */
export class BlueprintError extends EstateError {
  constructor(
    readonly blueprint: string,
    message: string,
    suggestions: readonly string[] = [],
  ) {
    super(`${blueprint}: ${message}`, {
      code: 'InvalidBlueprint',
      source: 'user',
      suggestions,
      details: { blueprint },
    });
    this.name = 'BlueprintError';
  }
}
