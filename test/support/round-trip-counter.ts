// Issue 16: how many times a job waits for the PostgreSQL server. The driver's client is wrapped, never mocked:
// every statement still runs on the real server. A round trip is counted when a statement is sent while none is
// in flight; statements sent behind others (pipelined) share their round trip.
import pg from "pg";

/** What one measured call cost. */
export interface RoundTripCost {
  roundTrips: number;
  statements: number;
}

/** Counts round trips of every pg client in this process until `uninstall`. */
export function installRoundTripCounter(): {
  measure(call: () => Promise<unknown>): Promise<RoundTripCost>;
  uninstall(): void;
} {
  const original = pg.Client.prototype.query;
  let inFlight = 0;
  const cost: RoundTripCost = { roundTrips: 0, statements: 0 };
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
      await call();
      return { ...cost };
    },
    uninstall() {
      pg.Client.prototype.query = original;
    },
  };
}
