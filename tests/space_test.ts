import assert from "node:assert/strict";
import { join } from "node:path";
import { archConfigFromArchaiYaml } from "../lib/arch/archai.ts";
import { archHash } from "../lib/arch/hash.ts";
import type { Arch } from "../lib/arch/types.ts";
import { compactArch, validateArch } from "../lib/arch/validate.ts";
import { decoderParams } from "../lib/params/mod.ts";
import {
  bigLog10,
  crossoverArch,
  defineSpace,
  dInnerChoices,
  embeddingChoices,
  getSpace,
  inSpace,
  listPresets,
  mutateArch,
  nHeadChoices,
  perLayerDModelSpaceSize,
  PRESET_NAMES,
  sampleArch,
  type SearchSpace,
  type SpaceDefinition,
  spaceSize,
  whyNotInSpace,
} from "../lib/space/mod.ts";
import { isInputError } from "../lib/util/errors.ts";
import { PROJECT_ROOT } from "../lib/util/paths.ts";
import { createRng } from "../lib/util/rng.ts";
import { runCli } from "./helpers.ts";

const VARIANTS = PRESET_NAMES.flatMap((name) =>
  [false, true].map((homogeneous) => ({ name, homogeneous }))
);

/** Checks an architecture against a space without using the library's own membership test. */
function assertInside(space: SearchSpace, arch: Arch, what: string): void {
  const again = validateArch(compactArch(arch));
  assert.deepEqual(again, arch, `${what}: compact form round-trips`);
  assert.equal(arch.backbone, space.backbone, what);
  assert.ok(space.nLayer.includes(arch.nLayer), `${what}: nLayer ${arch.nLayer}`);
  assert.ok(space.dModel.includes(arch.dModel), `${what}: dModel ${arch.dModel}`);
  assert.equal(arch.nHead.length, arch.nLayer, what);
  assert.equal(arch.dInner.length, arch.nLayer, what);
  for (let i = 0; i < arch.nLayer; i++) {
    assert.ok(space.nHead.includes(arch.nHead[i]), `${what}: nHead[${i}]`);
    assert.equal(arch.dModel % arch.nHead[i], 0, `${what}: nHead[${i}] divides dModel`);
    assert.ok(space.dInner.includes(arch.dInner[i]), `${what}: dInner[${i}]`);
    assert.ok(arch.dInner[i] >= space.dInnerRatio * arch.dModel - 1e-6, `${what}: ratio`);
  }
  if (space.homogeneous) {
    assert.ok(arch.nHead.every((h) => h === arch.nHead[0]), `${what}: homogeneous nHead`);
    assert.ok(arch.dInner.every((d) => d === arch.dInner[0]), `${what}: homogeneous dInner`);
  }
  if (space.dEmbed === "dModel") assert.equal(arch.dEmbed, arch.dModel, what);
  else assert.ok(space.dEmbed.includes(arch.dEmbed), `${what}: dEmbed`);
  assert.ok(space.divVal.includes(arch.divVal), `${what}: divVal`);
  assert.equal(arch.vocabSize, space.vocabSize, what);
  assert.equal(arch.nPositions, space.nPositions, what);
  const params = decoderParams(arch);
  if (space.minDecoderParams !== undefined) assert.ok(params >= space.minDecoderParams, what);
  if (space.maxDecoderParams !== undefined) assert.ok(params <= space.maxDecoderParams, what);
  assert.equal(whyNotInSpace(space, arch), undefined, what);
}

