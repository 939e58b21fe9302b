import assert from "node:assert/strict";
import { join } from "node:path";
import { isInputError } from "../lib/util/errors.ts";
import {
  createConnectionInfo,
  createMessage,
  decodeMessage,
  describeFailure,
  encodeMessage,
  joinSource,
  type JupyterMessage,
  kernelEnv,
  main,
  type Notebook,
  notebookTitle,
  outputsFromMessages,
  parseNotebook,
  renderIndexPage,
  renderMimeBundle,
  renderNotebookPage,
  renderOutput,
  type ReportSettings,
  runReport,
  signParts,
  startKernel,
  stripAnsi,
  withCellIds,
} from "../lib/report/mod.ts";
import {
  encodeFrame,
  encodeMessageFrames,
  greeting,
  readyCommand,
  ZmtpSocket,
} from "../lib/report/zmtp.ts";
import { browserTestMode, checkPage } from "./browser.ts";

const SMOKE_DIR = new URL("./fixtures/notebooks", import.meta.url).pathname;
const SETTINGS: ReportSettings = {
  quick: false,
  fresh: false,
  generatedAt: "2026-01-01T00:00:00Z",
  denoVersion: "2.9.6",
};
const encoder = new TextEncoder();
const quiet = () => {};

function message(type: string, content: Record<string, unknown>): JupyterMessage {
  return createMessage(type, content, "test-session");
}

function notebookOf(cells: { type: "code" | "markdown"; source: string }[]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((c) => ({
      cell_type: c.type,
      source: c.source,
      metadata: {},
      ...(c.type === "code" ? { outputs: [], execution_count: null } : {}),
    })),
  };
}

// ---------------------------------------------------------------- wire protocol

Deno.test("connection: HMAC-SHA256 over the concatenated parts (known answer)", () => {
  // RFC-style known answer: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
  const parts = ["The quick ", "brown fox ", "jumps over ", "the lazy dog"];
  assert.equal(
    signParts("key", parts),
    "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
  );
  assert.equal(signParts("", parts), "");
});

Deno.test("connection: encode/decode round trip, topic prefix, bad signature rejected", () => {
  const msg = message("execute_request", { code: "1 + 1" });
  const frames = encodeMessage(msg, "secret");
  assert.equal(frames[0], "<IDS|MSG>");
  assert.equal(frames.length, 6);
  const bytes = ["some-topic", ...frames].map((f) => encoder.encode(f));
  const decoded = decodeMessage(bytes, "secret");
  assert.deepEqual(decoded, msg);
  assert.throws(() => decodeMessage(bytes, "other key"), /bad signature/);
  assert.throws(() => decodeMessage(bytes.slice(0, 3), "secret"), /too short|delimiter/);
});

Deno.test("connection: five distinct ports on 127.0.0.1 and a fresh key", () => {
  const a = createConnectionInfo();
  const b = createConnectionInfo();
  const ports = [a.shell_port, a.iopub_port, a.stdin_port, a.control_port, a.hb_port];
  assert.equal(new Set(ports).size, 5);
  assert.equal(a.ip, "127.0.0.1");
  assert.equal(a.signature_scheme, "hmac-sha256");
  assert.notEqual(a.key, b.key);
});

Deno.test("zmtp: greeting, short and long frames, READY command", () => {
  const g = greeting();
  assert.equal(g.length, 64);
  assert.deepEqual([g[0], g[9], g[10], g[11]], [0xff, 0x7f, 3, 0]);
  assert.equal(new TextDecoder().decode(g.subarray(12, 16)), "NULL");
  assert.deepEqual([...encodeMessageFrames(["a", "bc"])], [1, 1, 97, 0, 2, 98, 99]);
  const long = encodeFrame(new Uint8Array(300));
  assert.deepEqual([...long.subarray(0, 9)], [2, 0, 0, 0, 0, 0, 0, 1, 44]);
  assert.equal(long.length, 309);
  const ready = readyCommand("SUB");
  assert.equal(ready[0], 4);
  const text = new TextDecoder().decode(ready);
  assert.ok(text.includes("READY") && text.includes("Socket-Type") && text.includes("SUB"));
});

