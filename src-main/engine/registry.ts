/**
 * A list of parts named by a key (a geometry's kind, an objective's kind, a dataset's scheme):
 * the one-line registries of engine/latent, engine/objectives and engine/data are built on it,
 * and tests or plug-ins add parts at run time with `register`.
 */
export class Registry<T> {
  private readonly entries: T[];

  /** `noun` names a part in messages ("latent geometry"), `article` goes before it ("a"). */
  constructor(
    private readonly noun: string,
    private readonly article: 'a' | 'an',
    private readonly nameOf: (entry: T) => string,
    entries: readonly T[],
  ) {
    this.entries = [...entries];
  }

  /** Adds a part; returns the function that removes it again. */
  register(entry: T): () => void {
    const name = this.nameOf(entry);
    if (this.find(name))
      throw new Error(`${this.article} ${this.noun} "${name}" is registered already`);
    this.entries.push(entry);
    return () => {
      const at = this.entries.indexOf(entry);
      if (at >= 0) this.entries.splice(at, 1);
    };
  }

  list(): readonly T[] {
    return this.entries;
  }

  names(): string[] {
    return this.entries.map(this.nameOf);
  }

  find(name: string): T | undefined {
    return this.entries.find((entry) => this.nameOf(entry) === name);
  }

  /** The part named `name`; throws, naming the known ones, for a name nobody registered. */
  get(name: string): T {
    const entry = this.find(name);
    if (!entry)
      throw new Error(`unknown ${this.noun} "${name}"; known: ${this.names().join(', ')}`);
    return entry;
  }
}
