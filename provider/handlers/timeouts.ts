// Per-resource timeouts of the waits (staging after create/update, the release after delete), as
// the engines spell them: Terraform's `timeouts { create = "20m" }` block and Pulumi's
// `customTimeouts: { create: '20m' }` resource option (docs/terraform.md, docs/pulumi.md
// "Timeouts"). Both use Go's duration syntax: a sequence of decimal numbers with a unit.

/** The actions a timeout can be given for. */
export const TIMEOUT_ACTIONS = ['create', 'update', 'delete'] as const;
export type TimeoutAction = (typeof TIMEOUT_ACTIONS)[number];
export type Timeouts = Partial<Record<TimeoutAction, string>>;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Longer than any wait should be (a week): a typo like "5000h" is refused, not waited out. */
const MAX_MS = 7 * 24 * 3_600_000;

/** Milliseconds of a duration like "90s", "20m" or "1h30m"; a reason string when it is not one. */
export function parseDuration(text: string): number | string {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s)) return `"${text}" is not a duration (e.g. "90s", "20m", "1h30m")`;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  if (ms <= 0) return `"${text}" must be longer than zero`;
  if (ms > MAX_MS) return `"${text}" is longer than a week`;
  return Math.round(ms);
}

/** Field failures for a timeouts value (`prefix.create: ...`). */
export function timeoutFailures(t: Timeouts | undefined, prefix: string): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  for (const a of TIMEOUT_ACTIONS) {
    const v = t?.[a];
    if (typeof v !== 'string') continue;
    const r = parseDuration(v);
    if (typeof r === 'string') out.push({ field: `${prefix}.${a}`, reason: r });
  }
  return out;
}

/** The timeout in ms for an action, undefined when none (or an invalid one: validation reported it). */
export function timeoutMs(t: Timeouts | undefined, action: TimeoutAction): number | undefined {
  const v = t?.[action];
  if (typeof v !== 'string') return undefined;
  const r = parseDuration(v);
  return typeof r === 'number' ? r : undefined;
}
