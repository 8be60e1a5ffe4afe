// A fixed-capacity buffer of the most recent items (the event feed's rows).
export class Ring {
  constructor(capacity) {
    this.capacity = capacity;
    this.items = new Array(capacity);
    this.next = 0;
    this.size = 0;
  }

  push(item) {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  clear() {
    this.items = new Array(this.capacity);
    this.next = 0;
    this.size = 0;
  }

  // Newest first.
  newestFirst() {
    const out = [];
    for (let i = 1; i <= this.size; i++) out.push(this.items[(this.next - i + this.capacity) % this.capacity]);
    return out;
  }
}