Deno.test("presets: sampled, mutated and crossed architectures are valid and inside", () => {
  for (const { name, homogeneous } of VARIANTS) {
    const space = getSpace(name, { homogeneous });
    const rng = createRng(2024);
    let previous = sampleArch(space, rng);
    let grewLayers = 0, changedDModel = 0;
    for (let i = 0; i < 150; i++) {
      const what = `${name}${homogeneous ? " (homogeneous)" : ""} draw ${i}`;
      const a = sampleArch(space, rng);
      assertInside(space, a, `${what} sample`);
      const m = mutateArch(space, a, rng, 0.3);
      assertInside(space, m, `${what} mutant`);
      if (m.nLayer > a.nLayer) grewLayers++;
      if (m.dModel !== a.dModel) changedDModel++;
      const c = crossoverArch(space, a, previous, rng);
      assertInside(space, c, `${what} child`);
      // Every gene of the child comes from a parent.
      assert.ok([a.nLayer, previous.nLayer].includes(c.nLayer), what);
      assert.ok([a.dModel, previous.dModel].includes(c.dModel), what);
      assert.ok([a.dEmbed, previous.dEmbed].includes(c.dEmbed), what);
      assert.ok([a.divVal, previous.divVal].includes(c.divVal), what);
      for (let l = 0; l < c.nLayer; l++) {
        // Homogeneous: the one shared block comes from a parent.
        const fromParents = homogeneous ? [a, previous] : [a, previous].filter((p) => l < p.nLayer);
        const k = homogeneous ? 0 : l;
        assert.ok(fromParents.some((p) => p.nHead[k] === c.nHead[l]), `${what} nHead[${l}]`);
        assert.ok(fromParents.some((p) => p.dInner[k] === c.dInner[l]), `${what} dInner[${l}]`);
      }
      previous = a;
    }
    // Mutation reaches new depths and widths (new layers drawn fresh, invalid ones repaired).
    assert.ok(grewLayers > 2, `${name}: nLayer grew only ${grewLayers} times`);
    assert.ok(changedDModel > 2, `${name}: dModel changed only ${changedDModel} times`);
  }
});

Deno.test("presets: heterogeneous samples differ between layers; homogeneous ones do not", () => {
  const rng = createRng(5);
  const het = getSpace("lts-transformer-xl");
  const mixed = Array.from({ length: 50 }, () => sampleArch(het, rng))
    .filter((a) => new Set(a.dInner).size > 1).length;
  assert.ok(mixed > 40, `only ${mixed} of 50 heterogeneous samples mix dInner`);
  const hom = getSpace("lts-transformer-xl", { homogeneous: true });
  for (let i = 0; i < 50; i++) {
    const a = sampleArch(hom, rng);
    assert.equal(new Set(a.dInner).size, 1);
    assert.equal(new Set(a.nHead).size, 1);
  }
});

Deno.test("operations are deterministic by seed", () => {
  const run = (seed: number) => {
    const space = getSpace("text-predictor");
    const rng = createRng(seed);
    const out: string[] = [];
    let a = sampleArch(space, rng);
    for (let i = 0; i < 20; i++) {
      const b = sampleArch(space, rng);
      const m = mutateArch(space, b, rng, 0.5);
      a = crossoverArch(space, a, m, rng);
      out.push(archHash(b), archHash(m), archHash(a));
    }
    return out;
  };
  assert.deepEqual(run(11), run(11));
  assert.notDeepEqual(run(11), run(12));
});

Deno.test("mutate: p = 0 returns the parent, p = 1 nearly always differs", () => {
  for (const { name, homogeneous } of VARIANTS) {
    const space = getSpace(name, { homogeneous });
    const rng = createRng(77);
    let differ = 0;
    for (let i = 0; i < 40; i++) {
      const a = sampleArch(space, rng);
      assert.deepEqual(mutateArch(space, a, rng, 0), a);
      if (archHash(mutateArch(space, a, rng, 1)) !== archHash(a)) differ++;
    }
    assert.ok(differ >= 38, `${name}: p = 1 changed only ${differ} of 40`);
  }
});

Deno.test("crossover of identical parents returns the parent", () => {
  for (const { name, homogeneous } of VARIANTS) {
    const space = getSpace(name, { homogeneous });
    const rng = createRng(8);
    for (let i = 0; i < 30; i++) {
      const a = sampleArch(space, rng);
      assert.deepEqual(crossoverArch(space, a, structuredClone(a), rng), a);
    }
  }
});

Deno.test("mutate and crossover reject parents outside the space and bad p", () => {
  const space = getSpace("lts-gpt2");
  const rng = createRng(1);
  const outside = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 512, nHead: 8, dInner: 768 });
  assert.match(whyNotInSpace(space, outside)!, /^dInner\[0\]: 768 is below 2·dModel = 1024/);
  assert.throws(
    () => mutateArch(space, outside, rng),
    (e) => isInputError(e) && /parent: not in space lts-gpt2: dInner\[0\]/.test(e.message),
  );
  const inside = sampleArch(space, rng);
  assert.throws(() => crossoverArch(space, inside, outside, rng), /parent b: not in space/);
  assert.throws(() => mutateArch(space, inside, rng, 1.5), /p: expected a probability/);
  assert.throws(() => mutateArch(space, inside, rng, NaN), /p: expected a probability/);
});

