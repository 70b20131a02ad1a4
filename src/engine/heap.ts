/** A binary min-heap ordered by a string key: the ready list of a topological sort of 10,000 items. */
export class MinHeap<T> {
  readonly #items: { key: string; value: T }[] = [];

  constructor(private readonly keyOf: (value: T) => string) {}

  get size(): number {
    return this.#items.length;
  }

  push(value: T): void {
    const items = this.#items;
    items.push({ key: this.keyOf(value), value });
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((items[parent] as { key: string }).key <= (items[index] as { key: string }).key) break;
      [items[parent], items[index]] = [
        items[index] as { key: string; value: T },
        items[parent] as { key: string; value: T },
      ];
      index = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (
          left < items.length &&
          (items[left] as { key: string }).key < (items[smallest] as { key: string }).key
        )
          smallest = left;
        if (
          right < items.length &&
          (items[right] as { key: string }).key < (items[smallest] as { key: string }).key
        )
          smallest = right;
        if (smallest === index) break;
        [items[smallest], items[index]] = [
          items[index] as { key: string; value: T },
          items[smallest] as { key: string; value: T },
        ];
        index = smallest;
      }
    }
    return top?.value;
  }
}
