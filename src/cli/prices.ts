/**
 * The price table shipped in templates/prices.json, read once per process and checked: what
 * `env cost`, `env list`, `env deploy` and the reaper give the pure cost functions in core.
 */
import { readFileSync } from 'node:fs';
import { parsePriceTable, type PriceTable } from '../core/env/cost.js';
import { EstateError } from '../errors.js';
import { templatePath } from '../package.js';

let cached: PriceTable | undefined;

/** templates/prices.json of the installed package, parsed and checked (an internal error when it is not). */
export function loadPriceTable(file: string = templatePath('prices.json')): PriceTable {
  if (cached && file === templatePath('prices.json')) return cached;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EstateError(`cannot read the price table ${file}: ${(error as Error).message}`, {
      code: 'PriceTableMissing',
      source: 'internal',
      suggestions: ['reinstall estate: the package ships templates/prices.json'],
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new EstateError(`the price table ${file} is not JSON: ${(error as Error).message}`, {
      code: 'PriceTableInvalid',
      source: 'internal',
      cause: error,
    });
  }
  const table = parsePriceTable(raw, file);
  if (file === templatePath('prices.json')) cached = table;
  return table;
}
