// Moving rows: mini-batch gathering straight from the data set into the batch tensor.

/** out row r = x row idx[r]; idx points at `count` int32 row numbers, rows are rowBytes long. */
export function gatherRows(x: usize, rowBytes: i32, idx: usize, count: i32, out: usize): void {
  for (let r = 0; r < count; r++) {
    const from = x + <usize>load<i32>(idx + (<usize>r << 2)) * <usize>rowBytes;
    memory.copy(out + <usize>r * <usize>rowBytes, from, <usize>rowBytes);
  }
}
