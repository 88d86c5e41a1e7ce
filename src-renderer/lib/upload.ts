import type { AtlasApi, Result } from '../api/connect';

/** One file of an upload: its name inside the upload (a folder's relative path) and its bytes. */
export interface UploadItem {
  entry: string;
  file: Blob;
}

export interface UploadProgress {
  sent: number;
  total: number;
}

/** The most bytes the page puts in one `uploadChunk` (the engine may allow fewer). */
const PAGE_CHUNK = 2 * 1024 * 1024;

/**
 * The files an `<input type=file>` picked, named as the engine will see them: a folder's files
 * (`webkitdirectory`) by their relative path, single files by their name.
 */
export function uploadItems(files: ArrayLike<File>): UploadItem[] {
  return Array.from(files, (file) => ({
    entry: (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name,
    file,
  }));
}

/** What the person picked, as a default name: the folder (first path part) or the file's stem. */
export function uploadName(items: UploadItem[]): string {
  const first = items[0]?.entry ?? 'upload';
  const top = first.includes('/') ? first.split('/')[0] : first.replace(/\.zip$/i, '');
  return top.trim() || 'upload';
}

function readBlob(blob: Blob): Promise<ArrayBuffer> {
  if (typeof blob.arrayBuffer === 'function') return blob.arrayBuffer();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the file'));
    reader.readAsArrayBuffer(blob);
  });
}

/**
 * Sends `items` into the engine's library through the contract (uploadBegin, one uploadChunk per
 * slice of at most 2 MiB, uploadFinish) and returns what uploadFinish answered. An upload that
 * fails is cancelled, so the engine keeps nothing of it.
 */
export async function sendUpload(
  api: AtlasApi,
  kind: 'checkpoint' | 'images',
  items: UploadItem[],
  onProgress: (p: UploadProgress) => void = () => {},
  name = uploadName(items),
): Promise<Result<'uploadFinish'>> {
  const total = items.reduce((sum, item) => sum + item.file.size, 0);
  if (items.length === 0 || total === 0) throw new Error('nothing to upload: the files are empty');
  const { uploadId, maxChunkBytes } = await api.uploadBegin({
    kind,
    name: name.slice(0, 200),
    totalBytes: total,
    entries: items.length,
  });
  const chunk = Math.max(1, Math.min(PAGE_CHUNK, maxChunkBytes));
  let sent = 0;
  onProgress({ sent, total });
  try {
    for (const item of items) {
      for (let offset = 0; offset < item.file.size; offset += chunk) {
        const bytes = new Uint8Array(await readBlob(item.file.slice(offset, offset + chunk)));
        await api.uploadChunk({ uploadId, entry: item.entry, offset, bytes });
        sent += bytes.length;
        onProgress({ sent, total });
      }
    }
    return await api.uploadFinish({ uploadId });
  } catch (error) {
    await api.uploadCancel({ uploadId }).catch(() => undefined);
    throw error;
  }
}

/** "3.2 of 10.0 MB (32 %)". */
export function progressText({ sent, total }: UploadProgress): string {
  const mb = (n: number) => (n / 1e6).toFixed(n < 1e7 ? 1 : 0);
  return `${mb(sent)} of ${mb(total)} MB (${Math.floor((100 * sent) / Math.max(1, total))} %)`;
}
