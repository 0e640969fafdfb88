import { LocusError } from "../domain/errors.js";
import type { LocusStore } from "./store-port.js";

/** Opens a PostgreSQL store. The backend lands with the PostgreSQL issue; until then this refuses clearly. */
export async function openPostgres(url: string): Promise<LocusStore> {
  throw new LocusError("HSK-500-STORAGE", "this build of Locus has no PostgreSQL backend yet", {
    field: "store",
    url: url.replace(/\/\/[^@/]*@/, "//***@"),
  });
}