Deno.test("zmtp: a DEALER talks to a fake peer (handshake, multipart, long frame, close)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const peer = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(64);
    let got = 0;
    while (got < 64) got += (await conn.read(buf.subarray(got)))!;
    assert.equal(buf[0], 0xff);
    await conn.write(greeting());
    await conn.write(readyCommand("DEALER"));
    const big = "x".repeat(1000);
    await conn.write(encodeMessageFrames(["<IDS|MSG>", big]));
    // read the client's READY and message, then hang up
    const rest = new Uint8Array(4096);
    await conn.read(rest);
    conn.close();
    return big;
  })();
  const socket = await ZmtpSocket.connect("127.0.0.1", port, "DEALER");
  const frames = await socket.receive();
  const big = await peer;
  assert.deepEqual(frames?.map((f) => new TextDecoder().decode(f)), ["<IDS|MSG>", big]);
  assert.equal(await socket.receive(), null, "closed by peer");
  socket.close();
  listener.close();
});

// ---------------------------------------------------------------- notebook model

Deno.test("parseNotebook: malformed notebooks are InputErrors naming the field", () => {
  const bad: [string, RegExp][] = [
    ["{", /x\.ipynb: not JSON/],
    ["[]", /expected a notebook object/],
    ['{"nbformat":3,"cells":[]}', /nbformat: expected 4, got 3/],
    ['{"nbformat":4}', /cells: expected an array/],
    ['{"nbformat":4,"cells":[{"cell_type":"python","source":""}]}', /cells\[0\]\.cell_type/],
    ['{"nbformat":4,"cells":[{"cell_type":"code","source":3}]}', /cells\[0\]\.source/],
  ];
  for (const [text, pattern] of bad) {
    assert.throws(() => parseNotebook(text, "x.ipynb"), (e: unknown) => {
      assert.ok(isInputError(e));
      assert.match((e as Error).message, pattern);
      return true;
    });
  }
  const ok = parseNotebook('{"nbformat":4,"cells":[]}', "x.ipynb");
  assert.equal(ok.nbformat_minor, 5);
});

Deno.test("parseNotebook: cell ids must be valid nbformat 4.5 ids and unique", () => {
  const cells = (ids: unknown[]) =>
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      cells: ids.map((id) => ({ cell_type: "code", source: "", id })),
    });
  for (
    const [ids, pattern] of [
      [["ok", "a b"], /cells\[1\]\.id: expected 1–64 letters/],
      [[""], /cells\[0\]\.id/],
      [["x".repeat(65)], /cells\[0\]\.id/],
      [[7], /cells\[0\]\.id: .*got 7/],
      [["a", "b", "a"], /cells\[2\]\.id: "a" is also the id of cells\[0\]/],
    ] as [unknown[], RegExp][]
  ) {
    assert.throws(() => parseNotebook(cells(ids), "x.ipynb"), (e: unknown) => {
      assert.ok(isInputError(e));
      assert.match((e as Error).message, pattern);
      return true;
    });
  }
  assert.equal(parseNotebook(cells(["a-1", "B_2"]), "x.ipynb").cells.length, 2);
});

Deno.test("withCellIds: ids kept, missing ones derived the same on every run, nbformat 4.5", () => {
  const nb = notebookOf([
    { type: "markdown", source: "# t" },
    { type: "code", source: "1" },
    { type: "code", source: "2" },
  ]);
  nb.nbformat_minor = 4;
  nb.cells[1].id = "kept";
  const a = withCellIds(nb, "demo");
  const b = withCellIds(structuredClone(nb), "demo");
  assert.equal(a.nbformat_minor, 5);
  assert.equal(a.cells[1].id, "kept");
  assert.deepEqual(a.cells.map((c) => c.id), b.cells.map((c) => c.id), "stable");
  assert.equal(new Set(a.cells.map((c) => c.id)).size, 3, "unique");
  for (const c of a.cells) assert.match(c.id!, /^[A-Za-z0-9_-]{1,64}$/);
  assert.notDeepEqual(withCellIds(nb, "other").cells[0].id, a.cells[0].id, "per notebook");
  assert.equal(nb.cells[0].id, undefined, "the input is not changed");
  // A derived id that an existing cell already has is not reused.
  const clash = notebookOf([{ type: "code", source: "1" }, { type: "code", source: "2" }]);
  clash.cells[1].id = withCellIds(clash, "demo").cells[0].id;
  const fixed = withCellIds(clash, "demo");
  assert.notEqual(fixed.cells[0].id, fixed.cells[1].id);
});

