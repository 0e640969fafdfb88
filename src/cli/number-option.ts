import { InvalidArgumentError } from "commander";

/**
 * A commander argument parser for a whole number of at least `min`. It throws commander's own
 * InvalidArgumentError, so `locus events --since abc` is a usage error (exit 2, naming the option) before any
 * store is opened; a plain Error would escape as a storage failure (issue 21 hole 8).
 */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isSafeInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`expected a whole number of at least ${min}, got "${value}"`);
    }
    return parsed;
  };
}
