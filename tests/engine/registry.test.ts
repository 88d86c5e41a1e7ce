import { describe, expect, it } from 'vitest';
import { Registry } from '../../src-main/engine/registry';

describe('a registry of parts', () => {
  const make = () => new Registry<{ kind: string }>('widget', 'a', (w) => w.kind, [{ kind: 'a' }]);

  it('finds, lists and refuses by name, naming the known ones', () => {
    const widgets = make();
    expect(widgets.get('a')).toEqual({ kind: 'a' });
    expect(widgets.find('b')).toBeUndefined();
    expect(() => widgets.get('b')).toThrow('unknown widget "b"; known: a');
    expect(() => widgets.register({ kind: 'a' })).toThrow('a widget "a" is registered already');
  });

  it('removes exactly what it added, once', () => {
    const widgets = make();
    const remove = widgets.register({ kind: 'b' });
    const removeC = widgets.register({ kind: 'c' });
    expect(widgets.names()).toEqual(['a', 'b', 'c']);
    remove();
    remove(); // a second call removes nothing else
    expect(widgets.names()).toEqual(['a', 'c']);
    removeC();
    expect(widgets.names()).toEqual(['a']);
  });
});
