/**
 * `compute`, remembered per argument object for as long as the object lives: for what is derived
 * from a value the loader or a pass hands back unchanged (a product, an observation) and asked
 * for many times.
 */
export function perObject<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const known = new WeakMap<K, V>();
  return (key) => {
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}
