import assert from "node:assert/strict";
import {
  archaiFieldsFromArch,
  archConfigFromArchai,
  archConfigFromArchaiYaml,
  archHash,
  compactArch,
  validateArch,
} from "../lib/arch/mod.ts";
import { InputError } from "../lib/util/errors.ts";

const small = { backbone: "gpt2", nLayer: 2, dModel: 128, nHead: [2, 4], dInner: 512 };

function rejects(input: unknown, message: string | RegExp) {
  assert.throws(() => validateArch(input), (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

Deno.test("validateArch fills defaults and expands per-layer fields", () => {
  const arch = validateArch(small);
  assert.deepEqual(arch, {
    backbone: "gpt2",
    nLayer: 2,
    dModel: 128,
    nHead: [2, 4],
    dInner: [512, 512],
    dEmbed: 128,
    divVal: 1,
    cutoffs: [19997, 39997],
    vocabSize: 50257,
    nPositions: 1024,
    tieWeight: true,
  });
  const xl = validateArch({
    backbone: "transformer-xl",
    nLayer: 1,
    dModel: 64,
    nHead: 2,
    dInner: 9,
  });
  assert.equal(xl.vocabSize, 267735);
  assert.equal(xl.nPositions, 0);
  assert.deepEqual(xl.cutoffs, [19997, 39997, 199997]);
});

Deno.test("validateArch names the field and the layer", () => {
  rejects(
    { ...small, nLayer: 4, nHead: [8, 8, 8, 7], dModel: 512 },
    "nHead[3]: 7 does not divide dModel 512",
  );
  rejects({ ...small, nHead: 3 }, "nHead: 3 does not divide dModel 128");
  rejects({ ...small, dInner: [512] }, "dInner: expected 2 values (one per layer), got 1");
  rejects({ ...small, dInner: [512, -1] }, "dInner[1]: must be positive, got -1");
  rejects({ ...small, dInner: [512, 1.5] }, "dInner[1]: expected a positive integer, got 1.5");
  rejects({ ...small, nLayer: 0 }, "nLayer: must be positive, got 0");
  rejects({ ...small, dModel: "128" }, 'dModel: expected a positive integer, got "128"');
  rejects({ ...small, backbone: "llama" }, /^backbone: expected one of "gpt2", "transformer-xl"/);
  rejects({ ...small, n_layer: 2 }, /^n_layer: unknown field/);
  rejects({ ...small, tieWeight: "yes" }, 'tieWeight: expected true or false, got "yes"');
  rejects({ ...small, cutoffs: [10, 5] }, "cutoffs[1]: 5 is not above 10");
  rejects({ ...small, dEmbed: 4, divVal: 4 }, /^divVal: 4 leaves cluster 2 with width 0/);
  rejects(
    { backbone: "transformer-xl", nLayer: 1, dModel: 64, nHead: 2, dInner: 9, nPositions: 5 },
    /^nPositions:/,
  );
  rejects([small], "architecture: expected a JSON object, got an array");
  rejects(null, "architecture: expected a JSON object, got null");
  const { dInner: _, ...noInner } = small;
  rejects(noInner, "dInner: missing");
});

Deno.test("validateArch prefixes where the record came from", () => {
  assert.throws(
    () => validateArch({ ...small, nHead: 3 }, "archs.jsonl: record 2"),
    { message: "archs.jsonl: record 2: nHead: 3 does not divide dModel 128" },
  );
});

Deno.test("cutoffs are trimmed to the vocabulary", () => {
  const arch = validateArch({ ...small, vocabSize: 30000 });
  assert.deepEqual(arch.cutoffs, [19997]);
});

Deno.test("archHash is stable across input forms and differs between archs", () => {
  const a = validateArch(small);
  const b = validateArch({ ...small, dInner: [512, 512], dEmbed: 128, tieWeight: true });
  assert.equal(archHash(a), archHash(b));
  assert.match(archHash(a), /^[0-9a-f]{16}$/);
  assert.notEqual(archHash(a), archHash(validateArch({ ...small, dInner: [512, 576] })));
  // Pinned: the hash keys the profile cache and run directories, so it must not drift.
  assert.equal(archHash(a), archHash(validateArch(compactArch(a))));
});

Deno.test("compactArch round-trips and collapses equal layers", () => {
  const arch = validateArch({ ...small, vocabSize: 1000, nPositions: 64, tieWeight: false });
  const compact = compactArch(arch);
  assert.deepEqual(compact, {
    backbone: "gpt2",
    nLayer: 2,
    dModel: 128,
    nHead: [2, 4],
    dInner: 512,
    vocabSize: 1000,
    nPositions: 64,
    tieWeight: false,
  });
  assert.deepEqual(validateArch(compact), arch);
});

Deno.test("archai model_config.yaml is read like archai does", () => {
  const text = [
    "n_layer: 2",
    "d_model: 128",
    "n_head: [2, 4]",
    "d_inner: [300, 400]",
    "d_embed: -1",
    "div_val: 2",
    "cutoffs: [59997, 99997, 639997, 50264]",
    "n_token: 50264",
    "tgt_len: 192",
    "tie_weight: true",
  ].join("\n");
  const arch = validateArch(archConfigFromArchaiYaml(text, "gpt2"));
  assert.equal(arch.dEmbed, 128);
  assert.equal(arch.divVal, 2);
  assert.deepEqual(arch.cutoffs, []);
  assert.equal(arch.vocabSize, 50264);
  assert.equal(arch.nPositions, 192);
  const fields = archaiFieldsFromArch(arch);
  assert.equal(fields.n_token, 50264);
  assert.deepEqual(fields.cutoffs, [50264]);
  assert.deepEqual(
    validateArch(archConfigFromArchai(fields, "gpt2")),
    arch,
  );
});

Deno.test("archai reader reports missing fields and bad YAML", () => {
  assert.throws(() => archConfigFromArchaiYaml("d_model: 1\n", "gpt2"), {
    message: "n_layer: missing from model_config",
  });
  assert.throws(() => archConfigFromArchaiYaml("a: [1\n", "gpt2"), {
    message: /^model_config: not valid YAML/,
  });
  assert.throws(() => archConfigFromArchaiYaml("- 1\n", "gpt2"), {
    message: "model_config: expected a YAML mapping",
  });
});