Deno.test("membership: reasons name the field", () => {
  const gpt2 = getSpace("lts-gpt2");
  const rng = createRng(3);
  const a = sampleArch(gpt2, rng);
  assert.equal(inSpace(gpt2, a), true);
  assert.match(whyNotInSpace(getSpace("lts-transformer-xl"), a)!, /^backbone: gpt2/);
  assert.match(whyNotInSpace(gpt2, { ...a, vocabSize: 1000 })!, /^vocabSize/);
  assert.match(
    whyNotInSpace(gpt2, {
      ...a,
      nLayer: 17,
      nHead: Array(17).fill(2),
      dInner: Array(17).fill(4096),
    })!,
    /^nLayer: 17/,
  );
  const het = validateArch({
    backbone: "gpt2",
    nLayer: 2,
    dModel: 256,
    nHead: [2, 4],
    dInner: 512,
    dEmbed: 128,
  });
  assert.equal(whyNotInSpace(gpt2, het), undefined);
  assert.match(
    whyNotInSpace(getSpace("lts-gpt2", { homogeneous: true }), het)!,
    /^layer 1: differs/,
  );
  assert.match(whyNotInSpace(gpt2, { ...het, dEmbed: 200 })!, /^dEmbed: 200/);
  const tp = getSpace("text-predictor");
  const small = validateArch({ backbone: "gpt2", nLayer: 6, dModel: 512, nHead: 8, dInner: 1024 });
  assert.match(whyNotInSpace(tp, small)!, /^decoderParams: \d+ is outside 120000000…180000000/);
});

Deno.test("paper architectures: which lie in their spaces", () => {
  const opt = getSpace("opt-350m");
  const optArch = (nLayer: number, dModel: number, nHead: number, dInner: number) =>
    validateArch({
      backbone: "gpt2",
      nLayer,
      dModel,
      nHead,
      dInner,
      vocabSize: 50272,
      nPositions: 2048,
    });
  assert.equal(whyNotInSpace(opt, optArch(24, 1024, 16, 4096)), undefined); // OPT-350M itself
  assert.equal(whyNotInSpace(opt, optArch(28, 1344, 8, 1344)), undefined); // M8: d_inner = d_model
  assert.match(whyNotInSpace(opt, optArch(14, 1480, 2, 5824))!, /^dModel: 1480/); // M17
  const tp = getSpace("text-predictor");
  const tpArch = (nLayer: number, dModel: number, nHead: number, dInner: number) =>
    validateArch({ backbone: "gpt2", nLayer, dModel, nHead, dInner });
  assert.equal(whyNotInSpace(tp, tpArch(12, 1024, 16, 4096)), undefined); // baseline, 151 M
  assert.equal(whyNotInSpace(tp, tpArch(6, 1856, 4, 3712)), undefined); // C2
  assert.equal(whyNotInSpace(tp, tpArch(7, 1280, 16, 6016)), undefined); // C3-h16
  // C1 has d_inner/d_model = 0.84, below the study's own bound of 2.
  assert.match(whyNotInSpace(tp, tpArch(7, 1984, 4, 1664))!, /^dInner\[0\]: 1664 is below/);
  assert.equal(
    whyNotInSpace(getSpace("text-predictor", { dInnerRatio: 0.5 }), tpArch(7, 1984, 4, 1664)),
    undefined,
  );
});

// A raw saved-logs folder (the bundled pack holds no model_config.yaml files): $LTS_SAVED_LOGS
// when it names a folder, else archai's folder beside the project where one is (as in CI).
const savedLogs = Deno.env.get("LTS_SAVED_LOGS") ||
  join(PROJECT_ROOT, "../shared/archai-lts-saved-logs");
let hasSavedLogs = false;
try {
  hasSavedLogs = Deno.statSync(savedLogs).isDirectory;
} catch {
  hasSavedLogs = false;
}

