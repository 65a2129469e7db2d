import { describe, expect, it } from 'vitest';
import { bootDeadline } from '../src/boot-deadline.js';

describe('Function: bootDeadline', () => {
  it('ends before pluginTimeout by a quarter of it, at most 2 s', () => {
    expect(bootDeadline(10_000, undefined)).toEqual({ readyTimeoutMs: 8_000, capped: false });
    expect(bootDeadline(2_000, undefined)).toEqual({ readyTimeoutMs: 1_500, capped: false });
    expect(bootDeadline(60_000, undefined)).toEqual({ readyTimeoutMs: 58_000, capped: false });
  });

  it('lowers a longer readyTimeoutMs and says so; keeps a shorter one', () => {
    expect(bootDeadline(10_000, 30_000)).toEqual({ readyTimeoutMs: 8_000, capped: true });
    expect(bootDeadline(10_000, 3_000)).toEqual({ readyTimeoutMs: 3_000, capped: false });
  });

  it("leaves readyTimeoutMs to the user (and core's default) when Fastify has no pluginTimeout", () => {
    expect(bootDeadline(0, undefined)).toEqual({ readyTimeoutMs: 30_000, capped: false });
    expect(bootDeadline(0, 120_000)).toEqual({ readyTimeoutMs: 120_000, capped: false });
  });

  it("passes a value that is not a number through for core's OPTIONS_INVALID", () => {
    expect(bootDeadline(10_000, 'soon')).toEqual({ readyTimeoutMs: 'soon', capped: false });
  });
});
