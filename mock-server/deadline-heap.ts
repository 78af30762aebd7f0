/** A binary min-heap of moments by due time: the earliest is at [0]; push and pop are O(log n), no allocation but the entry. */
export interface Moment {
  due: number;
  fn: () => void;
  cancelled: boolean;
}

export class DeadlineHeap {
  private readonly items: Moment[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Moment | undefined {
    return this.items[0];
  }

  push(m: Moment): void {
    const a = this.items;
    let i = a.push(m) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as Moment;
      if (p.due <= m.due) break;
      a[i] = p;
      i = parent;
    }
    a[i] = m;
  }

  pop(): Moment | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const child = r < a.length && (a[r] as Moment).due < (a[l] as Moment).due ? r : l;
      if ((a[child] as Moment).due >= last.due) break;
      a[i] = a[child] as Moment;
      i = child;
    }
    a[i] = last;
    return top;
  }
}
