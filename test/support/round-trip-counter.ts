// Issue 16: how many times a job waits for the PostgreSQL server. The driver's client is wrapped, never mocked:
// every statement still runs on the real server. A round trip is counted when a statement is sent while none is
// in flight; statements sent behind others (pipelined) share their round trip. Writes to sockets are counted too
// to TCP sockets (each is a system call, ~0.1 ms of the client's CPU on loopback; the test server listens on
// loopback TCP, and the test runner's own reports go through a pipe, not counted).
import net from "node:net";
import pg from "pg";

/** What one measured call cost. */
export interface RoundTripCost {
  roundTrips: number;
  statements: number;
  /** Writes to a TCP socket (`write` or `writev` system calls of the process' TCP sockets). */
  socketWrites: number;
}

/** Counts round trips of every pg client in this process until `uninstall`. */
export function installRoundTripCounter(): {
  measure(call: () => Promise<unknown>): Promise<RoundTripCost>;
  uninstall(): void;
} {
  const original = pg.Client.prototype.query;
  let inFlight = 0;
  const cost: RoundTripCost = { roundTrips: 0, statements: 0, socketWrites: 0 };
  const { _write: write, _writev: writev } = net.Socket.prototype as unknown as Record<
    "_write" | "_writev",
    (...args: unknown[]) => unknown
  >;
  Object.assign(net.Socket.prototype, {
    _write(this: net.Socket, ...args: unknown[]) {
      if (this.remotePort !== undefined) cost.socketWrites++;
      return write.apply(this, args);
    },
    _writev(this: net.Socket, ...args: unknown[]) {
      if (this.remotePort !== undefined) cost.socketWrites++;
      return writev.apply(this, args);
    },
  });
  const settled = () => {
    inFlight--;
  };
  // biome-ignore lint/suspicious/noExplicitAny: the driver's overloads are wrapped as one function.
  pg.Client.prototype.query = function (this: pg.Client, ...args: any[]): any {
    if (inFlight === 0) cost.roundTrips++;
    cost.statements++;
    inFlight++;
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) result.then(settled, settled);
    else settled();
    return result;
  };
  return {
    async measure(call) {
      cost.roundTrips = 0;
      cost.statements = 0;
      cost.socketWrites = 0;
      await call();
      return { ...cost };
    },
    uninstall() {
      pg.Client.prototype.query = original;
      Object.assign(net.Socket.prototype, { _write: write, _writev: writev });
    },
  };
}
