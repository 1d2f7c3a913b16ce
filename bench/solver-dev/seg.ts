import { GENERATORS } from "../../bench/generators/index.js";
import { RequestSchema } from "../../service/model/schema.js";
import { compile } from "../../service/model/compile.js";
for (const name of ["workplace", "depotV2g", "pvSite"]) {
  const req = RequestSchema.parse((GENERATORS as any)[name]({ sessions: 100, slots: 672, seed: 1 }));
  const p = compile(req);
  const C = p.circuitIds.length, T = p.slots;
  const out: string[] = [];
  for (let k = 0; k < C; k++) {
    const cover = new Int32Array(T + 1);
    for (let v = 0; v < p.sessions.count; v++) {
      let c = p.sessions.circuit[v]; let inSub = false;
      while (c >= 0) { if (c === k) inSub = true; c = p.circuitParent[c]; }
      if (!inSub) continue;
      for (let t = p.sessions.start[v]; t < p.sessions.end[v] - 1; t++) cover[t] = 1; // link t to t+1
    }
    const segs: number[] = []; let len = 1;
    for (let t = 1; t < T; t++) { if (cover[t - 1]) len++; else { segs.push(len); len = 1; } }
    segs.push(len);
    segs.sort((a, b) => b - a);
    out.push(`${p.circuitIds[k]}: max ${segs[0]} sumcube ${(segs.reduce((s, x) => s + x ** 3, 0) / 1e6).toFixed(1)}M`);
  }
  console.log(name, out.join(" | "));
}
