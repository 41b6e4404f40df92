// The WHIP/WHEP session against a scripted server and a fake RTCPeerConnection (no browser): what it POSTs,
// how it reconnects after a drop and a server restart, that it DELETEs on leave, that it takes ICE servers
// from Link headers, and that refusals stop it with a Chinese reason. Timers are vitest's fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MediaSession, markContent, sentVideoCodec, type MediaSessionOptions } from './session'

class FakeStream {
  tracks: { kind: string }[] = []
  constructor(tracks: { kind: string }[] = []) { this.tracks = [...tracks] }
  getAudioTracks() { return this.tracks.filter((t) => t.kind === 'audio') }
  getVideoTracks() { return this.tracks.filter((t) => t.kind === 'video') }
  addTrack(t: { kind: string }) { this.tracks.push(t) }
  removeTrack(t: { kind: string }) { this.tracks = this.tracks.filter((x) => x !== t) }
}

class FakePc extends EventTarget {
  static all: FakePc[] = []
  connectionState: RTCPeerConnectionState = 'new'
  iceGatheringState: RTCIceGatheringState = 'complete'
  localDescription: { sdp: string } | null = null
  remote: string | null = null
  transceivers: { what: unknown; init: RTCRtpTransceiverInit | undefined }[] = []
  closed = false
  constructor(readonly config: RTCConfiguration) {
    super()
    FakePc.all.push(this)
  }
  addTransceiver(what: unknown, init?: RTCRtpTransceiverInit) { this.transceivers.push({ what, init }) }
  getTransceivers() { return [] }
  async createOffer() { return { type: 'offer', sdp: `v=0 offer ${FakePc.all.length}` } }
  async setLocalDescription(d: { sdp: string }) { this.localDescription = d }
  async setRemoteDescription(d: { sdp: string }) { this.remote = d.sdp }
  async getStats() { return new Map() }
  close() { this.closed = true; this.connectionState = 'closed' }
  to(state: RTCPeerConnectionState) {
    this.connectionState = state
    this.dispatchEvent(new Event('connectionstatechange'))
  }
}

type Call = { url: string; method: string; headers: Record<string, string>; body?: string }

/** A scripted WHIP/WHEP server: `up` decides whether it answers; every request is recorded. */
function server() {
  const calls: Call[] = []
  const state = { up: true, status: 201, link: null as string | null, optionsLink: null as string | null, n: 0 }
  const fetchFn = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body: init.body as string })
    if (!state.up) throw new TypeError('Failed to fetch')
    if (init.method === 'DELETE') return new Response(null, { status: 200 })
    if (init.method === 'OPTIONS') return new Response(null, { status: 204, headers: state.optionsLink ? { Link: state.optionsLink } : {} })
    // A publisher's session events ({Location}/events): this server has none.
    if ((init.method ?? 'GET') === 'GET') return new Response(null, { status: 404 })
    if (state.status !== 201)
      return new Response(JSON.stringify({ status: state.status, detail: 'the token is for another room' }), { status: state.status })
    const headers = new Headers({ Location: `/whip/room1/s${++state.n}`, 'Content-Type': 'application/sdp' })
    if (state.link) headers.set('Link', state.link)
    return new Response('v=0 answer', { status: 201, headers })
  })
  return { calls, state, fetchFn: fetchFn as unknown as typeof fetch, posts: () => calls.filter((c) => c.method === 'POST') }
}

function session(srv: ReturnType<typeof server>, extra: Partial<MediaSessionOptions> = {}) {
  return new MediaSession({
    kind: 'publish',
    grant: async () => ({ token: 'tok', url: 'http://media.test/whip/room1' }),
    stream: new FakeStream([{ kind: 'audio' }, { kind: 'video' }]) as unknown as MediaStream,
    fetch: srv.fetchFn,
    createPeerConnection: (c) => new FakePc(c) as unknown as RTCPeerConnection,
    ...extra,
  })
}