Deno.test("notebooks/: every cell has a stable id, and every cell shows its outputs with await show()", async () => {
  const dir = new URL("../notebooks/", import.meta.url).pathname;
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".ipynb"));
  assert.ok(names.length >= 6);
  for (const name of names) {
    const nb = parseNotebook(await Deno.readTextFile(join(dir, name)), name);
    assert.equal(nb.nbformat_minor, 5, `${name}: nbformat 4.5`);
    nb.cells.forEach((cell, i) => assert.ok(cell.id, `${name}: cells[${i}] has no id`));
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      // The last top-level statement: a bare display value there is published after the cell
      // ends, and clients other than ours lose it (see show() in lib/plots/display.ts).
      const lines = joinSource(cell.source).trimEnd().split("\n");
      const last = lines.findLast((l) => /^[^\s)}\]]/.test(l)) ?? "";
      assert.ok(
        !/^(markdown|table|plot|scatter3d|displayable)\(/.test(last),
        `${name}: cells[${i}] ends with a bare display value: ${last.slice(0, 60)}`,
      );
    }
  }
});

Deno.test("notebooks/: the code of every notebook type-checks against lib (a renamed export fails here, not in the kernel)", async () => {
  const root = new URL("../", import.meta.url).pathname;
  const dir = join(root, "notebooks");
  const tmp = await Deno.makeTempDir({ prefix: "lts-nbcheck-" });
  try {
    const files: string[] = [];
    for (const name of [...Deno.readDirSync(dir)].map((e) => e.name).sort()) {
      if (!name.endsWith(".ipynb")) continue;
      const nb = parseNotebook(await Deno.readTextFile(join(dir, name)), name);
      const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => joinSource(c.source));
      // The cells run in one module scope, in order; `../lib/` resolves from notebooks/.
      const module = code.join("\n").replaceAll('"../lib/', `"${join(root, "lib")}/`);
      const file = join(tmp, name.replace(/\.ipynb$/, ".ts"));
      await Deno.writeTextFile(file, module + "\nexport {};\n");
      files.push(file);
    }
    assert.ok(files.length >= 6);
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", join(root, "deno.json"), ...files],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("notebookTitle: first markdown heading, markup removed", () => {
  const nb = notebookOf([
    { type: "code", source: "# not a title (code comment)" },
    { type: "markdown", source: "Intro text\n\n## The *search* `run`\n# Later" },
  ]);
  assert.equal(notebookTitle(nb), "The search run");
  assert.equal(notebookTitle(notebookOf([{ type: "markdown", source: "no heading" }])), undefined);
});

Deno.test("outputsFromMessages: streams merged, display updates applied, clear_output", () => {
  const displays = new Map();
  const first = outputsFromMessages([
    message("stream", { name: "stdout", text: "a\n" }),
    message("stream", { name: "stdout", text: "b\n" }),
    message("stream", { name: "stderr", text: "warn\n" }),
    message("display_data", {
      data: { "text/plain": "0%" },
      metadata: {},
      transient: { display_id: "p" },
    }),
    message("stream", { name: "stdout", text: "c\n" }),
    message("execute_result", { execution_count: 3, data: { "text/plain": "42" }, metadata: {} }),
  ], displays);
  assert.deepEqual(first.map((o) => o.output_type), [
    "stream",
    "stream",
    "display_data",
    "stream",
    "execute_result",
  ]);
  assert.equal((first[0] as { text: string }).text, "a\nb\n");
  // An update in a later cell rewrites the earlier output.
  const second = outputsFromMessages([
    message("update_display_data", {
      data: { "text/plain": "100%" },
      metadata: {},
      transient: { display_id: "p" },
    }),
    message("stream", { name: "stdout", text: "x" }),
    message("clear_output", { wait: true }),
    message("stream", { name: "stdout", text: "y" }),
    message("error", { ename: "E", evalue: "v", traceback: ["t"] }),
  ], displays);
  assert.deepEqual((first[2] as { data: unknown }).data, { "text/plain": "100%" });
  assert.deepEqual(second, [
    { output_type: "stream", name: "stdout", text: "y" },
    { output_type: "error", ename: "E", evalue: "v", traceback: ["t"] },
  ]);
});

