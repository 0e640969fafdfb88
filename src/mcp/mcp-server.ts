import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Command } from "commander";
import { globalOptions, openEngine } from "../cli/cli-context.js";
import { OPERATIONS } from "../operations/catalog.js";
import type { LocusEngine } from "../operations/locus-engine.js";
import { idleCompactor } from "../operations/maintenance/compact-store.js";
import { allProfiles } from "../operations/workspace-config.js";
import { resultText } from "./mcp-results.js";
import { LocusStdioTransport } from "./mcp-stdio-transport.js";
import { toolsFor } from "./mcp-tools.js";

// `locus mcp`: the catalog as MCP tools over stdio. Every call is one job through the same envelope as the
// CLI, with the profile chosen when the server starts as the surface profile (grants are intersected with
// any profile a job names). Refusals come back as tool results with `isError: true` and the contract code;
// nothing a client sends can crash the server (STYLE, MCP SDK: tool failures as results).

/** The result of one tool call. */
export interface ToolCallResult {
  [key: string]: unknown;
  content: { type: "text"; text: string }[];
  isError?: boolean;
}

const toolError = (code: string, message: string): ToolCallResult => ({
  content: [{ type: "text", text: JSON.stringify({ success: false, error: { code, message } }) }],
  isError: true,
});

/** Runs one tool call: `full` is the surface's own switch, everything else is the operation's params. */
export async function callTool(engine: LocusEngine, name: string, args: unknown): Promise<ToolCallResult> {
  try {
    if (!OPERATIONS.some((operation) => operation.name === name && operation.mcp !== false))
      return toolError("HSK-400-INVALID-JOB", `unknown tool ${name}`);
    const { full, ...params } = (typeof args === "object" && args !== null ? args : {}) as Record<
      string,
      unknown
    >;
    const result = await engine.run(name, params);
    return {
      content: [{ type: "text", text: resultText(name, result, params, full === true) }],
      ...(result.success ? {} : { isError: true }),
    };
  } catch (error) {
    return toolError(
      "HSK-500-STORAGE",
      `internal failure: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Builds the MCP server over an open engine. */
export function buildMcpServer(engine: LocusEngine, version = "0.1.0"): Server {
  const server = new Server({ name: "locus", version }, { capabilities: { tools: {} } });
  const tools = toolsFor(OPERATIONS);
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request) =>
    callTool(engine, request.params.name, request.params.arguments),
  );
  return server;
}

/** `locus mcp`: serves until stdin closes. An unknown profile is refused at start, not on every call. */
export async function serveMcp(command: Command): Promise<void> {
  const { engine } = await openEngine(command);
  const profile = globalOptions(command).profile;
  if (profile !== undefined && allProfiles(engine.config)[profile] === undefined) {
    process.stderr.write(
      `locus mcp: unknown profile ${profile}; known: ${Object.keys(allProfiles(engine.config)).join(", ")}\n`,
    );
    await engine.close();
    process.exitCode = 2;
    return;
  }
  const server = buildMcpServer(engine);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  // Issue 20, third part: cold events are packed while no call comes (compact-store.ts).
  const compactor = idleCompactor(engine.store);
  compactor.touch();
  // Lines are bounded like `locus exec` jobs, and a call's arguments reach the envelope as sent (the transport).
  const transport = new LocusStdioTransport((name, args) => {
    compactor.touch();
    return callTool(engine, name, args);
  }, engine.config.limits.job_bytes);
  // The transport closes the session at the end of stdin, once every request read has its answer.
  await server.connect(transport);
  await closed;
  await compactor.stop();
  await engine.close();
}