Deno.test({
  name: "published Pareto architectures lie in the LTS space as the authors' code ran it",
  ignore: !hasSavedLogs,
  fn() {
    let checked = 0, outsidePaper = 0;
    for (const set of Deno.readDirSync(savedLogs)) {
      if (!set.isDirectory || !set.name.startsWith("pareto_")) continue;
      const backbone = set.name.includes("GPT2") ? "gpt2" : "transformer-xl";
      for (const model of Deno.readDirSync(join(savedLogs, set.name))) {
        const path = join(savedLogs, set.name, model.name, "model_config.yaml");
        let text: string;
        try {
          text = Deno.readTextFileSync(path);
        } catch {
          continue;
        }
        const arch = validateArch(archConfigFromArchaiYaml(text, backbone), path);
        // Their vocabulary, clusters and positions (gpt2 stored n_positions = tgt_len) vary.
        const options = {
          vocabSize: arch.vocabSize,
          cutoffs: arch.cutoffs,
          nPositions: arch.backbone === "gpt2" ? arch.nPositions : undefined,
        };
        const paper = getSpace(`lts-${backbone}`, options);
        // The paper's bound and embedding genes do not hold for all of them …
        if (whyNotInSpace(paper, arch) !== undefined) outsidePaper++;
        // … the code's do: d_inner >= 1.7·d_model, d_embed = d_model, k = 4.
        const code = getSpace(`lts-${backbone}`, {
          ...options,
          dInnerRatio: 1.7,
          dEmbed: "dModel",
          divVal: [4],
        });
        assert.equal(whyNotInSpace(code, arch), undefined, path);
        checked++;
      }
    }
    assert.ok(checked > 200, `only ${checked} published architectures found`);
    assert.ok(outsidePaper > checked / 2, `${outsidePaper} of ${checked} outside the paper space`);
  },
});

/** A tiny space with every kind of constraint: non-dividing heads, ratio, invalid embeddings. */
const TINY: SpaceDefinition = {
  name: "tiny",
  backbone: "gpt2",
  nLayer: [1, 3],
  dModel: [64, 96],
  nHead: [2, 3, 4],
  dInner: [64, 128, 192],
  dInnerRatio: 1.5,
  dEmbed: [32, 64],
  divVal: [1, 2, 64],
  vocabSize: 1000,
  cutoffs: [200, 500],
  nPositions: 16,
};

/** Every valid architecture of a tiny space, by brute force over all gene combinations. */
function enumerate(def: SpaceDefinition): Arch[] {
  const found = new Map<string, Arch>();
  const product = <T>(lists: T[][]): T[][] =>
    lists.reduce<T[][]>((acc, xs) => acc.flatMap((a) => xs.map((x) => [...a, x])), [[]]);
  const layers = product([def.nHead as number[], def.dInner as number[]]);
  for (const nLayer of def.nLayer) {
    for (const dModel of def.dModel) {
      for (const dEmbed of def.dEmbed === "dModel" ? [dModel] : def.dEmbed!) {
        for (const divVal of def.divVal!) {
          const stacks = def.homogeneous
            ? layers.map((l) => Array(nLayer).fill(l))
            : product(Array(nLayer).fill(layers));
          for (const stack of stacks) {
            let arch: Arch;
            try {
              arch = validateArch({
                backbone: def.backbone,
                nLayer,
                dModel,
                nHead: stack.map((l: number[]) => l[0]),
                dInner: stack.map((l: number[]) => l[1]),
                dEmbed,
                divVal,
                vocabSize: def.vocabSize,
                cutoffs: def.cutoffs,
                nPositions: def.nPositions,
              });
            } catch {
              continue;
            }
            if (arch.dInner.some((d) => d < (def.dInnerRatio ?? 0) * dModel)) continue;
            const params = decoderParams(arch);
            if (def.minDecoderParams !== undefined && params < def.minDecoderParams) continue;
            if (def.maxDecoderParams !== undefined && params > def.maxDecoderParams) continue;
            found.set(archHash(arch), arch);
          }
        }
      }
    }
  }
  return [...found.values()];
}

