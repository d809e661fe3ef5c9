import { parseSafetensors } from "./packages/core/src/tensor/safetensors.js";
import { readFileSync } from "node:fs";
for (const dir of process.argv.slice(2)) {
  const f = parseSafetensors(readFileSync(`${dir}/meta-checkpoint.safetensors`));
  const j = JSON.parse(readFileSync(`${dir}/meta-checkpoint.json`, "utf8"));
  console.log("==", j.method, j.metaTraining.steps, "steps; first/last query", j.losses[0].queryLoss.toFixed(3), j.losses.at(-1).queryLoss.toFixed(3));
  const ql = j.losses.map((l: any) => l.queryLoss); const q = (a: number[]) => (a.reduce((x, y) => x + y, 0) / a.length).toFixed(3);
  console.log("  query loss mean first 10 / last 10:", q(ql.slice(0, 10)), q(ql.slice(-10)), " support first/last 10:", q(j.losses.slice(0,10).map((l:any)=>l.supportLoss)), q(j.losses.slice(-10).map((l:any)=>l.supportLoss)));
  for (const [name, t] of [...f.tensors] as any) {
    const d = t.data as Float32Array; let mn = Infinity, mx = -Infinity, s = 0, s2 = 0;
    for (const v of d) { mn = Math.min(mn, v); mx = Math.max(mx, v); s += v; s2 += v * v; }
    console.log(`  ${name} [${t.shape}] mean ${(s / d.length).toExponential(2)} rms ${Math.sqrt(s2 / d.length).toExponential(2)} min ${mn.toExponential(2)} max ${mx.toExponential(2)}`);
  }
}
