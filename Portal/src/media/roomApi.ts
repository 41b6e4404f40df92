// MediaServer's room API for the live pages (Bearer media token of the room): raise hand, floor, audio
// (levels, mute, pin, N of the mix), per-subscription source and layer (patrol), and the room's
// server-sent events. EventSource cannot send an Authorization header, so events are read with fetch.

export interface Hand {
  participant: string
  displayName: string | null
  role: string
  raisedAt: string
  granted: boolean
  grantedAt: string | null
}
export interface Hands { room: string; floor: string | null; hands: Hand[] }
export interface MyHand { room: string; participant: string; state: 'none' | 'waiting' | 'granted'; floor: boolean }
export interface MixParticipant {
  id: string; selected: boolean; level: number; receiving: boolean; observer: boolean; lacksAudioLevel: boolean
  packets: number; decodeFailures: number; framesConcealed: number
}
export interface RoomAudio {
  room: string; mode: 'mixed' | 'forwarded'; n: number; muted: string[]; pinned: string[]
  speakers: { participantId: string; level: number }[]; codec: string | null; participants: MixParticipant[]
}
export interface RoomParticipant {
  id: string; sessionId: string; role: string; kind: 'publisher' | 'subscriber' | 'ingest' | 'playback'; displayName: string | null; joinedAt: string
  tracks: { kind: string; codec: string; rids: string[] }[]
}

/** An error of the room API with a Chinese message. */
export class RoomApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message)
    this.name = 'RoomApiError'
  }
}

/** The room API of one room on one MediaServer, with one media token. */
export class RoomApi {
  constructor(readonly baseUrl: string, readonly room: string, private token: string, private readonly fetchFn: typeof fetch = (...a) => fetch(...a)) {}

  /** Replaces the token (after a refresh). */
  setToken(token: string): void {
    this.token = token
  }

  private url(path: string): string {
    return `${this.baseUrl.replace(/\/$/, '')}/api/rooms/${encodeURIComponent(this.room)}${path}`
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    let resp: Response
    try {
      resp = await this.fetchFn(this.url(path), {
        method,
        headers: { Authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      })
    } catch {
      throw new RoomApiError('媒体服务器无法连接，请检查网络后重试', 0)
    }
    if (!resp.ok) {
      let detail = ''
      try { detail = ((await resp.json()) as { detail?: string }).detail ?? '' } catch { /* not JSON */ }
      const what = resp.status === 403 ? '没有权限执行该操作' : resp.status === 404 ? '会场或参会方不存在（可能已离开）' : `媒体服务器返回 ${resp.status}`
      throw new RoomApiError(detail ? `${what}：${detail}` : what, resp.status)
    }
    const text = await resp.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  details(): Promise<{ room: string; participants: RoomParticipant[] }> { return this.send('GET', '') }
  participants(): Promise<RoomParticipant[]> { return this.details().then((r) => r.participants).catch((e: RoomApiError) => (e.status === 404 ? [] : Promise.reject(e))) }
  hands(): Promise<Hands> { return this.send('GET', '/hands') }
  myHand(): Promise<MyHand> { return this.send('GET', '/hands/me') }
  raiseHand(): Promise<Hand> { return this.send('POST', '/hands') }
  lowerHand(): Promise<unknown> { return this.send('DELETE', '/hands/me') }
  grant(participant: string): Promise<Hand> { return this.send('POST', `/hands/${encodeURIComponent(participant)}/grant`) }
  revoke(participant: string): Promise<unknown> { return this.send('DELETE', `/hands/${encodeURIComponent(participant)}`) }
  setFloor(participant: string | null): Promise<unknown> { return this.send('PUT', '/floor', { participant }) }
  audio(): Promise<RoomAudio> { return this.send('GET', '/audio') }
  setMixN(n: number): Promise<RoomAudio> { return this.send('PUT', '/audio', { n }) }
  control(participant: string, action: 'mute' | 'unmute' | 'pin' | 'unpin'): Promise<RoomAudio> {
    return this.send('POST', `/participants/${encodeURIComponent(participant)}/${action}`)
  }
  setSource(participant: string, source: string | null, session?: string | null): Promise<unknown> {
    return this.send('PUT', `/participants/${encodeURIComponent(participant)}/source`, { source, session: session ?? null })
  }
  setLayer(participant: string, layer: number | null, session?: string | null): Promise<unknown> {
    return this.send('PUT', `/participants/${encodeURIComponent(participant)}/layer`, { layer, session: session ?? null })
  }

  /**
   * Reads the room's event stream (`speakers`, `levels`) until `signal` aborts; reconnects after 2 s when the
   * stream ends or fails. `onEvent(type, data)` gets each event's parsed JSON.
   */
  async events(onEvent: (type: string, data: unknown) => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const resp = await this.fetchFn(this.url('/events'), { headers: { Authorization: `Bearer ${this.token}` }, signal })
        if (resp.ok && resp.body) await readEventStream(resp.body, onEvent)
      } catch {
        /* dropped: retry below */
      }
      if (signal.aborted) return
      await new Promise((r) => setTimeout(r, 2000))
    }
  }
}

/** Parses text/event-stream (HTML Living Standard §9.2.6) from a byte stream; resolves when it ends. */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (type: string, data: unknown) => void): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let type = 'message'
  let data: string[] = []
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    let nl: number
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1))
      if (line === '') {
        if (data.length > 0) {
          const text = data.join('\n')
          let parsed: unknown = text
          try { parsed = JSON.parse(text) } catch { /* plain text event */ }
          onEvent(type, parsed)
        }
        type = 'message'
        data = []
      } else if (line.startsWith(':')) {
        continue
      } else {
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') type = val
        else if (field === 'data') data.push(val)
      }
    }
  }
}