// ---------------------------------------------------------------- HTML

Deno.test("html: every text output is escaped; svg/html inlined; png as data URI", () => {
  const stream = renderOutput({
    output_type: "stream",
    name: "stdout",
    text: "<script>alert(1)</script>",
  });
  assert.ok(!stream.includes("<script>"));
  assert.ok(stream.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  const plain = renderMimeBundle({ "text/plain": ["<img ", "src=x onerror=alert(1)>"] });
  assert.ok(plain.includes("&lt;img src=x onerror=alert(1)&gt;"));
  const error = renderOutput({
    output_type: "error",
    ename: "Error",
    evalue: "<b>",
    traceback: ["\x1b[31mError: <b>\x1b[0m", "    at <anonymous>:1:7"],
  });
  assert.ok(error.includes("Error: &lt;b&gt;\n    at &lt;anonymous&gt;:1:7"));
  assert.ok(!error.includes("\x1b"));
  const svg = renderMimeBundle({
    "image/svg+xml": '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
    "text/plain": "fallback",
  });
  assert.equal(svg, '<div class="output svg"><svg xmlns="http://www.w3.org/2000/svg"></svg></div>');
  const html = renderMimeBundle({ "text/html": "<table><tr><td>1</td></tr></table>" });
  assert.ok(html.includes("<table><tr><td>1</td></tr></table>"));
  const png = renderMimeBundle({ "image/png": "iVBORw0KGgo=\n" });
  assert.ok(png.includes('src="data:image/png;base64,iVBORw0KGgo="'));
  assert.equal(stripAnsi("\x1b[1;32mok\x1b[0m"), "ok");
});

Deno.test("html: page renders markdown, highlighted code, settings and the quick banner", () => {
  const nb = notebookOf([
    { type: "markdown", source: "# Title <i>here</i>\n\nSome **bold** text." },
    { type: "code", source: 'const s: string = "<b>";' },
  ]);
  nb.cells[1].execution_count = 1;
  nb.cells[1].metadata = { lts: { durationMs: 1500 } };
  const page = renderNotebookPage(nb, {
    name: "demo",
    title: "Title <here>",
    durationMs: 61_000,
    settings: { ...SETTINGS, quick: true },
  });
  assert.match(page, /^<!DOCTYPE html>/);
  assert.ok(page.includes("<title>Title &lt;here&gt;</title>"));
  assert.ok(page.includes("<strong>bold</strong>"));
  assert.ok(page.includes('<span class="hljs-keyword">const</span>'));
  assert.ok(page.includes("&quot;&lt;b&gt;&quot;") || page.includes("&lt;b&gt;"));
  assert.ok(page.includes("In [1] · 1.5 s"));
  assert.ok(page.includes("1 min 01 s"));
  assert.ok(page.includes("Quick run"));
  assert.ok(page.includes("quick run · cached measurements · 2026-01-01T00:00:00Z · Deno 2.9.6"));
  assert.ok(!/<link|<script src|@import|fonts\.googleapis/.test(page), "self-contained");
});

Deno.test("index page: links ok pages only, escapes failures", () => {
  const html = renderIndexPage([
    { name: "01-a", title: "A", status: "ok", durationMs: 900, settings: SETTINGS },
    {
      name: "02-b",
      title: "B",
      status: "failed",
      failure: "cell 2: Error: <x>",
      settings: SETTINGS,
    },
    { name: "03-c", title: "C", status: "not run" },
  ], SETTINGS);
  assert.ok(html.includes('<a href="01-a.html">A</a>'));
  assert.ok(!html.includes('href="02-b.html"'));
  assert.ok(html.includes("cell 2: Error: &lt;x&gt;"));
  assert.ok(html.includes('class="status-not-run"'));
  assert.ok(html.includes("900 ms"));
});

// ---------------------------------------------------------------- kernel

function countTypes(messages: JupyterMessage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) counts[m.header.msg_type] = (counts[m.header.msg_type] ?? 0) + 1;
  return counts;
}

