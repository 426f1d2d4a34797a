/** The smallest of 1, 2, 2.5, 5 times a power of ten that is >= x, for tidy linear axis ends. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(x));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= x * (1 - 1e-12)) return step * magnitude;
  }
  return 10 * magnitude;
}

/** Powers of ten enclosing [min, max], for log axes whose ends fall on labelled decades. */
export function decadeRange(min: number, max: number): { min: number; max: number } {
  const lo = 10 ** Math.floor(Math.log10(min));
  let hi = 10 ** Math.ceil(Math.log10(max));
  if (hi <= lo) hi = lo * 10;
  return { min: lo, max: hi };
}
