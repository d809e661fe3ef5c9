/** Numeric comparison used by the golden tests: |ours - ref| <= atol * max|ref| + rtol * |ref|, per element. */
export interface CloseReport {
  readonly ok: boolean;
  readonly worstIndex: number;
  readonly worstExcess: number;
  readonly maxAbsDiff: number;
  readonly refMaxAbs: number;
}

export function compareArrays(
  ours: ArrayLike<number>,
  ref: ArrayLike<number>,
  { atolOfMax = 1e-5, rtol = 1e-4 }: { atolOfMax?: number; rtol?: number } = {},
): CloseReport {
  if (ours.length !== ref.length) throw new Error(`length ${ours.length} differs from reference ${ref.length}`);
  let refMaxAbs = 0;
  for (let i = 0; i < ref.length; i++) refMaxAbs = Math.max(refMaxAbs, Math.abs(ref[i]!));
  let worstIndex = -1;
  let worstExcess = -Infinity;
  let maxAbsDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs(ours[i]! - ref[i]!);
    const allowed = atolOfMax * refMaxAbs + rtol * Math.abs(ref[i]!);
    maxAbsDiff = Math.max(maxAbsDiff, diff);
    const excess = Number.isNaN(diff) ? Infinity : diff - allowed;
    if (excess > worstExcess) {
      worstExcess = excess;
      worstIndex = i;
    }
  }
  return { ok: worstExcess <= 0, worstIndex, worstExcess, maxAbsDiff, refMaxAbs };
}
