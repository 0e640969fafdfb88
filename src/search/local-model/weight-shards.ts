import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";

// A model's weight shards seen as one run of bytes (TensorFlow.js splits it into files of 4 MB, and a weight
// may straddle two of them), read piece by piece: a one-shot `locus search` pays for every megabyte it reads
// into fresh memory (DECISIONS, issue 17), so the loader reads only what a query needs.

/** The concatenated bytes of a weight group's shard files. */
export class ShardedWeights {
  private readonly starts: number[] = [];
  /** Total bytes of all shards. */
  readonly size: number;

  constructor(
    private readonly folder: string,
    private readonly paths: readonly string[],
  ) {
    let at = 0;
    for (const path of paths) {
      this.starts.push(at);
      const fd = openSync(join(folder, path), "r");
      try {
        at += fstatSync(fd).size;
      } finally {
        closeSync(fd);
      }
    }
    this.size = at;
  }

  /** Copies `ranges` (byte offset and length in the shards) into `target`, one after another. */
  readRanges(ranges: readonly (readonly [offset: number, length: number])[], target: Uint8Array): void {
    const open = new Map<number, number>();
    try {
      let into = 0;
      for (const [offset, length] of ranges) {
        let done = 0;
        while (done < length) {
          const at = offset + done;
          const shard = this.shardOf(at);
          let fd = open.get(shard);
          if (fd === undefined) {
            fd = openSync(join(this.folder, this.paths[shard] as string), "r");
            open.set(shard, fd);
          }
          const end = Math.min(offset + length, this.starts[shard + 1] ?? this.size);
          const read = readSync(fd, target, into + done, end - at, at - (this.starts[shard] as number));
          if (read === 0) throw new Error("weight shard shorter than its manifest says");
          done += read;
        }
        into += length;
      }
    } finally {
      for (const fd of open.values()) closeSync(fd);
    }
  }

  private shardOf(offset: number): number {
    let shard = this.starts.length - 1;
    while (shard > 0 && (this.starts[shard] as number) > offset) shard--;
    return shard;
  }
}

/** A float32 table of `rows` x `width` in the shards at byte `offset`, read a row at a time when asked. */
export class LazyRowTable {
  constructor(
    private readonly weights: ShardedWeights,
    private readonly offset: number,
    readonly rows: number,
    readonly width: number,
  ) {}

  /** The given rows, in order, as one array of rows x width. */
  readRows(rows: ArrayLike<number>): Float32Array {
    const rowBytes = this.width * 4;
    const out = new Float32Array(rows.length * this.width);
    const ranges = Array.from(rows, (row): [number, number] => {
      if (row < 0 || row >= this.rows) throw new Error(`row ${row} outside [0, ${this.rows})`);
      return [this.offset + row * rowBytes, rowBytes];
    });
    this.weights.readRanges(ranges, new Uint8Array(out.buffer));
    return out;
  }

  /** The whole table (for a kernel other than a row gather). */
  readAll(): Float32Array {
    const out = new Float32Array(this.rows * this.width);
    this.weights.readRanges([[this.offset, out.byteLength]], new Uint8Array(out.buffer));
    return out;
  }
}
