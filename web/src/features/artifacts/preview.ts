// How a stored file is previewed, from its name (and, for text, from its first bytes).

export type PreviewKind = "table" | "json" | "image" | "text";

/** Text previews read this much of a file. */
export const TEXT_PREVIEW_BYTES = 256 * 1024;
/** Images larger than this are offered as a download instead. */
export const IMAGE_PREVIEW_BYTES = 20 * 1024 * 1024;

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};
const TABLES = new Set(["csv", "tsv", "parquet", "pq"]);

export function extension(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

export function previewKind(path: string): PreviewKind {
  const ext = extension(path);
  if (TABLES.has(ext)) return "table";
  if (ext === "json") return "json";
  if (ext in IMAGE_TYPES) return "image";
  return "text";
}

/** The image's type, so the browser decodes the bytes (the server always sends octet-stream). */
export function imageType(path: string): string | null {
  return IMAGE_TYPES[extension(path)] ?? null;
}

/** True for content that is not text: a NUL byte in the first 8 KiB, like git's test. */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Decode a preview's bytes; a multi-byte character cut at the end is dropped, not garbled. */
export function decodeText(bytes: Uint8Array, truncated: boolean): string {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return truncated ? text.replace(/\uFFFD$/, "") : text;
}

export function formatBytes(size: number): string {
  if (!Number.isFinite(size)) return "";
  if (size < 1024) return `${size} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
