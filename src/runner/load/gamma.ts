/**
 * Seeded Gamma and Beta draws for random arrivals. Node has no statistics library and arrivals need only
 * these two, so they are written out: Marsaglia and Tsang's method (2000) for Gamma, with the
 * Gamma(a) = Gamma(a + 1) · U^(1/a) boost for shapes below 1 (bursty arrivals use shapes down to 0.01).
 */

/** Draws Gamma(shape, scale 1) from a uniform [0, 1) source; no allocation per draw. */
export function gammaSampler(rand: () => number): (shape: number) => number {
  // Box–Muller gives two normals per pair of uniforms; the second is kept for the next draw.
  let spare = NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const z = spare;
      spare = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const theta = 2 * Math.PI * rand();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
  const atLeastOne = (a: number): number => {
    const d = a - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const t = 1 + c * x;
      if (t <= 0) continue;
      const v = t * t * t;
      // 1 - rand() is in (0, 1]: the log stays finite.
      if (Math.log(1 - rand()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return (shape) => (shape >= 1 ? atLeastOne(shape) : atLeastOne(shape + 1) * Math.pow(1 - rand(), 1 / shape));
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function betaSampler(rand: () => number): (a: number, b: number) => number {
  const gamma = gammaSampler(rand);
  return (a, b) => {
    const x = gamma(a);
    const y = gamma(b);
    // Both are 0 only if a tiny shape underflowed and b did too; call it an even split.
    return x + y > 0 ? x / (x + y) : 0.5;
  };
}