Deno.test({
  name: "kernel: a progress display is created once even when updates are not awaited",
  async fn() {
    // Inside the project, so that the kernel finds deno.json and its npm imports.
    const cwd = new URL("./fixtures/notebooks", import.meta.url).pathname;
    const kernel = await startKernel({ cwd });
    try {
      const plots = new URL("../lib/plots/mod.ts", import.meta.url).href;
      const result = await kernel.execute([
        `import { createProgress } from "${plots}";`,
        'const p = createProgress("study", 20, { minIntervalMs: 0 });',
        "for (let i = 1; i <= 20; i++) void p.update(i, `item ${i}`);",
        "await p.finish();",
      ].join("\n"));
      assert.equal(result.status, "ok");
      const counts = countTypes(result.outputs);
      assert.equal(counts.display_data, 1, `one display, got ${JSON.stringify(counts)}`);
      assert.equal(counts.update_display_data, 20);
      const last = result.outputs.at(-1)!.content.data as Record<string, string>;
      assert.match(last["text/plain"], /^study: 20\/20 \(100%.*done$/);
    } finally {
      await kernel.shutdown();
    }
  },
});

Deno.test({
  name: "kernel: no output is lost after idle (50 logs + 50 displays, twice, same counts)",
  async fn() {
    const cwd = await Deno.makeTempDir({ prefix: "lts-kernel-test-" });
    const kernel = await startKernel({ cwd, env: { LTS_QUICK: "1" } });
    try {
      const code = [
        "for (let i = 0; i < 50; i++) {",
        "  console.log(`line ${i}`);",
        '  await Deno.jupyter.display({ "text/plain": `d${i}` }, { raw: true });',
        "}",
        "Deno.cwd()",
      ].join("\n");
      const first = await kernel.execute(code);
      const second = await kernel.execute(code);
      const expected = { stream: 50, display_data: 50, execute_result: 1 };
      assert.deepEqual(countTypes(first.outputs), expected);
      assert.deepEqual(countTypes(second.outputs), expected);
      assert.equal(first.status, "ok");
      assert.ok(first.complete && second.complete, "both end markers arrived");
      assert.equal(second.executionCount, (first.executionCount ?? 0) + 1);
      const last = first.outputs[first.outputs.length - 1];
      assert.equal(
        (last.content.data as Record<string, string>)["text/plain"],
        JSON.stringify(cwd),
      );
      const big = await kernel.execute(
        'await Deno.jupyter.display({ "text/plain": "<" + "x".repeat(300_000) }, { raw: true })',
      );
      const bigText = (big.outputs[0].content.data as Record<string, string>)["text/plain"];
      assert.equal(bigText.length, 300_001, "a long ZMTP frame arrives whole");
      const env = await kernel.execute('Deno.env.get("LTS_QUICK")');
      assert.equal((env.outputs[0].content.data as Record<string, string>)["text/plain"], '"1"');
      const failed = await kernel.execute('throw new TypeError("bad <x>")');
      assert.equal(failed.status, "error");
      assert.equal(failed.error?.ename, "TypeError");
      assert.equal(failed.error?.evalue, "bad <x>");
      assert.ok(failed.complete, "end markers arrive after an error too");
    } finally {
      await kernel.shutdown();
      await Deno.remove(cwd, { recursive: true });
    }
    const pid = kernel.pid;
    assert.throws(() => Deno.kill(pid, "SIGCONT"), "kernel process is gone");
  },
});

Deno.test("kernel: a start that fails or hangs is reported and the process is killed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lts-kernel-start-" });
  try {
    const exits = join(dir, "exits.sh");
    await Deno.writeTextFile(exits, "#!/bin/sh\necho 'no kernel here' >&2\nexit 3\n");
    const hangs = join(dir, "hangs.sh");
    await Deno.writeTextFile(hangs, `#!/bin/sh\necho $$ > ${dir}/pid\nexec sleep 30\n`);
    await Deno.chmod(exits, 0o755);
    await Deno.chmod(hangs, 0o755);
    await assert.rejects(
      startKernel({ cwd: dir, denoPath: exits, startTimeoutMs: 10_000 }),
      /process exited with code 3 on start/,
    );
    await assert.rejects(
      startKernel({ cwd: dir, denoPath: hangs, startTimeoutMs: 300 }),
      /could not connect to shell/,
    );
    const pid = Number(await Deno.readTextFile(join(dir, "pid")));
    assert.throws(() => Deno.kill(pid, "SIGCONT"), "the hanging process was killed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------- runner

interface CellSummary {
  types: string[];
  mimes: string[][];
}

function summarize(nb: Notebook): CellSummary[] {
  return nb.cells.filter((c) => c.cell_type === "code").map((c) => ({
    types: (c.outputs ?? []).map((o) => o.output_type),
    mimes: (c.outputs ?? []).map((o) => "data" in o ? Object.keys(o.data).sort() : []),
  }));
}

/** One temp report folder for the smoke notebook, shared by the runner and browser tests. */
let smokeOut: Promise<string> | undefined;
function smokeOutDir(): Promise<string> {
  smokeOut ??= Deno.makeTempDir({ prefix: "lts-report-test-" }).then((dir) => {
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    return dir;
  });
  return smokeOut;
}

Deno.test({
  name: "runner: smoke notebook twice — same outputs, SVG plot, table, escaped page, index",
  async fn() {
    const out = await smokeOutDir();
    const first = await runReport({ notebooksDir: SMOKE_DIR, outDir: out, log: quiet });
    const firstNb = JSON.parse(await Deno.readTextFile(join(out, "smoke.ipynb"))) as Notebook;
    const second = await runReport({
      notebooksDir: SMOKE_DIR,
      outDir: out,
      quick: true,
      log: quiet,
    });
    const secondNb = JSON.parse(await Deno.readTextFile(join(out, "smoke.ipynb"))) as Notebook;
    assert.equal(first.exitCode, 0);
    assert.equal(second.exitCode, 0);
    assert.deepEqual(summarize(firstNb), summarize(secondNb));

    const cells = summarize(secondNb);
    assert.deepEqual(cells[0].types, ["stream"]);
    assert.deepEqual(cells[1].mimes, [["image/svg+xml", "text/plain"]]);
    assert.deepEqual(cells[2].mimes, [["text/html", "text/plain"]]);
    assert.deepEqual(cells[3].mimes, [["text/html", "text/plain"]]);
    // many outputs: 10 stream runs and 10 displays interleaved, progress display, result
    assert.equal(cells[4].types.filter((t) => t === "stream").length, 10);
    assert.equal(cells[4].types.filter((t) => t === "display_data").length, 11);
    assert.equal(cells[4].types.at(-1), "execute_result");
    assert.deepEqual(cells[5].mimes, [["text/html", "text/plain"]]);

    const code = secondNb.cells.filter((c) => c.cell_type === "code");
    const stdout = (code[0].outputs![0] as { text: string }).text;
    assert.equal(stdout, "cwd: notebooks\nquick: 1\n<script>alert(1)</script>\n");
    const firstStdout = (firstNb.cells.find((c) => c.cell_type === "code")!.outputs![0] as {
      text: string;
    }).text;
    assert.match(firstStdout, /quick: unset/);
    const many = code[4].outputs!.filter((o) => o.output_type === "stream")
      .map((o) => (o as { text: string }).text).join("");
    assert.equal(many, Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(""));
    const progress = code[4].outputs!.filter((o) => o.output_type === "display_data").at(-1) as {
      data: Record<string, string>;
    };
    assert.match(progress.data["text/plain"], /^smoke study: 5\/5 \(100%.*done$/);
    const svg = (code[1].outputs![0] as { data: Record<string, string> }).data["image/svg+xml"];
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(secondNb.metadata.kernelspec && "deno", "deno");

    const page = await Deno.readTextFile(join(out, "smoke.html"));
    assert.ok(page.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(!page.includes("<script>alert(1)</script>"));
    assert.ok(page.includes("<h1>Smoke notebook</h1>"));
    assert.ok(page.includes("Quick run"));
    assert.ok(page.includes('<figure class="lts-scatter3d"'));
    assert.ok(page.includes("&lt;b&gt;a&lt;/b&gt;"), "table cell escaped");
    const index = await Deno.readTextFile(join(out, "index.html"));
    assert.ok(index.includes('<a href="smoke.html">Smoke notebook</a>'));
    assert.ok(index.includes("quick run"));
    const leftovers = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(leftovers, ["index.html", "smoke.html", "smoke.ipynb"], "no temp files");
  },
});

Deno.test({
  name: "runner: a failing cell stops its notebook, no page for it, others still run, exit 1",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "lts-report-fail-" });
    const notebooks = join(root, "notebooks");
    const out = join(root, "reports");
    try {
      await Deno.mkdir(notebooks);
      await Deno.mkdir(out);
      const ok = notebookOf([
        { type: "markdown", source: "# Fine" },
        { type: "code", source: 'console.log("fine")' },
      ]);
      const bad = notebookOf([
        { type: "markdown", source: "# Broken" },
        { type: "code", source: "const a = 1;" },
        { type: "code", source: 'const b = a + 1;\nthrow new RangeError("b is " + b);' },
        { type: "code", source: 'console.log("never")' },
      ]);
      const dies = notebookOf([{ type: "code", source: "Deno.exit(7)" }]);
      await Deno.writeTextFile(join(notebooks, "b-broken.ipynb"), JSON.stringify(bad));
      await Deno.writeTextFile(join(notebooks, "c-dies.ipynb"), JSON.stringify(dies));
      await Deno.writeTextFile(join(notebooks, "a-fine.ipynb"), JSON.stringify(ok));
      await Deno.writeTextFile(join(out, "b-broken.html"), "stale page from an earlier run");

      const lines: string[] = [];
      const result = await runReport({
        notebooksDir: notebooks,
        outDir: out,
        log: (l) => lines.push(l),
      });
      assert.equal(result.exitCode, 1);
      assert.deepEqual(result.runs.map((r) => [r.name, r.status]), [
        ["a-fine", "ok"],
        ["b-broken", "failed"],
        ["c-dies", "failed"],
      ]);
      const died = result.runs[2].failure!;
      assert.equal(died.cellIndex, 0);
      assert.equal(died.ename, "KernelError");
      assert.match(died.evalue, /process exited \(code 7\) during a cell/);
      const failure = result.runs[1].failure!;
      assert.equal(failure.cellIndex, 2);
      assert.equal(failure.ename, "RangeError");
      assert.equal(failure.evalue, "b is 2");
      const report = describeFailure(result.runs[1]);
      assert.ok(report.includes('throw new RangeError("b is " + b);'), report);
      assert.ok(lines.join("\n").includes("b-broken.ipynb: cell 3 failed"));
      const never = result.runs[1].notebook.cells[3];
      assert.deepEqual(never.outputs, [], "cells after the error are not run");

      const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
      assert.deepEqual(files, ["a-fine.html", "a-fine.ipynb", "index.html"]);
      const index = await Deno.readTextFile(join(out, "index.html"));
      assert.ok(index.includes("cell 3: RangeError: b is 2"));
      assert.ok(index.includes('<a href="a-fine.html">Fine</a>'));

      // --only re-runs one notebook; the other keeps its earlier page and index entry.
      const only = await runReport({
        notebooksDir: notebooks,
        outDir: out,
        only: ["b-broken.ipynb"],
        log: quiet,
      });
      assert.equal(only.runs.length, 1);
      assert.equal(only.entries[0].status, "ok");
      assert.equal(only.entries[0].name, "a-fine");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("kernelEnv: LTS_QUICK / LTS_FRESH only when asked, inherited values dropped", () => {
  const saved = Deno.env.get("LTS_QUICK");
  const savedSince = Deno.env.get("LTS_FRESH_SINCE");
  try {
    Deno.env.set("LTS_QUICK", "1");
    Deno.env.set("LTS_FRESH_SINCE", "2020-01-01T00:00:00.000Z");
    const plain = kernelEnv({ quick: false, fresh: false });
    assert.equal(plain.LTS_QUICK, undefined);
    assert.equal(plain.LTS_FRESH, undefined);
    assert.equal(plain.LTS_FRESH_SINCE, undefined);
    assert.equal(plain.PATH, Deno.env.get("PATH"));
    const both = kernelEnv({ quick: true, fresh: true, startedAt: "2026-01-02T03:04:05.000Z" });
    assert.deepEqual(
      [both.LTS_QUICK, both.LTS_FRESH, both.LTS_FRESH_SINCE],
      ["1", "1", "2026-01-02T03:04:05.000Z"],
    );
    const fresh = kernelEnv({ quick: false, fresh: true });
    assert.equal(fresh.LTS_FRESH, "1");
    assert.ok(!Number.isNaN(Date.parse(fresh.LTS_FRESH_SINCE)));
  } finally {
    if (saved === undefined) Deno.env.delete("LTS_QUICK");
    else Deno.env.set("LTS_QUICK", saved);
    if (savedSince === undefined) Deno.env.delete("LTS_FRESH_SINCE");
    else Deno.env.set("LTS_FRESH_SINCE", savedSince);
  }
});

Deno.test("main: bad flags and malformed notebooks exit 2 before writing anything", async () => {
  const root = await Deno.makeTempDir({ prefix: "lts-report-input-" });
  const out = join(root, "reports");
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  try {
    await Deno.writeTextFile(join(root, "good.ipynb"), JSON.stringify(notebookOf([])));
    assert.equal(await main(["--bogus"]), 2);
    assert.equal(await main(["--notebooks", root, "--out", out, "--only", "nope"]), 2);
    assert.equal(await main(["--notebooks", join(root, "missing"), "--out", out]), 2);
    assert.equal(await main(["--notebooks", root, "--out", out, "--cell-timeout", "-1"]), 2);
    await Deno.writeTextFile(join(root, "zz-bad.ipynb"), '{"nbformat": 4, "cells": {}}');
    assert.equal(await main(["--notebooks", root, "--out", out]), 2);
    assert.ok(!(await Deno.stat(out).then(() => true, () => false)), "nothing written");
  } finally {
    console.error = original;
    await Deno.remove(root, { recursive: true });
  }
  assert.equal(errors.length, 5);
  for (const line of errors) assert.match(line, /^lts report: \S/);
  assert.ok(errors[1].includes('--only: no notebook "nope" (have: good)'));
  assert.ok(errors[4].includes("zz-bad.ipynb: cells: expected an array"));
});

// ---------------------------------------------------------------- browser (end to end)

const browserMode = browserTestMode();

Deno.test("browser: a missing Chromium fails under CI and skips locally", () => {
  const saved = Deno.env.get("CI");
  try {
    Deno.env.set("CI", "1");
    assert.equal(browserTestMode("/nonexistent/chromium"), "fail");
    Deno.env.delete("CI");
    assert.equal(browserTestMode("/nonexistent/chromium"), "skip");
  } finally {
    if (saved === undefined) Deno.env.delete("CI");
    else Deno.env.set("CI", saved);
  }
});

Deno.test({
  name: "browser: smoke report loads without errors or network, shows SVGs, 3-D scatter rotates",
  ignore: browserMode === "skip",
  // playwright-core keeps its Chromium pipe and timers alive past browser.close()
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (browserMode === "fail") {
      throw new Error("chromium is missing (apt-get install -y chromium) and CI is set");
    }
    const out = await smokeOutDir();
    if (!(await Deno.stat(join(out, "smoke.html")).then(() => true, () => false))) {
      const result = await runReport({ notebooksDir: SMOKE_DIR, outDir: out, log: quiet });
      assert.equal(result.exitCode, 0);
    }
    const check = await checkPage(join(out, "smoke.html"), {
      inspect: async (page) => {
        const svg = page.locator("figure.lts-scatter3d svg");
        await svg.scrollIntoViewIfNeeded();
        const box = (await svg.boundingBox())!;
        const positions = () =>
          page.$$eval("figure.lts-scatter3d circle", (cs) => cs.map((c) => c.getAttribute("cx")));
        const before = await positions();
        await page.mouse.move(box.x + 100, box.y + 100);
        await page.mouse.down();
        await page.mouse.move(box.x + 220, box.y + 160, { steps: 5 });
        await page.mouse.up();
        return { before, after: await positions() };
      },
    });
    assert.deepEqual(check.consoleErrors, []);
    assert.deepEqual(check.pageErrors, []);
    assert.deepEqual(check.externalRequests, []);
    // plot, titled figure (plot + 2 legend swatches), 3-D scatter
    assert.equal(check.svgCount, 5);
    const { before, after } = check.inspected as { before: string[]; after: string[] };
    assert.equal(before.length, 20);
    assert.notDeepEqual(after, before, "dragging rotates the scatter");
    const index = await checkPage(join(out, "index.html"));
    assert.deepEqual([index.consoleErrors, index.pageErrors, index.externalRequests], [
      [],
      [],
      [],
    ]);
  },
});
