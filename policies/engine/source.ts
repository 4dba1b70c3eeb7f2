/** Positions in source text: Cedar reports UTF-8 byte offsets; people read line:column. */

/** 1-based line and column (in characters) of a UTF-8 byte offset into `text`. */
export function lineColumnOfByteOffset (text: string, byteOffset: number): { line: number, column: number } {
  const bytes = Buffer.from(text, 'utf8')
  const clamped = Math.max(0, Math.min(byteOffset, bytes.length))
  const before = bytes.subarray(0, clamped).toString('utf8')
  return lineColumnOfCharOffset(before, before.length)
}

/** 1-based line and column of a character offset into `text`. */
export function lineColumnOfCharOffset (text: string, offset: number): { line: number, column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.max(0, Math.min(offset, text.length))
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) { line++; lineStart = i + 1 }
  }
  return { line, column: end - lineStart + 1 }
}

/** The UTF-8 byte offset of a character offset. */
export function byteOffsetOfCharOffset (text: string, offset: number): number {
  return Buffer.byteLength(text.slice(0, offset), 'utf8')
}

/**
 * Best-effort position of a JSON path (`["data", "adequacy", 3]`) in JSON text: the line of the
 * deepest key found in order. Good enough to point a regulator at the line to edit.
 */
export function locateJsonPath (text: string, path: readonly PropertyKey[]): { line: number, column: number } {
  let pos = 0
  for (const seg of path) {
    if (typeof seg !== 'string') continue
    const at = text.indexOf(JSON.stringify(seg), pos)
    if (at < 0) break
    pos = at
  }
  return lineColumnOfCharOffset(text, pos)
}

/** Line and column of a `JSON.parse` failure, read from its message when it names a position. */
export function jsonErrorPosition (text: string, err: unknown): { line: number, column: number } | undefined {
  const message = err instanceof Error ? err.message : String(err)
  const lc = /line (\d+) column (\d+)/.exec(message)
  if (lc !== null) return { line: Number(lc[1]), column: Number(lc[2]) }
  const pos = /position (\d+)/.exec(message)
  if (pos !== null) return lineColumnOfCharOffset(text, Number(pos[1]))
  return undefined
}
