/**
 * How a step's routed tokens fall on the devices of expert parallelism, under uniform routing: each token picks
 * its k experts among E uniformly without replacement, and the experts are dealt to `groups` devices (or groups of
 * devices), E / groups each. Pure math, priced once per step.
 */

/** Standard normal cumulative distribution (Abramowitz and Stegun 26.2.17 via erf 7.1.26: absolute error below 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * E[max of m independent standard normals] = integral of x * m * phi(x) * Phi(x)^(m-1) dx, by the trapezoid rule
 * on [-9, 9] (the integrand is below 1e-15 outside): 0 for m = 1, 1/sqrt(pi) = 0.5642 for m = 2, 1.0294 for 4,
 * 1.4236 for 8, 1.7660 for 16 (the tabulated values, e.g. Harter 1961, "Expected values of normal order statistics").
 */
export function expectedMaxOfNormals(m: number): number {
  if (!(Number.isInteger(m) && m >= 1)) throw new RangeError(`expectedMaxOfNormals needs a positive integer, got ${m}`);
  if (m === 1) return 0;
  const step = 1e-3;
  let sum = 0;
  for (let x = -9; x <= 9; x += step) {
    const density = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    sum += x * m * density * Math.pow(normalCdf(x), m - 1);
  }
  return sum * step;
}

/**
 * Expected token-expert assignments on the most-loaded of `groups` expert-parallel groups, for `tokens` tokens
 * routed top-k among E experts (E / groups experts per group).
 *
 * Derivation. One token puts a hypergeometric number of its k picks on a given group: mean k/g, variance
 * k (1/g)(1 - 1/g)(E - k)/(E - 1). Over T independent tokens the loads (X_1..X_g) sum to T k and, by the central
 * limit theorem, are jointly normal with the multinomial's covariance scaled by f = (E - k)/(E - 1): they are
 * distributed as T k / g + s (Z_i - Zbar) with Z_i independent standard normals and s^2 = T k f / g (this gives
 * Var X_i = s^2 (1 - 1/g) and Cov = -s^2 / g, as required). Zbar is common to every i, so
 *   E[max_i X_i] = T k / g + s * E[max of g standard normals]  (`normalMax`, see expectedMaxOfNormals).
 * For k = 1 this is the classical balls-into-bins maximum load in its heavy-load regime (Raab and Steger, "Balls
 * into Bins - A Simple and Tight Analysis", RANDOM 1998: T/g + Theta(sqrt(2 (T/g) ln g)) for T >> g ln g). It is an
 * approximation at few tokens, held between two certain bounds: at least ceil(T k / g) (some group takes the
 * mean rounded up) and at most T * min(k, E/g) (a group takes no more than it holds). Real routers are skewed toward popular experts, so this uniform-routing figure is the least
 * imbalance a deployment sees; DeepSeek's group-limited routing is not modelled.
 */
export function expectedMaxGroupLoad(tokens: number, k: number, experts: number, groups: number, normalMax: number): number {
  const mean = (tokens * k) / groups;
  if (groups <= 1 || tokens <= 0) return mean;
  const f = experts > 1 ? (experts - k) / (experts - 1) : 0;
  const s = Math.sqrt((tokens * k * f) / groups);
  const atLeast = Number.isInteger(tokens) ? Math.ceil(mean - 1e-9) : mean;
  return Math.min(Math.max(mean + s * normalMax, atLeast), tokens * Math.min(k, experts / groups));
}

/**
 * Expected number of the `groups` expert groups one token's k experts land on: groups * (1 - C(E - E/g, k) / C(E, k)),
 * the chance that a group holds none of the k picks being the product over the picks. What a deduplicating
 * dispatch (DeepEP, pplx) sends a token to.
 */
export function expectedGroupsPerToken(k: number, experts: number, groups: number): number {
  if (groups <= 1) return 1;
  const perGroup = experts / groups;
  let none = 1;
  for (let i = 0; i < k; i++) none *= Math.max(0, experts - perGroup - i) / (experts - i);
  return groups * (1 - none);
}
