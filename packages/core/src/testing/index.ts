export { loadGolden, goldensDir, assertClose, exactTolerance, halfGradTolerance } from "./goldens.js";
export type { Golden, Tolerance } from "./goldens.js";
export { GoldenTokenizer, loadGoldenCase, goldenInitialState, checkAgainstGolden } from "./golden-method.js";
export type { GoldenCase, GoldenCheck } from "./golden-method.js";
export { describeMethodConformance, otherClassNames } from "./conformance.js";
export type { ConformanceOptions } from "./conformance.js";
