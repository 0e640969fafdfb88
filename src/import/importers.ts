// Section 15: the four importers, each a reader of its source plus its parser (one folder each, STYLE 16).

import { BACKLOG_FOLDERS } from "./backlog/backlog-mapping.js";
import { configStatuses, parseBacklog } from "./backlog/backlog-parser.js";
import { parseBeads } from "./beads/beads-parser.js";
import { parseGithub } from "./github/github-parser.js";
import type { ImportFormat, ParsedSource, Unmapped } from "./import-model.js";
import { readFolderFile, readMarkdownFolder, readSourceFile } from "./source-files.js";
import { parseTaskmaster } from "./taskmaster/taskmaster-parser.js";

/** One importer: what it reads and how. */
export interface Importer {
  /** One line for help texts and tool descriptions. */
  summary: string;
  /** What `source` names, for the help of the param. */
  source: string;
  /** Reads and parses the source (within the bounds of source-files.ts). */
  read(source: string, tag?: string): ParsedSource;
}

/** The importers by format. */
export const IMPORTERS: Readonly<Record<ImportFormat, Importer>> = {
  beads: {
    summary: "Import a Beads issues.jsonl: every issue a WP (statuses, edges, comments, tombstones)",
    source: "the Beads issues.jsonl file, e.g. .beads/issues.jsonl",
    read: (source) => parseBeads(readSourceFile(source)),
  },
  backlog: {
    summary: "Import a Backlog.md backlog/ folder: tasks, completed, archive and drafts",
    source: "the Backlog.md folder, e.g. backlog",
    read(source) {
      const unmapped: Unmapped[] = [];
      const files = readMarkdownFolder(source, BACKLOG_FOLDERS, unmapped);
      const parsed = parseBacklog(files, configStatuses(readFolderFile(source, "config.yml", 1024 * 1024)));
      return { ...parsed, unmapped: [...unmapped, ...parsed.unmapped] };
    },
  },
  taskmaster: {
    summary: "Import a Task Master tasks.json (every tag unless --tag), subtasks as child WPs",
    source: "the Task Master tasks.json, e.g. .taskmaster/tasks/tasks.json",
    read: (source, tag) => parseTaskmaster(readSourceFile(source), tag),
  },
  github: {
    summary: "Import GitHub issues as printed by gh issue list --state all --json ... (see README)",
    source: "the JSON file gh issue list --json printed",
    read: (source) => parseGithub(readSourceFile(source)),
  },
};
