import assert from "node:assert/strict";
import { join } from "node:path";
import { contentHash, createRng, stableStringify, writeFileAtomic } from "../lib/util/mod.ts";

Deno.test("createRng is deterministic by seed and forks independently", () => {
  const a = createRng(7), b = createRng(7), c = createRng(8);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.nextUint32()));
  assert.notEqual(createRng(1).fork("x").float(), createRng(1).fork("y").float());
  assert.equal(createRng(1).fork("x").float(), createRng(1).fork("x").float());
  // Large seeds use their high bits too.
  assert.notEqual(createRng(2 ** 32).float(), createRng(0).float());
});

Deno.test("rng.int covers its inclusive range uniformly enough", () => {
  const rng = createRng(3);
  const counts = new Map<number, number>();
  for (let i = 0; i < 6000; i++) {
    const v = rng.int(2, 4);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [2, 3, 4]);
  for (const n of counts.values()) assert.ok(n > 1800 && n < 2200, `count ${n}`);
  assert.throws(() => rng.int(3, 2), RangeError);
  assert.throws(() => rng.choice([]), RangeError);
  const f = Array.from({ length: 1000 }, () => rng.float());
  assert.ok(f.every((x) => x >= 0 && x < 1));
});

Deno.test("stableStringify sorts keys at every level and drops undefined", () => {
  assert.equal(
    stableStringify({ b: 1, a: [2, { d: 3, c: 4 }], u: undefined }),
    '{"a":[2,{"c":4,"d":3}],"b":1}',
  );
  assert.equal(contentHash({ x: 1, y: 2 }), contentHash({ y: 2, x: 1 }));
  assert.notEqual(contentHash({ x: 1 }), contentHash({ x: 2 }));
});

Deno.test("writeFileAtomic creates folders and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "a", "b.json");
  await writeFileAtomic(path, "{}");
  await writeFileAtomic(path, new TextEncoder().encode("[1]"));
  assert.equal(await Deno.readTextFile(path), "[1]");
  const names = [...Deno.readDirSync(join(dir, "a"))].map((e) => e.name);
  assert.deepEqual(names, ["b.json"]);
  await Deno.remove(dir, { recursive: true });
});
