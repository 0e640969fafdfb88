// The README's team server block, run as written (issue 18: the README's commands are tested): the `locus` lines
// in order (`locus serve` started in the background and waited for), and the curl line sent as it says, with the
// token the first `member add` printed. Afterwards the WP exists, made by that member, and the removed member's
// token no longer works.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { LOCUS_BIN, locus, REPO_ROOT, tempWorkspace } from "../support/cli.js";
import { readmeBlockLines } from "../support/readme.js";

const HEADING = /^## A team server/m;

/** The curl line of the block: its header, body and URL. */
function curlLine(): { header: string; body: string; url: string } {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const block = readme.slice(readme.search(HEADING)).match(/```sh\n([\s\S]*?)```/)?.[1] ?? "";
  const line = block.split("\n").find((l) => l.startsWith("curl ")) ?? "";
  const match = /-H "([^"]+)" -d '([^']+)' (\S+)/.exec(line);
  assert.ok(match, `the block has its curl line: ${line}`);
  return { header: match[1] as string, body: match[2] as string, url: match[3] as string };
}

/** The status of a list_wps request with `token`, at the server the curl line names. */
async function listStatus(token: string): Promise<number> {
  const url = curlLine().url.replace(/\/v1\/ops\/.*$/, "/v1/ops/list_wps");
  const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "{}" });
  return res.status;
}

test("the README's team server commands run as written", async () => {
  const lines = readmeBlockLines(HEADING, "A team server");
  assert.ok(
    lines.some((l) => l.startsWith("locus serve")),
    "the block starts a server",
  );
  const dir = tempWorkspace();
  const shim = `locus() { "${process.execPath}" "${LOCUS_BIN}" "$@"; };`;
  let server: ReturnType<typeof spawn> | undefined;
  let token = "";
  let agentToken = "";
  try {
    for (const line of lines) {
      if (line.startsWith("locus serve")) {
        // exec: the server is bash's own process, so stopping it stops the server.
        const command = `exec "${process.execPath}" "${LOCUS_BIN}" ${line.slice("locus ".length)}`;
        server = spawn("bash", ["-c", command], {
          cwd: dir,
          env: { ...process.env, NO_COLOR: "1" },
        });
        await new Promise<void>((resolve, reject) => {
          let out = "";
          server?.stdout?.on("data", (chunk) => {
            out += chunk;
            if (out.includes("team server on")) resolve();
          });
          server?.on("exit", (code) => reject(new Error(`\`${line}\` exited ${code}`)));
        });
        const curl = curlLine();
        const [name, value] = curl.header.replace("$TOKEN", token).split(": ") as [string, string];
        const res = await fetch(curl.url, { method: "POST", headers: { [name]: value }, body: curl.body });
        assert.equal(res.status, 200, await res.clone().text());
        continue;
      }
      const removing = line.startsWith("locus member remove");
      if (removing) assert.equal(await listStatus(agentToken), 200);
      const run = spawnSync("bash", ["-c", `${shim} ${line}`], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
      assert.equal(run.status, 0, `\`${line}\` failed: ${run.stderr}${run.stdout}`);
      const printed = /token, shown this once: (\S+)/.exec(run.stdout)?.[1];
      if (printed !== undefined && token === "") token = printed;
      else if (printed !== undefined && agentToken === "") agentToken = printed;
      if (removing)
        assert.equal(await listStatus(agentToken), 401, "the removed member's token stops working");
    }
    const wps = JSON.parse(locus(dir, ["list", "--json"]).stdout).data.wps as { title: string }[];
    assert.deepEqual(
      wps.map((w) => w.title),
      ["From another machine"],
    );
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.on("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