Deno.test("size: equals brute-force enumeration on tiny spaces, with and without bounds", () => {
  const all = enumerate(TINY).map(decoderParams).sort((a, b) => a - b);
  const lo = all[Math.floor(all.length * 0.3)], hi = all[Math.floor(all.length * 0.7)];
  const boundSets = [{}, { minDecoderParams: lo, maxDecoderParams: hi }, {
    minDecoderParams: lo,
  }, { maxDecoderParams: hi }];
  for (const backbone of ["gpt2", "transformer-xl"] as const) {
    for (const homogeneous of [false, true]) {
      const base: SpaceDefinition = {
        ...TINY,
        backbone,
        homogeneous,
        nPositions: backbone === "gpt2" ? 16 : undefined,
      };
      const unbounded = enumerate(base);
      for (const bounds of boundSets) {
        const space = defineSpace({ ...base, ...bounds });
        const expected = unbounded.filter((arch) => {
          const params = decoderParams(arch);
          return params >= (bounds.minDecoderParams ?? 0) &&
            params <= (bounds.maxDecoderParams ?? Infinity);
        });
        const { count, log10 } = spaceSize(space);
        const what = `${backbone} homogeneous=${homogeneous} bounds=${JSON.stringify(bounds)}`;
        assert.ok(
          expected.length > 0 && expected.length < unbounded.length || bounds === boundSets[0],
          what,
        );
        assert.equal(count, BigInt(expected.length), what);
        assert.ok(Math.abs(log10 - Math.log10(expected.length)) < 1e-12, what);
        for (const arch of expected) assert.equal(whyNotInSpace(space, arch), undefined, what);
      }
    }
  }
  // Hand count of the unbounded heterogeneous space: with d_model 64, heads {2, 4} × d_inner
  // {128, 192} = 4 layer choices; with 96, heads {2, 3, 4} × {192} = 3; 4 valid embeddings each
  // (k = 64 leaves a cluster of width 0); 1 or 3 layers.
  assert.deepEqual(embeddingChoices(defineSpace(TINY), 64).length, 4);
  assert.deepEqual(dInnerChoices(defineSpace(TINY), 96), [192]);
  assert.equal(
    spaceSize(defineSpace(TINY)).count,
    4n * (4n + 64n) + 4n * (3n + 27n),
  );
});

Deno.test("size with d_model drawn per layer: equals brute force on a tiny space", () => {
  // Brute force, written independently of the library's gene helpers: every sequence of layers,
  // each layer a (dModel, nHead, dInner) triple with nHead | dModel and dInner ≥ ratio·dModel,
  // times the valid embeddings (validity checked by validateArch, which does not depend on
  // dModel for fixed widths).
  const layerChoices: string[] = [];
  for (const dModel of TINY.dModel) {
    for (const nHead of TINY.nHead) {
      for (const dInner of TINY.dInner) {
        if (dModel % nHead === 0 && dInner >= TINY.dInnerRatio! * dModel) {
          layerChoices.push(`${dModel}/${nHead}/${dInner}`);
        }
      }
    }
  }
  const embeddings = (TINY.dEmbed as number[]).flatMap((dEmbed) =>
    TINY.divVal!.filter((divVal) => {
      try {
        validateArch({
          backbone: "gpt2",
          nLayer: 1,
          dModel: 64,
          nHead: 2,
          dInner: 128,
          dEmbed,
          divVal,
          vocabSize: TINY.vocabSize,
          cutoffs: TINY.cutoffs,
          nPositions: TINY.nPositions,
        });
        return true;
      } catch {
        return false;
      }
    }).map((divVal) => `${dEmbed}/${divVal}`)
  );
  const seen = new Set<string>();
  const extend = (prefix: string[], left: number) => {
    if (left === 0) {
      for (const e of embeddings) seen.add(`${e}|${prefix.join(",")}`);
      return;
    }
    for (const layer of layerChoices) extend([...prefix, layer], left - 1);
  };
  for (const nLayer of TINY.nLayer) extend([], nLayer);
  // d_model 64: heads {2, 4} × d_inner {128, 192}; 96: heads {2, 3, 4} × {192}; 4 embeddings.
  assert.equal(layerChoices.length, 7);
  assert.equal(embeddings.length, 4);
  const { count, log10 } = perLayerDModelSpaceSize(defineSpace(TINY));
  assert.equal(count, BigInt(seen.size));
  assert.equal(count, 4n * (7n + 343n));
  assert.ok(Math.abs(log10 - Math.log10(seen.size)) < 1e-12);

  // With one d_model both readings agree.
  for (const dModel of TINY.dModel) {
    const one = defineSpace({ ...TINY, dModel: [dModel] });
    assert.equal(perLayerDModelSpaceSize(one).count, spaceSize(one).count, `dModel ${dModel}`);
  }
  // With several, per-layer d_model holds at least as many.
  assert.ok(count > spaceSize(defineSpace(TINY)).count);

  for (
    const [def, pattern] of [
      [{ ...TINY, homogeneous: true }, /homogeneous/],
      [{ ...TINY, maxDecoderParams: 1e6 }, /bounds/],
      [{ ...TINY, dEmbed: "dModel" as const }, /dEmbed "dModel"/],
    ] as [SpaceDefinition, RegExp][]
  ) {
    assert.throws(
      () => perLayerDModelSpaceSize(defineSpace(def)),
      (e) => isInputError(e) && pattern.test((e as Error).message),
    );
  }
});

