import { describe, expect, it } from 'vitest'
import { readEventStream } from './roomApi'

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder()
  return new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(enc.encode(x))
      c.close()
    },
  })
}

describe('readEventStream', () => {
  it('read_ChunkedEvents_ParsedWithTypeAndJson', async () => {
    const seen: [string, unknown][] = []
    await readEventStream(stream(['event: speakers\ndata: {"room":"r1",', '"speakers":[]}\n\n: keep-alive\n\nevent: lev', 'els\r\ndata: {"x":1}\r\n\r\n']),
      (t, d) => seen.push([t, d]))
    expect(seen).toEqual([['speakers', { room: 'r1', speakers: [] }], ['levels', { x: 1 }]])
  })

  it('read_RandomBytes_NeverThrows', async () => {
    let seed = 3
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const alphabet = 'event: data:{}"\n\r:abc'
    for (let i = 0; i < 300; i++) {
      let s = ''
      for (let j = 0; j < 100; j++) s += alphabet[Math.floor(rnd() * alphabet.length)]
      await expect(readEventStream(stream([s]), () => {})).resolves.toBeUndefined()
    }
  })
})
