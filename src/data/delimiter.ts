/**
 * Guessing a CSV's delimiter from its first lines: among `,` `;` tab and `|`, the one that splits the
 * header and the most following complete lines into the same number (> 1) of fields, outside
 * quotes; ties go to the one giving the most fields, then to the order above. A file none of them splits
 * (a single column) is read with `,`.
 */
export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

/** Fields per line for each candidate, counting only delimiters outside quoted fields. */
function fieldCounts(sample: string, delimiter: string, maxLines: number): number[] {
  const counts: number[] = [];
  let fields = 1;
  let inQuotes = false;
  let lineHasText = false;
  for (let i = 0; i < sample.length && counts.length < maxLines; i++) {
    const c = sample[i]!;
    if (inQuotes) {
      if (c === '"') inQuotes = false; // a doubled "" re-enters on the next character
    } else if (c === '"') {
      inQuotes = true;
      lineHasText = true;
    } else if (c === delimiter) {
      fields++;
      lineHasText = true;
    } else if (c === '\n' || c === '\r') {
      if (lineHasText) counts.push(fields);
      fields = 1;
      lineHasText = false;
    } else lineHasText = true;
  }
  return counts;
}

/**
 * The delimiter of a CSV whose beginning is `sample`. `complete` says the sample is the whole file
 * (so its last line, without a line break, counts too).
 */
export function detectDelimiter(sample: string, complete = false, maxLines = 20): string {
  const text = complete && !/[\r\n]$/.test(sample) ? `${sample}\n` : sample;
  // Score: lines agreeing with the header's field count first (a malformed line further down
  // should not flip a semicolon file to commas), then the number of fields.
  let best = ',';
  let bestScore = [0, 1];
  for (const d of DELIMITER_CANDIDATES) {
    const counts = fieldCounts(text, d, maxLines);
    const header = counts[0] ?? 1;
    if (header < 2) continue;
    const agreeing = counts.filter((c) => c === header).length;
    if (agreeing > bestScore[0]! || (agreeing === bestScore[0] && header > bestScore[1]!)) {
      best = d;
      bestScore = [agreeing, header];
    }
  }
  return best;
}
