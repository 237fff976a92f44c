/**
 * Text decoding for the few text files a dataset archive carries (tar names, class-name lists).
 * The core cannot use TextDecoder (its lib is ES2022 only), and these files are small.
 */

/** `bytes` as UTF-8; bytes that are not valid UTF-8 are read as Latin-1 rather than refused. */
export function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.every((b) => b < 0x80)) return decodeLatin1(bytes);
  let escaped = '';
  for (const b of bytes) escaped += `%${b.toString(16).padStart(2, '0')}`;
  try {
    return decodeURIComponent(escaped);
  } catch {
    return decodeLatin1(bytes);
  }
}

function decodeLatin1(bytes: Uint8Array): string {
  let text = '';
  // fromCharCode takes its bytes as arguments; chunks keep it under the engines' argument limits.
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

/** The non-empty, trimmed lines of a text file (class-name lists end with blank lines). */
export function readLines(bytes: Uint8Array): string[] {
  return decodeUtf8(bytes)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
