import type { Hook } from '@oclif/core';

/** Edit distance between two command ids, for "did you mean". */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function closestCommand(id: string, ids: readonly string[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  for (const candidate of ids) {
    const d = distance(id, candidate);
    if (!best || d < best.d) best = { id: candidate, d };
  }
  // Beyond a third of the length it is a guess, not a typo.
  return best && best.d <= Math.max(2, Math.ceil(id.length / 3)) ? best.id : undefined;
}

/**
 * @oclif/plugin-not-found asks "did you mean …?" on a terminal; in CI and scripts it only
 * says the command is unknown. This prints the suggestion there too (on stderr).
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  if (process.stdin.isTTY) return;
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const suggestion = closestCommand(opts.id, ids);
  if (suggestion)
    process.stderr.write(`Did you mean \`${opts.config.bin} ${suggestion.replaceAll(':', ' ')}\`?\n`);
};

export default hook;
