import { expect, it } from 'vitest';

it('runs the cross-package project', () => {
  expect(1 + 1).toBe(2);
});
