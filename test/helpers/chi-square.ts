/**
 * @module test/helpers/chi-square
 * Pearson's chi-square goodness-of-fit for the statistical tests of crypto/ (the noise sampler).
 * Floating point is fine here: this judges the sampler, it never produces noise. It lives outside
 * crypto/ because crypto/ may not touch `Math` (lint rule).
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const z = x - 1
  let sum = c[0]!
  for (let i = 1; i < 9; i++) sum += c[i]! / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

/** Regularised upper incomplete gamma Q(a, x) (series below a + 1, Lentz continued fraction above). */
export function upperGammaQ(a: number, x: number): number {
  if (x <= 0) return 1
  const logPrefix = a * Math.log(x) - x - logGamma(a)
  if (x < a + 1) {
    let term = 1 / a
    let sum = term
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break
    }
    return 1 - sum * Math.exp(logPrefix)
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return Math.exp(logPrefix) * h
}

/** P(χ²(df) ≥ statistic). */
export function chiSquareSurvival(statistic: number, degreesOfFreedom: number): number {
  return upperGammaQ(degreesOfFreedom / 2, statistic / 2)
}

/**
 * Pearson's test of observed category counts against expected probabilities (summing to 1).
 * Adjacent categories are merged from the end until every expected count is at least 5.
 */
export function chiSquareTest(
  observed: number[],
  probabilities: number[],
): { statistic: number; degreesOfFreedom: number; pValue: number } {
  if (observed.length !== probabilities.length) throw new Error('length mismatch')
  const total = observed.reduce((a, b) => a + b, 0)
  const obs = [...observed]
  const exp = probabilities.map((p) => p * total)
  while (exp.length > 1 && exp[exp.length - 1]! < 5) {
    const e = exp.pop()!
    const o = obs.pop()!
    const last = exp.length - 1
    exp[last] = exp[last]! + e
    obs[last] = obs[last]! + o
  }
  let statistic = 0
  for (let i = 0; i < exp.length; i++) statistic += (obs[i]! - exp[i]!) ** 2 / exp[i]!
  const degreesOfFreedom = exp.length - 1
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) }
}

/**
 * Probabilities of |X| = 0, 1, …, categories − 2 and |X| ≥ categories − 1 for the discrete Laplace
 * distribution P(x) = (1 − q)/(1 + q) · q^|x|, q = exp(−1/scale).
 */
export function discreteLaplaceAbsProbabilities(scale: number, categories: number): number[] {
  const q = Math.exp(-1 / scale)
  const p0 = (1 - q) / (1 + q)
  const out = [p0]
  for (let k = 1; k < categories - 1; k++) out.push(2 * p0 * q ** k)
  // P(|X| ≥ K) = 2 · p0 · q^K / (1 − q)
  out.push((2 * p0 * q ** (categories - 1)) / (1 - q))
  return out
}
