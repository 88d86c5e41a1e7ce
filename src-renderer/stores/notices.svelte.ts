export interface Notice {
  id: number;
  tone: 'info' | 'error' | 'success';
  text: string;
}

/** Short messages at the bottom of the window: errors from the engine, finished exports. */
export class NoticesStore {
  items = $state.raw<Notice[]>([]);
  private nextId = 1;

  push(text: string, tone: Notice['tone'] = 'info', ms = tone === 'error' ? 8000 : 3500): void {
    const id = this.nextId++;
    this.items = [...this.items.slice(-3), { id, tone, text }];
    if (ms > 0) setTimeout(() => this.dismiss(id), ms);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((n) => n.id !== id);
  }
}
