// Reading a workspace file a user named (a task packet, the Task Board) without trusting what it is
// (LOCUS_SPEC section 8, "Safety"; issue 21 hole 4): a FIFO, a device or a socket planted under the name
// must be refused, never waited on, and a file past its bound is refused before it is loaded.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { LocusError } from "../domain/errors.js";

// O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one (the open is what
// hung `locus update` while it held the write lock). On a regular file the flag changes nothing.
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Opens `absolute` for reading without blocking, whatever kind of file it is (the caller fstats it). */
export function openForRead(absolute: string, noFollow = false): number {
  return openSync(absolute, noFollow ? READ_FLAGS | constants.O_NOFOLLOW : READ_FLAGS);
}

/**
 * Reads a regular file of at most `maxBytes` bytes. Anything else (FIFO, device, socket, folder) is refused
 * with HSK-400-UNSAFE-PATH naming `field`; a larger file with HSK-413-LIMIT, checked on the open file's stat
 * before a byte is read, and again while reading should the file grow. `noFollow` refuses a symlink at the
 * last path element (for paths whose symlinks were already resolved and confined).
 */
export function readRegularFile(absolute: string, maxBytes: number, field: string, noFollow = false): Buffer {
  const fd = openForRead(absolute, noFollow);
  try {
    const size = assertRegularFile(fd, maxBytes, field);
    const buffer = Buffer.allocUnsafe(size + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw tooBig(field, maxBytes, length);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Checks, without reading, that `absolute` is a regular file within `maxBytes` (same refusals as above). */
export function checkRegularFile(absolute: string, maxBytes: number, field: string, noFollow = false): void {
  const fd = openForRead(absolute, noFollow);
  try {
    assertRegularFile(fd, maxBytes, field);
  } finally {
    closeSync(fd);
  }
}

/** The size of the open file `fd`, refusing a non-regular file or one above the bound. */
function assertRegularFile(fd: number, maxBytes: number, field: string): number {
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    throw new LocusError("HSK-400-UNSAFE-PATH", `${field} is not a regular file`, { field });
  }
  if (stat.size > maxBytes) throw tooBig(field, maxBytes, stat.size);
  return stat.size;
}

function tooBig(field: string, limit: number, actual: number): LocusError {
  return new LocusError("HSK-413-LIMIT", `${field} is ${actual} bytes, above the bound of ${limit}`, {
    field,
    limit,
    actual,
  });
}
