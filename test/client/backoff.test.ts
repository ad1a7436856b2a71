// The transport's back-off: exponential steps capped at maxDelayMs, the upper half of each step
// random, so clients that lost the composer together do not come back together.
import { backoffMs, DEFAULT_RETRY, type RetryPolicy } from '../../provider/client';

const policy: RetryPolicy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };

test('each step doubles, up to maxDelayMs, and lies in its upper half', () => {
  const steps = [100, 200, 400, 800, 1000, 1000];
  steps.forEach((step, attempt) => {
    expect(backoffMs(attempt, policy, () => 0)).toBe(step / 2);
    expect(backoffMs(attempt, policy, () => 0.999999)).toBe(step);
  });
});

test('different draws give different delays: retries are spread, not in lock-step', () => {
  const draws = [0.1, 0.4, 0.7, 0.95];
  const delays = draws.map((r) => backoffMs(3, policy, () => r));
  expect(new Set(delays).size).toBe(draws.length);
  for (const d of delays) {
    expect(d).toBeGreaterThanOrEqual(400);
    expect(d).toBeLessThanOrEqual(800);
  }
});

test('with the real random source a thousand clients do not all pick the same delay', () => {
  const delays = Array.from({ length: 1000 }, () => backoffMs(2, DEFAULT_RETRY));
  expect(new Set(delays).size).toBeGreaterThan(100);
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
  expect(Math.max(...delays)).toBeLessThanOrEqual(800);
});
