/** The `axis` option of a loss, checked against the predictions' rank (known only per call). */
import { ArgumentError } from '../errors.js';

/**
 * `axis` as a non-negative index into a tensor of rank `ndim`; the batch axis (0) is refused when
 * there is more than one axis, since a loss reduces within each sample.
 */
export function integerAxis(loss: string, a: number, ndim: number): number {
  const index = a < 0 ? a + ndim : a;
  if (index < 0 || index >= ndim || (index === 0 && ndim > 1)) {
    throw new ArgumentError(
      `${loss}: axis ${a} is not a feature axis of predictions of rank ${ndim} (allowed: 1…${ndim - 1} or −1…−${ndim - 1})`,
    );
  }
  return index;
}
