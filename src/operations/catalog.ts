import { syncTaskBoardOp } from "./board/sync-task-board.op.js";
import { addDependency } from "./dependencies/add-dependency.op.js";
import { removeDependency } from "./dependencies/remove-dependency.op.js";
import { importOperations } from "./import/import-tracker.op.js";
import { addMember } from "./members/add-member.op.js";
import { listMembers } from "./members/list-members.op.js";
import { removeMember } from "./members/remove-member.op.js";
import { requireMembers } from "./members/require-members.op.js";
import { completeMt } from "./micro-tasks/complete-mt.op.js";
import { recordIteration } from "./micro-tasks/record-iteration.op.js";
import { registerMts } from "./micro-tasks/register-mts.op.js";
import { startMt } from "./micro-tasks/start-mt.op.js";
import type { OperationDefinition } from "./operation.js";
import { getBlockingChain } from "./queries/get-blocking-chain.op.js";
import { getDependencyTree } from "./queries/get-dependency-tree.op.js";
import { getMtProgress } from "./queries/get-mt-progress.op.js";
import { getWpStatus } from "./queries/get-wp-status.op.js";
import { listWps } from "./queries/list-wps.op.js";
import { queryBlocked } from "./queries/query-blocked.op.js";
import { queryReady } from "./queries/query-ready.op.js";
import { purgeEvents } from "./retention/purge-events.op.js";
import { search } from "./search/search.op.js";
import { syncEvents } from "./sync/sync-events.op.js";
import { claimWp } from "./work-packets/claim-wp.op.js";
import { closeWp } from "./work-packets/close-wp.op.js";
import { createWp } from "./work-packets/create-wp.op.js";
import { deleteWp } from "./work-packets/delete-wp.op.js";
import { gateWp } from "./work-packets/gate-wp.op.js";
import { releaseWp } from "./work-packets/release-wp.op.js";
import { updateWp } from "./work-packets/update-wp.op.js";

/** STYLE 2: the one operation catalog; every surface is generated from it. */
export const OPERATIONS: readonly OperationDefinition[] = [
  createWp,
  updateWp,
  gateWp,
  closeWp,
  deleteWp,
  claimWp, // issue 4: atomic pick + assign for agents (CLI `claim`, MCP `claim_wp`); leases (section 17)
  releaseWp, // section 17: give a claim up (CLI `release`)
  registerMts,
  startMt,
  recordIteration,
  completeMt,
  addDependency,
  removeDependency,
  queryReady,
  queryBlocked,
  getWpStatus,
  getMtProgress,
  getDependencyTree,
  getBlockingChain,
  listWps,
  syncTaskBoardOp, // section 8 (board engineer)
  search, // section 9: hybrid search (src/operations/search/)
  syncEvents, // section 13: replica sync (src/operations/sync/)
  addMember, // section 14: team server members (src/operations/members/)
  listMembers,
  removeMember,
  requireMembers,
  ...importOperations, // section 15: import_beads, import_backlog, import_taskmaster, import_github
  purgeEvents, // section 16: retention (src/operations/retention/)
];

/** The catalog by operation name. */
export const CATALOG: ReadonlyMap<string, OperationDefinition> = new Map(
  OPERATIONS.map((op) => [op.name, op]),
);