const last = () => FakePc.all[FakePc.all.length - 1]

beforeEach(() => {
  vi.useFakeTimers()
  FakePc.all = []
  vi.stubGlobal('MediaStream', FakeStream)
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('MediaSession', () => {
  it('start_Publish_PostsOfferWithBearerAndConnects', async () => {
    const srv = server()
    const s = session(srv)
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    const [post] = srv.posts()
    expect(post.url).toBe('http://media.test/whip/room1')
    expect(post.headers['Content-Type']).toBe('application/sdp')
    expect(post.headers.Authorization).toBe('Bearer tok')
    expect(post.body).toBe('v=0 offer 1')
    expect(last().remote).toBe('v=0 answer')
    expect(s.sessionId).toBe('s1')
    expect(s.state).toBe('connecting')
    last().to('connected')
    expect(s.state).toBe('connected')
  })

  it('start_Simulcast_SendsRidsQhfScaled421', async () => {
    const srv = server()
    session(srv, { simulcast: true }).start()
    await vi.advanceTimersByTimeAsync(0)
    const video = last().transceivers.find((t) => (t.what as { kind: string }).kind === 'video')!
    expect(video.init?.sendEncodings?.map((e) => [e.rid, e.scaleResolutionDownBy])).toEqual([['q', 4], ['h', 2], ['f', 1]])
  })

  it('start_Play_OneAudioAndKRecvonlyVideoTransceivers', async () => {
    const srv = server()
    session(srv, { kind: 'play', videoSlots: 3, stream: undefined }).start()
    await vi.advanceTimersByTimeAsync(0)
    expect(last().transceivers.map((t) => [t.what, t.init?.direction])).toEqual([
      ['audio', 'recvonly'], ['video', 'recvonly'], ['video', 'recvonly'], ['video', 'recvonly'],
    ])
  })

  it('connectionFailed_ServerRestarts_DeletesOldAndPostsAgainWithin5sOfServerAnswering', async () => {
    const srv = server()
    const s = session(srv)
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    last().to('connected')
    // The server goes away: the connection drops and every POST fails for 20 s.
    srv.state.up = false
    last().to('disconnected')
    await vi.advanceTimersByTimeAsync(1500)
    expect(s.state).toBe('reconnecting')
    expect(srv.calls.some((c) => c.method === 'DELETE' && c.url === 'http://media.test/whip/room1/s1')).toBe(true)
    await vi.advanceTimersByTimeAsync(20_000)
    const tries = srv.calls.filter((c) => c.method === 'OPTIONS' || c.method === 'POST').length
    expect(tries).toBeGreaterThan(4) // kept trying, backing off
    expect(tries).toBeLessThan(15)
    const failedPosts = srv.posts().length
    // It answers again: a new POST follows within 5 s.
    srv.state.up = true
    await vi.advanceTimersByTimeAsync(5000)
    expect(srv.posts().length).toBeGreaterThan(failedPosts)
    expect(s.sessionId).toBe('s2')
    last().to('connected')
    expect(s.state).toBe('connected')
    expect(s.error).toBeNull()
  })

  it('nodeDies_FallbackUrls_PostsToTheNextNodeWithin5s', async () => {
    // A cluster: the town node dies; the grant names the same endpoint on the county node.
    const srv = server()
    const dead = new Set<string>()
    const inner = srv.fetchFn
    const fetchFn = (async (url: string, init: RequestInit) => {
      if (dead.has(new URL(url).host)) throw new TypeError('Failed to fetch')
      return inner(url, init)
    }) as unknown as typeof fetch
    const s = session(srv, {
      fetch: fetchFn,
      grant: async () => ({ token: 'tok', url: 'http://town.test/whep/room1', fallbackUrls: ['http://county.test/whep/room1'] }),
    })
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(srv.posts()[0].url).toBe('http://town.test/whep/room1')
    last().to('connected')
    dead.add('town.test')
    last().to('failed')
    await vi.advanceTimersByTimeAsync(5000)
    const post = srv.posts()[srv.posts().length - 1]
    expect(post.url).toBe('http://county.test/whep/room1')
    expect(s.sessionId).toBe('s2')
    last().to('connected')
    expect(s.state).toBe('connected')
  })

  it('connectionFailed_Immediately_Reconnects', async () => {
    const srv = server()
    const s = session(srv, { backoffMs: [100] })
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    last().to('failed')
    await vi.advanceTimersByTimeAsync(100)
    expect(srv.posts()).toHaveLength(2)
    expect(FakePc.all[0].closed).toBe(true)
  })

  it('stop_Connected_DeletesResourceWithToken', async () => {
    const srv = server()
    const s = session(srv)
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    last().to('connected')
    await s.stop()
    const del = srv.calls.find((c) => c.method === 'DELETE')!
    expect(del.url).toBe('http://media.test/whip/room1/s1')
    expect(del.headers.Authorization).toBe('Bearer tok')
    expect(s.state).toBe('closed')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(srv.posts()).toHaveLength(1)
  })

  it('post_Forbidden_FailsWithChineseReasonAndStops', async () => {
    const srv = server()
    srv.state.status = 403
    const s = session(srv)
    s.start()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(s.state).toBe('failed')
    expect(s.error).toContain('没有权限')
    expect(s.error).toContain('another room')
    expect(srv.posts()).toHaveLength(1)
  })

  it('post_ServiceUnavailable_RetriesAfterRetryAfter', async () => {
    const srv = server()
    srv.state.status = 503
    const s = session(srv)
    s.start()
    await vi.advanceTimersByTimeAsync(100)
    expect(s.state).toBe('reconnecting')
    srv.state.status = 201
    await vi.advanceTimersByTimeAsync(4000)
    expect(srv.posts().length).toBeGreaterThanOrEqual(2)
  })

  it('linkHeader_IceServers_UsedForTheNextConnection', async () => {
    const srv = server()
    srv.state.link = '<turn:turn.example.net:3478?transport=udp>; rel="ice-server"; username="1700:site"; credential="c2VjcmV0"; credential-type="password", <https://example.net/x>; rel="help"'
    const s = session(srv, { backoffMs: [10] })
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(s.iceServers).toEqual([{ urls: 'turn:turn.example.net:3478?transport=udp', username: '1700:site', credential: 'c2VjcmV0' }])
    last().to('failed')
    await vi.advanceTimersByTimeAsync(10)
    expect(last().config.iceServers).toEqual(s.iceServers)
  })

  it('options_LinkHeader_IceServersUsedForTheFirstOffer', async () => {
    const srv = server()
    srv.state.optionsLink = '<turn:127.0.0.1:3478?transport=udp>; rel="ice-server"; username="9:site:1"; credential="abc"; credential-type="password"'
    session(srv).start()
    await vi.advanceTimersByTimeAsync(0)
    const options = srv.calls.find((c) => c.method === 'OPTIONS')!
    expect(options.headers.Authorization).toBe('Bearer tok')
    expect(last().config.iceServers).toEqual([{ urls: 'turn:127.0.0.1:3478?transport=udp', username: '9:site:1', credential: 'abc' }])
  })

  it('grant_Refreshed_BeforeEveryAttempt', async () => {
    const srv = server()
    let n = 0
    const s = session(srv, { grant: async () => ({ token: `tok${++n}`, url: 'http://media.test/whip/room1' }), backoffMs: [10] })
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    last().to('failed')
    await vi.advanceTimersByTimeAsync(10)
    expect(srv.posts().map((p) => p.headers.Authorization)).toEqual(['Bearer tok1', 'Bearer tok2'])
  })
})

describe('H.264 for SIP video terminals', () => {
  const vp8Answer = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n'
  const h264Answer = vp8Answer.replace(/VP8/, 'H264')
  const offer = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 102\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:102 H264/90000\r\n'

  /** A WHIP server whose answers are `answers` in turn and whose event stream says `{"want":"h264"}`. */
  function codecServer(answers: string[]) {
    const calls: Call[] = []
    let n = 0
    const fetchFn = vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method ?? 'GET', headers: init.headers as Record<string, string> })
      if (init.method === 'DELETE') return new Response(null, { status: 200 })
      if (init.method === 'OPTIONS') return new Response(null, { status: 204 })
      if (init.method === 'POST') {
        const answer = answers[Math.min(n, answers.length - 1)]
        return new Response(answer, { status: 201, headers: { Location: `/whip/room1/s${++n}`, 'Content-Type': 'application/sdp' } })
      }
      return new Response('event: video-codec\ndata: {"want":"h264"}\n\n', { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
    })
    return { calls, fetchFn: fetchFn as unknown as typeof fetch }
  }

  function publisher(srv: { fetchFn: typeof fetch }) {
    return new MediaSession({
      kind: 'publish',
      grant: async () => ({ token: 'tok', url: 'http://media.test/whip/room1' }),
      stream: new FakeStream([{ kind: 'audio' }, { kind: 'video' }]) as unknown as MediaStream,
      fetch: srv.fetchFn,
      backoffMs: [10],
      createPeerConnection: (c) => {
        const pc = new FakePc(c)
        pc.createOffer = async () => ({ type: 'offer', sdp: offer })
        return pc as unknown as RTCPeerConnection
      },
    })
  }

  it('vp8Publisher_RoomWantsH264_ReadsSessionEventsAndPublishesAgainOnce', async () => {
    const srv = codecServer([vp8Answer, h264Answer])
    const s = publisher(srv)
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    last().to('connected')
    await vi.advanceTimersByTimeAsync(50)
    const events = srv.calls.filter((c) => c.url.endsWith('/events'))
    expect(events[0].url).toBe('http://media.test/whip/room1/s1/events')
    expect(events[0].headers.Authorization).toBe('Bearer tok')
    // The VP8 session was left (DELETE) and a new one published; its answer is H.264, so it stays.
    expect(srv.calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['http://media.test/whip/room1/s1'])
    expect(srv.calls.filter((c) => c.method === 'POST')).toHaveLength(2)
    last().to('connected')
    await vi.advanceTimersByTimeAsync(50)
    expect(srv.calls.filter((c) => c.method === 'POST')).toHaveLength(2)
    expect(s.state).toBe('connected')
  })

  it('h264Publisher_RoomWantsH264_StaysAsItIs', async () => {
    const srv = codecServer([h264Answer])
    const s = publisher(srv)
    s.start()
    await vi.advanceTimersByTimeAsync(0)
    last().to('connected')
    await vi.advanceTimersByTimeAsync(50)
    expect(srv.calls.filter((c) => c.method === 'POST')).toHaveLength(1)
    expect(s.state).toBe('connected')
  })

  it('sentVideoCodec_FirstPayloadTypeOfFirstVideoLine', () => {
    expect(sentVideoCodec(vp8Answer)).toBe('vp8')
    expect(sentVideoCodec(h264Answer)).toBe('h264')
    expect(sentVideoCodec('v=0\r\nm=audio 9 RTP/AVP 0\r\n')).toBeNull()
  })
})

describe('markContent', () => {
  const offer = 'v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=sendonly\r\n'
  it('marks only the share m-line a=content:slides (RFC 4796)', () => {
    const marked = markContent(offer, '2')
    expect(marked).toBe(offer.replace('a=mid:2\r\n', 'a=mid:2\r\na=content:slides\r\n'))
    expect(marked.match(/a=content:slides/g)).toHaveLength(1)
  })
  it('leaves the offer alone without a share m-line', () => {
    expect(markContent(offer, null)).toBe(offer)
    expect(markContent(offer, '7')).toBe(offer)
  })
})
