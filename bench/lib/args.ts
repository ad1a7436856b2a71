// Numeric command-line flags of the benchmarks (`--name VALUE`), each checked against its rule so a
// typo fails naming the flag instead of running a meaningless workload.

export type NumberRule = 'positive integer' | 'non-negative integer' | 'positive number';

const OK: Record<NumberRule, (v: number) => boolean> = {
  'positive integer': (v) => Number.isInteger(v) && v > 0,
  'non-negative integer': (v) => Number.isInteger(v) && v >= 0,
  'positive number': (v) => Number.isFinite(v) && v > 0,
};

/** The value of `--name` in process.argv, or `fallback` when absent; throws when it breaks `rule`. */
export function numberArg(name: string, fallback: number, rule: NumberRule = 'positive integer', argv: string[] = process.argv): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!OK[rule](v)) throw new Error(`--${name}: must be a ${rule}`);
  return v;
}
