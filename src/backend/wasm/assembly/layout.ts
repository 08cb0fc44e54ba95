// Moving rows: mini-batch gathering straight from the data set into the batch tensor.
import { copyFloats } from './simd';

/** out row r = x row idx[r]; idx points at `count` int32 row numbers, rows are rowBytes long. */
export function gatherRows(x: usize, rowBytes: i32, idx: usize, count: i32, out: usize): void {
  // Four rows at a time, interleaved: the rows sit at random places in a data set much larger
  // than the caches, so each row starts with a miss to memory; copying four side by side keeps
  // four of them in flight instead of one (memory.copy per row waits for each in turn).
  const rb = <usize>rowBytes;
  let r = 0;
  if ((rowBytes & 15) == 0) {
    for (; r + 4 <= count; r += 4) {
      const f0 = x + <usize>load<i32>(idx + (<usize>r << 2)) * rb;
      const f1 = x + <usize>load<i32>(idx + (<usize>r << 2), 4) * rb;
      const f2 = x + <usize>load<i32>(idx + (<usize>r << 2), 8) * rb;
      const f3 = x + <usize>load<i32>(idx + (<usize>r << 2), 12) * rb;
      const t0 = out + <usize>r * rb;
      for (let o: usize = 0; o < rb; o += 16) {
        v128.store(t0 + o, v128.load(f0 + o));
        v128.store(t0 + rb + o, v128.load(f1 + o));
        v128.store(t0 + 2 * rb + o, v128.load(f2 + o));
        v128.store(t0 + 3 * rb + o, v128.load(f3 + o));
      }
    }
  }
  // The rest one by one (label rows of 10 floats, too), with vector copies: memory.copy on shared
  // memory is a runtime call per row.
  for (; r < count; r++) {
    copyFloats(out + <usize>r * rb, x + <usize>load<i32>(idx + (<usize>r << 2)) * rb, rowBytes >> 2);
  }
}
