import { styleText } from 'node:util';
import type { EstateError } from '../errors.js';

const color = (style: Parameters<typeof styleText>[0], text: string) =>
  process.stderr.isTTY && !process.env.NO_COLOR ? styleText(style, text) : text;

/** One clear message, the suggestions, and the stack (with causes) only under --debug. */
export function renderError(error: EstateError, options: { debug: boolean; command?: string }): string {
  const lines = [`${color('red', '✖')} ${error.message}`];
  const issues = error.details?.issues;
  if (Array.isArray(issues)) for (const issue of issues) lines.push(`  ${String(issue)}`);
  for (const suggestion of error.suggestions) lines.push(`  ${color('dim', '→')} ${suggestion}`);
  if (options.debug) {
    lines.push('', color('dim', `code: ${error.code} (${error.source})`));
    let cause: unknown = error.source === 'internal' ? error.cause : error;
    while (cause) {
      lines.push(color('dim', (cause as Error).stack ?? String(cause)));
      cause = (cause as Error).cause;
      if (cause) lines.push(color('dim', 'caused by:'));
    }
  } else if (error.source === 'internal') {
    lines.push(`  ${color('dim', '(run with --debug for the stack trace)')}`);
  }
  return `${lines.join('\n')}\n`;
}