Deno.test("size with d_model drawn per layer: lts-gpt2 reaches the paper's 10^54", () => {
  // Per layer: Σ over d_model 128…1024 step 64 of 3 heads × #{d_inner ∈ 256…4096 step 64 with
  // d_inner ≥ 2·d_model} = 3 · (61 + 59 + … + 33) = 2115; 9 embeddings; 2–16 layers.
  const space = getSpace("lts-gpt2");
  let perLayer = 0;
  for (const dModel of space.dModel) {
    perLayer += nHeadChoices(space, dModel).length * dInnerChoices(space, dModel).length;
  }
  assert.equal(perLayer, 2115);
  let expected = 0n;
  for (let n = 2n; n <= 16n; n++) expected += 9n * 2115n ** n;
  const size = perLayerDModelSpaceSize(space);
  assert.equal(size.count, expected);
  assert.equal(size.count.toString(), "1443490219271425845239486257816770262643901831086427525");
  assert.ok(Math.abs(size.log10 - 54.1594) < 1e-3, String(size.log10));
  // The authors' code's ratio 1.7: 2214 per layer.
  assert.ok(
    Math.abs(perLayerDModelSpaceSize(getSpace("lts-gpt2", { dInnerRatio: 1.7 })).log10 - 54.4773) <
      1e-3,
  );
  // The Transformer-XL space has the same genes.
  assert.equal(perLayerDModelSpaceSize(getSpace("lts-transformer-xl")).count, expected);
});

Deno.test("sample covers a tiny space exactly", () => {
  const def = { ...TINY, nLayer: [1, 2], minDecoderParams: 60_000 };
  const space = defineSpace(def);
  const expected = new Set(enumerate(def).map(archHash));
  assert.equal(spaceSize(space).count, BigInt(expected.size));
  const seen = new Set<string>();
  const rng = createRng(99);
  for (let i = 0; i < 4000; i++) {
    const hash = archHash(sampleArch(space, rng));
    assert.ok(expected.has(hash), "sampled an architecture outside the enumeration");
    seen.add(hash);
  }
  assert.equal(seen.size, expected.size);
});

Deno.test("size: preset counts (cross-checked by an independent Python enumeration)", () => {
  // Closed form and DP, checked against a separate Python program (dictionary DP over exact
  // parameter sums for text-predictor) when this module was written.
  const cases: [string, boolean, number | undefined, string][] = [
    ["lts-gpt2", false, undefined, "33475650863462411705404173477556309557"],
    ["lts-gpt2", false, 1.7, "38170710557581893849483865893867339342"],
    ["lts-gpt2", false, 0, "214748879226063559380094350190199922495"],
    ["lts-transformer-xl", false, undefined, "33475650863462411705404173477556309557"],
    [
      "opt-350m",
      false,
      undefined,
      "1135253293555157433885638512345389398106853691322772703186250288053871968256",
    ],
    ["text-predictor", false, undefined, "911302575412658827314900301589491527735622270976"],
    ["text-predictor", true, undefined, "20760"],
  ];
  for (const [name, homogeneous, dInnerRatio, count] of cases) {
    const size = spaceSize(getSpace(name, { homogeneous, dInnerRatio }));
    assert.equal(size.count.toString(), count, name);
    // log10 is consistent with the count.
    const floor = BigInt(Math.floor(size.log10));
    assert.ok(10n ** floor <= size.count && size.count < 10n ** (floor + 1n), name);
  }
  // One d_model per model: not the paper's "more than 10^54", which needs d_model drawn per
  // layer as well (perLayerDModelSpaceSize; see lib/space/size.ts).
  assert.ok(Math.abs(spaceSize(getSpace("lts-gpt2")).log10 - 37.5247) < 1e-3);
});

