import { render } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { follow, forgetToken, getEvents, getJson, type LocusEvent, op, type Result, takeToken } from "./api.js";

// The web board of `locus serve` (section 14): the Kanban board by status, a WP's detail, the dependency graph
// around it, search, and the audit timeline, updated live from the event stream. Everything goes through the
// catalog's routes with the member token of this tab, so the server's state machine and the member's grants
// decide every move; the board only shows what they said.

/** Section 5's statuses, in board order (the server refuses anything else). */
const STATUSES = ["stub", "ready", "in_progress", "blocked", "gated", "done", "cancelled"] as const;
type Status = (typeof STATUSES)[number];
/** Cards per column page: columns of thousands stay quick to draw and to scroll. */
const PAGE = 40;
/** Events that change what the board shows (the others, like queries, are only audit). */
const STATE_EVENTS = /^(work_packet_|micro_tasks_|mt_|dependency_)/;

interface Gate {
  status: string;
  notes?: string;
  validated_by?: string;
  validated_at?: string;
}
interface Note {
  note_id: string;
  author: string;
  created_at: string;
  content: string;
  note_type: string;
}
interface Wp {
  wp_id: string;
  title: string;
  description: string;
  status: Status;
  priority: number;
  assignee?: string;
  labels: string[];
  version: number;
  governance: { gates: Record<string, Gate>; gate_history: Record<string, Gate[]> };
  micro_tasks: { total: number; completed: number };
  notes: Note[];
}
interface Dependency {
  dependency_id: string;
  from_wp_id: string;
  to_wp_id: string;
  type: string;
}
interface Iteration {
  iteration: number;
  model_id?: string;
  outcome?: string;
  tokens_used?: number;
}
interface Mt {
  mt_id: string;
  name: string;
  status: string;
  iterations?: Iteration[];
}
interface Tree {
  wp_id: string;
  title: string;
  status: string;
  via?: { type: string };
  children: Tree[];
}
type Refusal = { code: string; message: string };

