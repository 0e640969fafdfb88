import { LocusError } from "./errors.js";

/**
 * 8 (Safety): a workspace-relative path must stay inside the workspace: no absolute path, no `..` segment,
 * no backslash or NUL tricks. Symlinks are checked by the surface that touches the disk.
 * Returns the normalised relative path (forward slashes, no `.` segments).
 */
export function assertRelativeWorkspacePath(path: string, field: string): string {
  const refuse = (why: string) =>
    new LocusError("HSK-400-UNSAFE-PATH", `${field} ${why}`, { field, path: path.slice(0, 300) });
  if (path.length === 0) throw refuse("is empty");
  if (path.includes("\u0000")) throw refuse("contains a NUL byte");
  if (path.includes("\\")) throw refuse("contains a backslash");
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path) || path.startsWith("~")) throw refuse("is absolute");
  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.some((segment) => segment === "..")) throw refuse("climbs out of the workspace with ..");
  if (segments.length === 0) throw refuse("names the workspace root itself");
  return segments.join("/");
}

/** True when `path` (normalised) lies under folder `dir` (normalised). */
export function isUnder(path: string, dir: string): boolean {
  const folder = dir.replace(/\/+$/, "");
  return folder === "" || path === folder || path.startsWith(`${folder}/`);
}

/** Section 16: checks the path of every ArtifactHandle among `refs` (text references are not paths). */
export function checkArtifactPaths(refs: Readonly<Record<string, unknown>>): void {
  for (const [field, ref] of Object.entries(refs)) {
    if (ref !== null && typeof ref === "object" && typeof (ref as { path?: unknown }).path === "string")
      assertRelativeWorkspacePath((ref as { path: string }).path, `${field}.path`);
  }
}