Deno.test("size: homogeneous and heterogeneous agree when every space has one layer", () => {
  for (const name of PRESET_NAMES) {
    const space = getSpace(name);
    const one = { ...space, nLayer: [space.nLayer[0]] };
    if (one.nLayer[0] !== 1) {
      // Homogeneous count is the heterogeneous one restricted to repeated layers: at least as
      // many heterogeneous as homogeneous architectures.
      assert.ok(spaceSize(one).count >= spaceSize({ ...one, homogeneous: true }).count, name);
    }
  }
  const single = defineSpace({ ...TINY, nLayer: [1] });
  assert.equal(spaceSize(single).count, spaceSize({ ...single, homogeneous: true }).count);
});

Deno.test("bigLog10", () => {
  assert.equal(bigLog10(0n), -Infinity);
  assert.equal(bigLog10(1n), 0);
  assert.equal(bigLog10(10n ** 60n), 60);
  assert.ok(Math.abs(bigLog10(3n * 10n ** 40n) - (40 + Math.log10(3))) < 1e-12);
});

Deno.test("unsatisfiable constraints: size 0 and a clear error from sample", () => {
  const space = getSpace("text-predictor", { minDecoderParams: 1e12, maxDecoderParams: 2e12 });
  assert.equal(spaceSize(space).count, 0n);
  assert.equal(spaceSize(space).log10, -Infinity);
  assert.throws(
    () => sampleArch(space, createRng(1), { maxAttempts: 500 }),
    (e) => isInputError(e) && /no valid architecture in 500 random draws/.test(e.message),
  );
});

