import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { templatePath } from '../package.js';

/** The sample API handler shipped with estate. */
export function sampleApiCodePath(): string {
  return templatePath('app', 'api');
}

/** The folder of the blueprint sources (src/blueprints, or dist/blueprints when built). */
export function blueprintsDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}
