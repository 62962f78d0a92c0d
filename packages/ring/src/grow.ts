/** `array`, or a copy at least `needed` long (doubling) holding its first `keep` entries. */
export function growInt32(array: Int32Array, needed: number, keep: number): Int32Array {
  if (needed <= array.length) return array;
  let size = Math.max(1, array.length) * 2;
  while (size < needed) size *= 2;
  const grown = new Int32Array(size);
  grown.set(array.subarray(0, keep));
  return grown;
}
