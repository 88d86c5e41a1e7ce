import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import type { FakeEngine } from '../fake-api';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

/**
 * In a browser (no native dialogs) Import… and the training panel's "your images" upload files
 * from this computer through the contract, with a progress line.
 */

let engine: FakeEngine;
let app: AppState;

beforeEach(async () => {
  ({ engine, app } = await startFakeApp());
});

afterEach(disposeFakeApps);

function pick(input: HTMLElement, files: File[]): Promise<boolean> {
  Object.defineProperty(input, 'files', { value: files, configurable: true });
  return fireEvent.change(input);
}

function fileIn(folder: string, name: string, size: number): File {
  const file = new File([new Uint8Array(size).fill(7)], name);
  Object.defineProperty(file, 'webkitRelativePath', { value: `${folder}/${name}` });
  return file;
}

describe('uploads in the page', () => {
  it('Import… uploads a checkpoint zip with a progress line and lists the model', async () => {
    render(App, { props: { app } });
    await settle();
    await fireEvent.click(screen.getByRole('button', { name: 'Import…' }));
    const box = screen.getByRole('group', { name: 'Import a checkpoint' });
    expect(within(box).getByLabelText('Checkpoint folder path')).toBeInstanceOf(HTMLInputElement);
    const zip = new File([new Uint8Array(5 * 1024 * 1024)], 'my-model.zip');
    engine.holdUploads = true;
    await pick(within(box).getByLabelText('Upload checkpoint files or a zip'), [zip]);
    await settle();
    expect(within(box).getByRole('status').textContent).toMatch(/Uploading my-model: .*MB/);
    for (let i = 0; i < 6 && !engine.calls.some((c) => c.method === 'uploadFinish'); i++) {
      engine.releaseUploads();
      await settle();
    }
    engine.holdUploads = false;
    engine.releaseUploads();
    await settle();
    const chunks = engine.calls.filter((c) => c.method === 'uploadChunk');
    expect(chunks).toHaveLength(3); // 2 + 2 + 1 MiB
    expect((chunks[0].params as { entry: string }).entry).toBe('my-model.zip');
    expect(within(box).getByRole('status').textContent).toBe('Uploaded my-model');
    expect(
      screen.getAllByTestId('model-item').some((li) => li.textContent?.includes('my-model')),
    ).toBe(true);
  });

  it("shows the engine's refusal in one line", async () => {
    render(App, { props: { app } });
    await settle();
    await fireEvent.click(screen.getByRole('button', { name: 'Import…' }));
    const box = screen.getByRole('group', { name: 'Import a checkpoint' });
    const begin = engine.api.uploadBegin;
    engine.api.uploadBegin = () =>
      Promise.reject(new Error('upload "big": 2.0 GiB is over the 1 GiB an upload may send'));
    await pick(within(box).getByLabelText('Upload checkpoint files or a zip'), [
      new File(['x'], 'big.zip'),
    ]);
    await settle();
    expect(within(box).getByRole('status').textContent).toBe(
      'Upload failed: upload "big": 2.0 GiB is over the 1 GiB an upload may send',
    );
    engine.api.uploadBegin = begin;
  });

  it('the training panel uploads a folder of images and trains on it', async () => {
    render(App, { props: { app } });
    await settle();
    await fireEvent.change(screen.getByLabelText('Data set'), { target: { value: 'folder:DIR' } });
    await settle();
    const panel = screen.getByTestId('upload-images');
    const files = [fileIn('icons', 'a.png', 100), fileIn('icons', 'b.png', 200)];
    await pick(within(panel).getByLabelText('Upload a folder of images'), files);
    await settle();
    await settle();
    const chunks = engine.calls.filter((c) => c.method === 'uploadChunk');
    expect(chunks.map((c) => (c.params as { entry: string }).entry)).toEqual([
      'icons/a.png',
      'icons/b.png',
    ]);
    expect(engine.calls.find((c) => c.method === 'uploadBegin')?.params).toMatchObject({
      kind: 'images',
      name: 'icons',
      totalBytes: 300,
      entries: 2,
    });
    expect((screen.getByLabelText('Image folder path') as HTMLInputElement).value).toBe(
      '/tmp/library/uploads/up-1',
    );
    await fireEvent.click(screen.getByTestId('train-start'));
    await settle();
    const start = engine.calls.find((c) => c.method === 'startTraining');
    expect((start?.params as { dataset: { spec: string } }).dataset.spec).toBe(
      'folder:/tmp/library/uploads/up-1',
    );
  });
});
