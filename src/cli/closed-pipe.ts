/**
 * `backprop predict … | head -1`: once the reader has what it wants it closes the pipe, and our
 * next write fails with EPIPE. Node reports that as an unhandled 'error' event with a stack
 * trace; but the reader stopping early is its choice, not a failure of ours, so we leave
 * quietly — with success unless something had already failed (e.g. an unreadable input file).
 */
export function leaveQuietlyWhenPipeCloses(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    const code = process.exitCode;
    process.exit(typeof code === 'number' ? code : 0);
  });
}