const short = (id: string) => (id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-5)}` : id);
const label = (status: string) => status.replace("_", " ");

function App() {
  const [token, setToken] = useState(takeToken());
  if (token === undefined) return <TokenForm onToken={setToken} />;
  return (
    <Board
      token={token}
      onSignOut={() => {
        forgetToken();
        setToken(undefined);
      }}
    />
  );
}

function TokenForm({ onToken }: { onToken: (token: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      class="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        location.hash = `token=${value.trim()}`;
        onToken(takeToken() as string);
      }}
    >
      <h1>Locus board</h1>
      <p>Paste your member token (locus member add prints it), or open the address with #token=… at its end.</p>
      <input aria-label="member token" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      <button type="submit">Open the board</button>
    </form>
  );
}

/** Column state: the cards loaded so far and how many there are. */
type Columns = Record<Status, { wps: Wp[]; total: number }>;
const emptyColumns = (): Columns =>
  Object.fromEntries(STATUSES.map((status) => [status, { wps: [], total: 0 }])) as unknown as Columns;

function Board({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const [columns, setColumns] = useState<Columns>(emptyColumns);
  const [shown, setShown] = useState<Record<Status, number>>(
    () => Object.fromEntries(STATUSES.map((s) => [s, PAGE])) as Record<Status, number>,
  );
  const [selected, setSelected] = useState<string | undefined>();
  const [view, setView] = useState<"board" | "audit">("board");
  const [refusal, setRefusal] = useState<Refusal | undefined>();
  const [live, setLive] = useState(false);
  const [changes, setChanges] = useState(0);
  const [denied, setDenied] = useState<string | undefined>();
  const shownRef = useRef(shown);
  shownRef.current = shown;

  const columnsRef = useRef(columns);
  columnsRef.current = columns;

  /** Loads the columns of `statuses` (all by default); each column is drawn as soon as its page arrives. */
  const load = useCallback(
    async (statuses: readonly Status[] = STATUSES) => {
      await Promise.all(
        statuses.map(async (status) => {
          const page = await op<{ wps: Wp[]; total_count: number }>(token, "list_wps", {
            statuses: [status],
            limit: Math.min(1000, shownRef.current[status]),
          });
          if (!page.success) {
            if (page.error.code === "HSK-403-CAPABILITY") setDenied(page.error.message);
            return;
          }
          setColumns((current) => ({ ...current, [status]: { wps: page.data.wps, total: page.data.total_count } }));
        }),
      );
    },
    [token],
  );

  useEffect(() => {
    void load();
  }, [load, shown]);

  // Live: a state change anywhere reloads the columns it touched (coalesced), whichever process made it.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pending = new Set<Status>();
    let stop = () => {};
    void getJson<{ head_seq: number }>(token, "/v1/head").then((head) => {
      stop = follow(
        token,
        head.head_seq,
        (event) => {
          if (!STATE_EVENTS.test(event.event_name)) return;
          setChanges((n) => n + 1);
          for (const status of touchedColumns(event, columnsRef.current)) pending.add(status);
          if (timer === undefined)
            timer = setTimeout(() => {
              timer = undefined;
              const statuses = [...pending];
              pending.clear();
              void load(statuses);
            }, 15);
        },
        setLive,
      );
    });
    return () => stop();
  }, [token, load]);

  const move = async (wpId: string, to: Status) => {
    const from = STATUSES.find((status) => columns[status].wps.some((wp) => wp.wp_id === wpId));
    if (from === to) return;
    const result = await op(token, "update_wp", { wp_id: wpId, updates: { status: to } });
    if (!result.success) setRefusal(result.error);
    await load(from === undefined ? STATUSES : [from, to]);
  };

  if (denied) return <p class="denied">This token cannot read the board: {denied}</p>;
  return (
    <div class="shell">
      <header>
        <h1>Locus</h1>
        <nav>
          <button type="button" aria-pressed={view === "board"} onClick={() => setView("board")}>
            Board
          </button>
          <button type="button" aria-pressed={view === "audit"} onClick={() => setView("audit")}>
            Audit
          </button>
        </nav>
        <Search token={token} onOpen={setSelected} />
        <span class={live ? "live on" : "live"} title={`${changes} live changes`} data-testid="live">
          {live ? "live" : "offline"}
        </span>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {refusal && <RefusalBanner refusal={refusal} onClose={() => setRefusal(undefined)} />}
      <main>
        {view === "board" ? (
          <section class="columns" aria-label="board">
            {STATUSES.map((status) => (
              <Column
                key={status}
                status={status}
                column={columns[status]}
                onMore={() => setShown((s) => ({ ...s, [status]: s[status] + PAGE }))}
                onOpen={setSelected}
                onDrop={(wpId) => void move(wpId, status)}
              />
            ))}
          </section>
        ) : (
          <Audit token={token} />
        )}
        {selected && (
          <Detail
            token={token}
            wpId={selected}
            version={changes}
            onClose={() => setSelected(undefined)}
            onOpen={setSelected}
            onMove={(to) => void move(selected, to)}
          />
        )}
      </main>
    </div>
  );
}

/**
 * The columns an event changes: where its WP was and where it went. A new WP lands in its status; a status change
 * names both ends; any other change to a WP touches the column showing it; an edge or an unknown WP, every
 * column (readiness and counters may move anywhere).
 */
function touchedColumns(event: LocusEvent, columns: Columns): readonly Status[] {
  const p = event.payload as {
    wp_id?: string;
    wp?: { status?: Status };
    changes?: { status?: { from?: Status; to?: Status } };
    status_change?: { from?: Status; to?: Status };
  };
  if (event.event_name === "work_packet_created" && p.wp?.status) return [p.wp.status];
  const moved = p.changes?.status ?? p.status_change;
  const showing = STATUSES.filter((status) => columns[status].wps.some((wp) => wp.wp_id === p.wp_id));
  if (moved?.from && moved.to) return [...new Set([moved.from, moved.to, ...showing])];
  if (event.event_name === "work_packet_completed") return [...new Set<Status>([...showing, "done"])];
  if (p.wp_id !== undefined && showing.length > 0 && !event.event_name.startsWith("dependency_")) return showing;
  return STATUSES;
}

function RefusalBanner({ refusal, onClose }: { refusal: Refusal; onClose: () => void }) {
  useEffect(() => {
    const timer = setTimeout(onClose, 8_000);
    return () => clearTimeout(timer);
  }, [refusal, onClose]);
  return (
    <div class="refusal" role="alert" data-testid="refusal">
      <strong>{refusal.code}</strong> {refusal.message}
      <button type="button" class="link" onClick={onClose} aria-label="dismiss">
        ×
      </button>
    </div>
  );
}

function Column(props: {
  status: Status;
  column: { wps: Wp[]; total: number };
  onMore: () => void;
  onOpen: (wpId: string) => void;
  onDrop: (wpId: string) => void;
}) {
  const [over, setOver] = useState(false);
  const { status, column } = props;
  return (
    <div
      class={over ? "column over" : "column"}
      data-status={status}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        const wpId = event.dataTransfer?.getData("text/plain");
        if (wpId) props.onDrop(wpId);
      }}
    >
      <h2>
        {label(status)} <span class="count">{column.total}</span>
      </h2>
      <ul>
        {column.wps.map((wp) => (
          <Card key={wp.wp_id} wp={wp} onOpen={props.onOpen} />
        ))}
      </ul>
      {column.wps.length < column.total && (
        <button type="button" class="more" onClick={props.onMore}>
          Show more ({column.total - column.wps.length} left)
        </button>
      )}
    </div>
  );
}

function GateBadges({ wp }: { wp: Wp }) {
  return (
    <span class="gates">
      {(["pre_work", "post_work"] as const).map((gate) => (
        <span key={gate} class={`gate ${wp.governance.gates[gate]?.status ?? "pending"}`} title={`${gate}: ${wp.governance.gates[gate]?.status}`}>
          {gate === "pre_work" ? "pre" : "post"}
        </span>
      ))}
    </span>
  );
}

function Card({ wp, onOpen }: { wp: Wp; onOpen: (wpId: string) => void }) {
  return (
    <li
      class="card"
      draggable
      tabIndex={0}
      data-wp={wp.wp_id}
      onDragStart={(event) => event.dataTransfer?.setData("text/plain", wp.wp_id)}
      onClick={() => onOpen(wp.wp_id)}
      onKeyDown={(event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          onOpen(wp.wp_id);
        }
      }}
    >
      <div class="card-top">
        <span class={`prio p${wp.priority}`}>P{wp.priority}</span>
        <span class="id">{short(wp.wp_id)}</span>
      </div>
      <div class="title">{wp.title}</div>
      <div class="card-bottom">
        <GateBadges wp={wp} />
        {wp.micro_tasks.total > 0 && (
          <span class="mts" title="micro-tasks completed">
            {wp.micro_tasks.completed}/{wp.micro_tasks.total}
          </span>
        )}
        {wp.assignee && <span class="assignee">@{wp.assignee}</span>}
      </div>
      {wp.labels.length > 0 && (
        <div class="labels">
          {wp.labels.map((l) => (
            <span key={l} class="label">
              {l}
            </span>
          ))}
        </div>
      )}
    </li>
  );
}

function Detail(props: {
  token: string;
  wpId: string;
  version: number;
  onClose: () => void;
  onOpen: (wpId: string) => void;
  onMove: (to: Status) => void;
}) {
  const { token, wpId } = props;
  const [data, setData] = useState<
    | {
        wp: Wp;
        micro_tasks: Mt[];
        dependencies: { incoming: Dependency[]; outgoing: Dependency[] };
        /** Section 17: the rollup of every descendant along parent-child edges, when there are any. */
        children?: { total: number; by_status: Record<string, number>; done_ratio: number };
      }
    | undefined
  >();
  const [trees, setTrees] = useState<{ up?: Tree; down?: Tree }>({});
  const [error, setError] = useState<Refusal | undefined>();
  const panel = useRef<HTMLElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: props.version reloads the panel after live changes
  useEffect(() => {
    void (async () => {
      const [status, up, down] = await Promise.all([
        op<NonNullable<typeof data>>(token, "get_wp_status", { wp_id: wpId }),
        op<{ tree: Tree }>(token, "get_dependency_tree", { wp_id: wpId, direction: "up", max_depth: 3 }),
        op<{ tree: Tree }>(token, "get_dependency_tree", { wp_id: wpId, direction: "down", max_depth: 3 }),
      ]);
      if (status.success) {
        setData(status.data);
        setError(undefined);
      } else setError(status.error);
      setTrees({
        ...(up.success ? { up: up.data.tree } : {}),
        ...(down.success ? { down: down.data.tree } : {}),
      });
    })();
  }, [token, wpId, props.version]);
  useEffect(() => panel.current?.focus(), [wpId]);
  return (
    <aside
      class="detail"
      ref={panel}
      tabIndex={-1}
      aria-label="work packet"
      onKeyDown={(event) => event.key === "Escape" && props.onClose()}
    >
      <button type="button" class="link close" onClick={props.onClose} aria-label="close">
        ×
      </button>
      {error && (
        <p class="refusal">
          {error.code} {error.message}
        </p>
      )}
      {data && (
        <>
          <p class="id">{data.wp.wp_id}</p>
          <h2>{data.wp.title}</h2>
          <label>
            Status{" "}
            <select
              value={data.wp.status}
              aria-label="status"
              onChange={(event) => props.onMove((event.target as HTMLSelectElement).value as Status)}
            >
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {label(s)}
                </option>
              ))}
            </select>
          </label>
          <p class="meta">
            P{data.wp.priority} · version {data.wp.version}
            {data.wp.assignee ? ` · @${data.wp.assignee}` : ""}
          </p>
          {data.wp.description && <p class="description">{data.wp.description}</p>}
          {data.children && (
            <div class="rollup" data-testid="rollup">
              <h3>Children</h3>
              <progress max={1} value={data.children.done_ratio} aria-label="children done" />{" "}
              {Math.round(data.children.done_ratio * 100)}% done of {data.children.total}:{" "}
              {Object.entries(data.children.by_status)
                .map(([s, n]) => `${n} ${label(s as Status)}`)
                .join(", ")}
            </div>
          )}
          <h3>Gates</h3>
          {(["pre_work", "post_work"] as const).map((gate) => (
            <div key={gate}>
              <strong>{gate}</strong>: {data.wp.governance.gates[gate]?.status}
              <ul class="history">
                {(data.wp.governance.gate_history[gate] ?? []).map((g, i) => (
                  <li key={i}>
                    {g.status} {g.validated_by ? `by ${g.validated_by}` : ""} {g.validated_at?.slice(0, 16).replace("T", " ") ?? ""}{" "}
                    {g.notes ?? ""}
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <h3>Micro-tasks</h3>
          {data.micro_tasks.length === 0 && <p class="muted">none</p>}
          <ul>
            {data.micro_tasks.map((mt) => (
              <li key={mt.mt_id}>
                {mt.mt_id} {mt.name}: {mt.status}
                <ul class="history">
                  {(mt.iterations ?? []).map((it) => (
                    <li key={it.iteration}>
                      #{it.iteration} {it.model_id ?? ""} {it.outcome ?? ""} {it.tokens_used ? `${it.tokens_used} tokens` : ""}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
          <h3>Dependencies</h3>
          <ul>
            {data.dependencies.outgoing.map((d) => (
              <li key={d.dependency_id}>
                {d.type} →{" "}
                <button type="button" class="link" onClick={() => props.onOpen(d.to_wp_id)}>
                  {short(d.to_wp_id)}
                </button>
              </li>
            ))}
            {data.dependencies.incoming.map((d) => (
              <li key={d.dependency_id}>
                <button type="button" class="link" onClick={() => props.onOpen(d.from_wp_id)}>
                  {short(d.from_wp_id)}
                </button>{" "}
                {d.type} → this
              </li>
            ))}
          </ul>
          {(trees.up?.children.length ?? 0) + (trees.down?.children.length ?? 0) > 0 && <h3>Graph around it</h3>}
          {trees.up && trees.up.children.length > 0 && (
            <div class="graph-part">
              <span class="muted">waits on</span>
              <Graph tree={trees.up} onOpen={props.onOpen} />
            </div>
          )}
          {trees.down && trees.down.children.length > 0 && (
            <div class="graph-part">
              <span class="muted">holds up</span>
              <Graph tree={trees.down} onOpen={props.onOpen} />
            </div>
          )}
          <h3>Notes</h3>
          {data.wp.notes.length === 0 && <p class="muted">none</p>}
          <ul class="notes">
            {data.wp.notes.map((n) => (
              <li key={n.note_id} class={`note-${n.note_type}`}>
                <span class="muted">
                  {n.author} {n.created_at.slice(0, 16).replace("T", " ")}
                </span>{" "}
                {n.content}
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}

function Graph({ tree, onOpen }: { tree: Tree; onOpen: (wpId: string) => void }) {
  return (
    <ul class="graph">
      {tree.children.map((child) => (
        <li key={child.wp_id}>
          <span class="edge">{child.via?.type ?? ""}</span>{" "}
          <button type="button" class={`link status-${child.status}`} onClick={() => onOpen(child.wp_id)}>
            {child.title} ({label(child.status)})
          </button>
          {child.children.length > 0 && <Graph tree={child} onOpen={onOpen} />}
        </li>
      ))}
    </ul>
  );
}

function Search({ token, onOpen }: { token: string; onOpen: (wpId: string) => void }) {
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<{ wp_id: string; snippet?: string }[]>([]);
  useEffect(() => {
    if (query.trim().length < 2) {
      setResults([]);
      return;
    }
    const timer = setTimeout(async () => {
      const found = await op<{ results: { wp_id: string; snippet?: string }[] }>(token, "search", {
        query,
        mode: "keyword",
        limit: 10,
      });
      setResults(found.success ? found.data.results : []);
    }, 150);
    return () => clearTimeout(timer);
  }, [token, query]);
  return (
    <div class="search">
      <input
        type="search"
        placeholder="Search work packets"
        aria-label="search"
        value={query}
        onInput={(event) => setQuery((event.target as HTMLInputElement).value)}
      />
      {results.length > 0 && (
        <ul class="results">
          {results.map((r) => (
            <li key={r.wp_id}>
              <button
                type="button"
                class="link"
                onClick={() => {
                  onOpen(r.wp_id);
                  setQuery("");
                }}
              >
                {short(r.wp_id)} {r.snippet ?? ""}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Audit({ token }: { token: string }) {
  const [events, setEvents] = useState<LocusEvent[]>([]);
  const [chain, setChain] = useState<{ ok: boolean; checked: number; reason?: string } | undefined>();
  const [queries, setQueries] = useState(false);
  useEffect(() => {
    void getEvents(token, "tail=300").then((list) => setEvents(list.reverse()));
    void getJson<{ ok: boolean; checked: number; reason?: string }>(token, "/v1/verify").then(setChain);
  }, [token]);
  const shown = useMemo(
    () => events.filter((e) => queries || !isQuery(e)),
    [events, queries],
  );
  return (
    <section class="audit" aria-label="audit timeline">
      <p data-testid="chain">
        {chain === undefined
          ? "checking the chain…"
          : chain.ok
            ? `chain verified: ${chain.checked} events, every hash in order`
            : `CHAIN BROKEN: ${chain.reason}`}
      </p>
      <label>
        <input type="checkbox" checked={queries} onChange={() => setQueries(!queries)} /> show queries
      </label>
      <table>
        <thead>
          <tr>
            <th>seq</th>
            <th>time</th>
            <th>actor</th>
            <th>event</th>
            <th>what</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.seq} class={e.payload.decision_outcome === "deny" ? "deny" : ""}>
              <td>{e.seq}</td>
              <td>{e.timestamp.slice(0, 19).replace("T", " ")}</td>
              <td>{e.actor_id}</td>
              <td>{e.event_name}</td>
              <td>{describe(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A query and the read decision it made: audit noise unless asked for (a refused read is always shown). */
const isQuery = (e: LocusEvent) =>
  e.event_name === "work_query_executed" ||
  (e.event_name === "capability_decision" && e.payload.capability_id === "locus.read" && e.payload.decision_outcome === "allow");

/** One line about an event's payload for the timeline. */
function describe(e: LocusEvent): string {
  const p = e.payload;
  if (e.event_name === "capability_decision")
    return `${String(p.decision_outcome)} ${String(p.capability_id)} (profile ${String(p.capability_profile_id ?? "-")})`;
  const edge = (p.dependency ?? p) as Record<string, unknown>;
  if (e.event_name.startsWith("dependency_")) return `${String(edge.from_wp_id)} ${String(edge.type)} ${String(edge.to_wp_id)}`;
  const parts = [p.wp_id, p.gate, p.member_actor_id, p.role].filter((v) => typeof v === "string");
  return parts.join(" ");
}

render(<App />, document.getElementById("app") as HTMLElement);

export type { Result };