Deno.test("options are validated", () => {
  const bad: [() => unknown, RegExp][] = [
    [() => getSpace("gpt3"), /^preset: unknown "gpt3" \(known: lts-gpt2, lts-transformer-xl/],
    [() => getSpace("lts-gpt2", { dInnerRatio: -1 }), /^dInnerRatio: expected a non-negative/],
    [() => getSpace("lts-gpt2", { dInnerRatio: NaN }), /^dInnerRatio/],
    [
      () => getSpace("lts-gpt2", { minDecoderParams: 5, maxDecoderParams: 3 }),
      /^minDecoderParams: 5 is above/,
    ],
    [
      () => getSpace("text-predictor", { minDecoderParams: 2e8 }),
      /above maxDecoderParams 180000000/,
    ],
    [() => getSpace("lts-gpt2", { vocabSize: 0 }), /^vocabSize/],
    [() => getSpace("lts-gpt2", { divVal: [] }), /^divVal: expected a non-empty array/],
    [() => getSpace("lts-gpt2", { dEmbed: [128, 1.5] }), /^dEmbed\[1\]/],
    [() => getSpace("lts-gpt2", { colour: "red" } as never), /^colour: unknown option/],
    [() => defineSpace({ ...TINY, backbone: "llama" as never }), /^backbone/],
    [() => defineSpace({ ...TINY, backbone: "transformer-xl", nPositions: 16 }), /^nPositions/],
    [() => defineSpace({ ...TINY, nLayer: [] }), /^nLayer/],
  ];
  for (const [f, pattern] of bad) {
    assert.throws(f, (e) => isInputError(e) && pattern.test((e as Error).message), String(pattern));
  }
  const space = getSpace("lts-gpt2", { dInnerRatio: 1.7, homogeneous: true });
  assert.equal(space.dInnerRatio, 1.7);
  assert.equal(space.homogeneous, true);
  assert.deepEqual(space.cutoffs, [19997, 39997]);
  assert.equal(getSpace("opt-350m").dInnerRatio, 0);
  assert.deepEqual(dInnerChoices(space, 640)[0], 1088); // 1.7 · 640 exactly, float-safe
  assert.deepEqual(listPresets().map((p) => p.name), [...PRESET_NAMES]);
});

Deno.test("cli space: list, sample, size, contains; bad input exits 2 with one line", async () => {
  let r = await runCli(["space", "--list"]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.out.map((l) => JSON.parse(l).preset), [...PRESET_NAMES]);

  r = await runCli([
    "space",
    "--preset",
    "lts-gpt2",
    "--homogeneous",
    "--sample",
    "5",
    "--seed",
    "4",
  ]);
  assert.equal(r.code, 0);
  assert.equal(r.out.length, 5);
  const space = getSpace("lts-gpt2", { homogeneous: true });
  for (const line of r.out) {
    const config = JSON.parse(line);
    assert.equal(typeof config.nHead, "number", "homogeneous configs print in compact form");
    assert.equal(whyNotInSpace(space, validateArch(config)), undefined);
  }
  const again = await runCli([
    "space",
    "--preset",
    "lts-gpt2",
    "--homogeneous",
    "--sample",
    "5",
    "--seed",
    "4",
  ]);
  assert.deepEqual(again.out, r.out);

  r = await runCli(["space", "--preset", "text-predictor", "--size"]);
  assert.equal(r.code, 0);
  const size = JSON.parse(r.out[0]);
  assert.deepEqual(Object.keys(size), ["preset", "homogeneous", "count", "log10"]);
  assert.equal(size.count, "911302575412658827314900301589491527735622270976");
  assert.equal(size.homogeneous, false);

  const dir = await Deno.makeTempDir({ prefix: "lts_space_test_" });
  try {
    const file = join(dir, "archs.jsonl");
    await Deno.writeTextFile(
      file,
      [
        {
          backbone: "gpt2",
          nLayer: 24,
          dModel: 1024,
          nHead: 16,
          dInner: 4096,
          vocabSize: 50272,
          nPositions: 2048,
        },
        {
          backbone: "gpt2",
          nLayer: 14,
          dModel: 1480,
          nHead: 2,
          dInner: 5824,
          vocabSize: 50272,
          nPositions: 2048,
        },
      ].map((a) => JSON.stringify(a)).join("\n"),
    );
    r = await runCli(["space", "--preset", "opt-350m", "--contains", file]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.out.map((l) => JSON.parse(l)), [
      { record: 1, inSpace: true },
      {
        record: 2,
        inSpace: false,
        reason:
          "dModel: 1480 is not in {512, 576, 640, 704, 768, 832, 896, 960, 1024, 1088, 1152, 1216, 1280, 1344, 1408, 1472}",
      },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }

  const bad: [string[], RegExp][] = [
    [["--preset", "gpt3", "--size"], /^lts space: --preset: unknown "gpt3" \(known: /],
    [["--size"], /^lts space: --preset: missing/],
    [["--preset", "lts-gpt2"], /^lts space: expected one of --list/],
    [["--preset", "lts-gpt2", "--size", "--sample", "2"], /cannot be combined/],
    [["--preset", "lts-gpt2", "--sample", "0"], /^lts space: --sample: must be at least 1/],
    [["--preset", "lts-gpt2", "--sample", "x"], /^lts space: --sample: expected a number/],
    [["--preset", "lts-gpt2", "--size", "--seed", "1"], /^lts space: --seed: only with --sample/],
    [
      ["--preset", "lts-gpt2", "--d-inner-ratio=-1", "--size"],
      /^lts space: --d-inner-ratio: must be at least 0/,
    ],
    [
      ["--preset", "text-predictor", "--min-decoder-params", "2e8", "--size"],
      /^lts space: --min-decoder-params: 200000000 is above --max-decoder-params 180000000/,
    ],
    [
      ["--preset", "lts-gpt2", "--min-decoder-params", "1e12", "--sample", "3"],
      /^lts space: the constraints leave no architecture/,
    ],
    [["--preset", "lts-gpt2", "--bogus"], /^lts space: Unknown option '--bogus'/],
    [["--preset", "lts-gpt2", "--contains", join(dirname(), "no-such-file.json")], /no such file/],
  ];
  for (const [args, pattern] of bad) {
    r = await runCli(["space", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.deepEqual(r.out, [], args.join(" "));
    assert.equal(r.err.length, 1, args.join(" "));
    assert.match(r.err[0], pattern);
    assert.doesNotMatch(r.err[0], /\n/);
  }
  r = await runCli(["space", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.out.join("\n"), /deno task lts space --list/);
});

function dirname(): string {
  return new URL(".", import.meta.url).pathname;
}
