import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { redact } from './redact.js';

describe('Function: redact', () => {
  it('never leaves any value of two characters or more in the result, whatever the text and values', () => {
    const values = fc.array(fc.string({ minLength: 2, maxLength: 8, unit: fc.constantFrom('a', 'c', 't', 'e', 'd', 'r', '[', ']', '█', ' ') }), { maxLength: 5 });
    const text = fc.string({ maxLength: 60, unit: fc.constantFrom('a', 'c', 't', 'e', 'd', 'r', '[', ']', '█', ' ', 'x') });
    expect(
      fc.check(
        fc.property(text, values, (t, v) => {
          const result = redact(t, v);
          return v.every((value) => !result.includes(value));
        }),
        { numRuns: 2000 },
      ).counterexample,
    ).toBeNull();
  });

  it('keeps readable text when nothing collides', () => {
    expect(redact('a=secret-long b=secret c=x', ['secret', 'secret-long', 'x'])).toBe('a=[redacted] b=[redacted] c=x');
    expect(redact('nothing here', [])).toBe('nothing here');
    // `act` is part of the marker: the one-character fallback is used instead.
    expect(redact('exact', ['act'])).toBe('ex█');
  });
});
