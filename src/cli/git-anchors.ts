import type * as ChildProcess from "node:child_process";
import { createRequire } from "node:module";
import { ANCHOR_FILE, type CommittedAnchor, parseAnchor } from "../operations/chain-anchors.js";

// Section 16, anchors: every version of `locus-anchor.json` in the git history of the workspace, oldest first, read
// with two git processes (rev-list, then cat-file --batch), whatever the number of commits.

/** The anchors committed in the repository holding `root`; undefined when `root` is not in a git work tree. */
export function committedAnchors(
  root: string,
): { anchors: CommittedAnchor[]; unreadable: string[] } | undefined {
  // Loaded here: child_process costs every other command's start-up several ms.
  const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof ChildProcess;
  const git = (args: string[], input?: string): Buffer | undefined => {
    try {
      return execFileSync("git", ["-C", root, ...args], {
        ...(input !== undefined ? { input } : {}),
        stdio: ["pipe", "pipe", "ignore"],
        maxBuffer: 256 * 1024 * 1024,
      });
    } catch {
      return undefined;
    }
  };
  const prefix = git(["rev-parse", "--show-prefix"]);
  if (prefix === undefined) return undefined;
  const commits = git(["rev-list", "--reverse", "HEAD", "--", ANCHOR_FILE])
    ?.toString("utf8")
    .split("\n")
    .filter(Boolean);
  if (commits === undefined || commits.length === 0) return { anchors: [], unreadable: [] };
  const path = `${prefix.toString("utf8").trim()}${ANCHOR_FILE}`;
  const batch = git(["cat-file", "--batch"], commits.map((commit) => `${commit}:${path}\n`).join(""));
  const anchors: CommittedAnchor[] = [];
  const unreadable: string[] = [];
  if (batch === undefined) return { anchors, unreadable: commits };
  let at = 0;
  for (const commit of commits) {
    const headerEnd = batch.indexOf(10, at);
    if (headerEnd < 0) break;
    const header = batch.subarray(at, headerEnd).toString("utf8");
    at = headerEnd + 1;
    const size = /^\S+ blob (\d+)$/.exec(header)?.[1];
    if (size === undefined) continue; // the commit deleted the file
    const text = batch.subarray(at, at + Number(size)).toString("utf8");
    at += Number(size) + 1;
    const anchor = parseAnchor(text);
    if (anchor === undefined) unreadable.push(commit);
    else anchors.push({ ...anchor, commit });
  }
  return { anchors, unreadable };
}
