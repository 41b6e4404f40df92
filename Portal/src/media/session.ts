// One browser WHIP/WHEP client for every live page (village terminal, phone, host console, patrol, listen-in).
// WHIP (RFC 9725) publishes, WHEP plays; both are "POST an SDP offer, get 201 + answer + Location, DELETE
// the Location to leave". MediaServer is ICE-lite without trickle, so the offer carries every candidate.
// The session reconnects by itself: when the connection drops or the server restarts it throws the old
// peer connection away and POSTs a fresh offer, backing off 0.5, 1, 2, 3, 3, ... s (with jitter), so a new POST follows
// within 5 s of the server answering again. Permanent refusals (401/403/404) stop it with a Chinese reason.
// ICE servers (TURN) come from the server's Link headers: an authenticated OPTIONS before each offer.
// A publisher listens to its session's server-sent events ({Location}/events): when the room asks for H.264 (a SIP video
// terminal, which decodes H.264 only) while it sends VP8, it publishes again and the new answer puts H.264 first.
import { parseIceServerLinks } from './link'
import { readEventStream } from './roomApi'

export type SessionKind = 'publish' | 'play'
export type SessionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed'

/** Numbers the pages show; refreshed once a second while connected. */
export interface SessionStats {
  /** Media bitrate over the last second, kb/s (sent when publishing, received when playing). */
  bitrateKbps: number
  /** Widest video frame now (sent or decoded), 0 without video. */
  frameWidth: number
  frameHeight: number
  /** Video frames decoded (play) or encoded (publish) so far, all slots. */
  frames: number
  /** Round-trip time to the server in ms, when known. */
  rttMs: number | null
  /** Play with `content`: frames of the room's screen/courseware share decoded so far. */
  contentFrames: number
  /** Play with `content`: a share is coming in now (a frame of it arrived in the last 5 s). */
  contentActive: boolean
}

export interface MediaTokenGrant {
  token: string
  /** WHIP/WHEP endpoint, e.g. http://127.0.0.1:8080/whip/m-370124-1a2b. */
  url: string
  /**
   * The same endpoint on other MediaServer nodes of a cluster (the ControlPlane's `fallbackUrls`): when the node of `url`
   * does not answer (connection refused, 5xx) the session POSTs to the next one, round robin.
   */
  fallbackUrls?: string[]
}

export interface MediaSessionOptions {
  kind: SessionKind
  /** Endpoint and token; called again before each reconnect, so an expired token can be replaced. */
  grant: () => Promise<MediaTokenGrant>
  /** Publish: the camera/microphone stream. */
  stream?: MediaStream
  /** Publish: send video as three simulcast layers (rid q/h/f, scale 4/2/1). */
  simulcast?: boolean
  /** Play: how many video slots to receive (slot 0 is the program, then the speaker, ...). Default 1. */
  videoSlots?: number
  /** Play: receive audio. Default true. */
  audio?: boolean
  /**
   * Publish: reserve a second video m-line for a screen/courseware share (RFC 4796 `a=content:slides`), started and
   * stopped with `setContent()` without renegotiation. Play: receive the room's share in `contentStream`.
   */
  content?: boolean
  /** ICE servers to start with; servers named by the server's Link headers replace them. */
  iceServers?: RTCIceServer[]
  /** Test seams. */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection
  fetch?: typeof fetch
  /** Delays between attempts, ms; the last repeats. */
  backoffMs?: number[]
  /** How long a dropped connection may stay "disconnected" before a fresh POST, ms. */
  disconnectGraceMs?: number
  /** How long ICE candidate gathering may take before the offer is sent anyway, ms. */
  gatherTimeoutMs?: number
}

/** Why a session stopped for good, in words an operator can act on. */
export class MediaSessionError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message)
    this.name = 'MediaSessionError'
  }
}

type Listener = () => void

// Capped at 3 s so that, with the offer's own second, a new POST follows within 5 s of the server answering.
const DEFAULT_BACKOFF = [500, 1000, 2000, 3000]

/**
 * A WHIP publisher or WHEP player that keeps itself connected. Read `state`, `stats`, `error`,
 * `sessionId`; `subscribe(fn)` is called on every change. `start()` once, `stop()` to leave (DELETE).
 */
export class MediaSession {
  state: SessionState = 'idle'
  stats: SessionStats = { bitrateKbps: 0, frameWidth: 0, frameHeight: 0, frames: 0, rttMs: null, contentFrames: 0, contentActive: false }
  /** The last problem (shown next to the state while reconnecting, or why it failed). */
  error: string | null = null
  /** The WHIP/WHEP resource id (last segment of Location): the room API's `session` for this subscription. */
  sessionId: string | null = null
  /** Connection attempts so far (1 = the first POST). */
  attempts = 0
  /** Play: one stream per video slot (with the audio track in slot 0's stream). */
  readonly slotStreams: MediaStream[] = []
  /** Play with `content`: the room's screen/courseware share (no track until one arrived). */
  readonly contentStream: MediaStream | null = null
  /** ICE servers in use (from the options or the server's Link headers). */
  iceServers: RTCIceServer[]

  private readonly opts: MediaSessionOptions
  private readonly fetchFn: typeof fetch
  private readonly backoff: number[]
  private pc: RTCPeerConnection | null = null
  private location: string | null = null
  private token: string | null = null
  private listeners = new Set<Listener>()
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private graceTimer: ReturnType<typeof setTimeout> | null = null
  private statsTimer: ReturnType<typeof setInterval> | null = null
  private failures = 0
  /** Which of the grant's node URLs to use (moves on when a node does not answer). */
  private nodeIndex = 0
  private generation = 0
  private lastBytes = 0
  private lastStatsAt = 0
  private lastContentFrameAt = 0
  private audioTrack: MediaStreamTrack | null = null
  /** The content m-line's transceiver of the current connection (publish: the share's sender; play: its receiver). */
  private contentTransceiver: RTCRtpTransceiver | null = null
  /** Publish: the share being sent (kept across reconnects). */
  private contentTrack: MediaStreamTrack | null = null
  /** The offer and answer of the current connection (publish: which video codec is sent, and whether H.264 was offered). */
  private offerSdp = ''
  private answerSdp = ''
  /** Publish: the session's event stream while connected. */
  private codecWatch: AbortController | null = null
  /** Publish: already published again for the room's H.264 wish (not twice for one wish, should the browser lack H.264). */
  private republishedForH264 = false

  constructor(opts: MediaSessionOptions) {
    this.opts = opts
    this.fetchFn = opts.fetch ?? ((...a) => fetch(...a))
    this.backoff = opts.backoffMs?.length ? opts.backoffMs : DEFAULT_BACKOFF
    this.iceServers = opts.iceServers ?? []
    const slots = opts.kind === 'play' ? Math.max(1, opts.videoSlots ?? 1) : 0
    for (let i = 0; i < slots; i++) this.slotStreams.push(new MediaStream())
    if (opts.kind === 'play' && opts.content) this.contentStream = new MediaStream()
  }

  /** Publish with `content`: starts (a screen or courseware track) or stops (null) the share. */
  async setContent(track: MediaStreamTrack | null): Promise<void> {
    if (!this.opts.content || this.opts.kind !== 'publish') throw new MediaSessionError('该会话没有共享通道')
    this.contentTrack = track
    await this.contentTransceiver?.sender.replaceTrack(track)
    this.emit()
  }

  /** Publish: true while a share is being sent. */
  get sharing(): boolean {
    return this.contentTrack !== null
  }

  /** Calls `fn` on every state, stats or error change; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Starts connecting (and keeps reconnecting until `stop()` or a permanent refusal). */
  start(): void {
    if (this.state !== 'idle') return
    this.set('connecting')
    void this.connect()
  }

  /** Leaves: DELETEs the resource and closes the connection. */
  async stop(): Promise<void> {
    if (this.state === 'closed') return
    this.generation++
    this.clearTimers()
    this.set('closed')
    await this.teardown()
  }

  /** The current peer connection (for pages that want more than `stats`). */
  get peerConnection(): RTCPeerConnection | null {
    return this.pc
  }

  private emit(): void {
    for (const fn of this.listeners) fn()
  }

  private set(state: SessionState, error?: string | null): void {
    this.state = state
    if (error !== undefined) this.error = error
    this.emit()
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.graceTimer) clearTimeout(this.graceTimer)
    if (this.statsTimer) clearInterval(this.statsTimer)
    this.retryTimer = this.graceTimer = this.statsTimer = null
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation
    this.attempts++
    let grant: MediaTokenGrant
    try {
      grant = await this.opts.grant()
    } catch (e) {
      if (gen !== this.generation) return
      const status = (e as { status?: number }).status
      if (status === 401 || status === 403 || status === 404) return this.fail(errorText(e, '无法获取媒体令牌'), status)
      return this.retry(`无法获取媒体令牌：${errorText(e, '网络错误')}`)
    }
    if (gen !== this.generation) return
    this.token = grant.token
    const urls = [grant.url, ...(grant.fallbackUrls ?? [])]
    const url = urls[this.nodeIndex % urls.length]
    /** This node does not answer: the next attempt goes to the next node of the cluster. */
    const nextNode = () => { if (urls.length > 1) this.nodeIndex = (this.nodeIndex + 1) % urls.length }
    // RFC 9725 §4.6: an authenticated OPTIONS names the ICE servers (TURN credentials are short-lived, so ask
    // before every offer). No answer means the server is down: back off like a failed POST.
    try {
      const options = await this.fetchFn(url, { method: 'OPTIONS', headers: { Authorization: `Bearer ${grant.token}` } })
      const linked = parseIceServerLinks(options.headers.get('Link'))
      if (linked.length > 0) this.iceServers = linked
    } catch {
      if (gen !== this.generation) return
      nextNode()
      return this.retry('媒体服务器无法连接，正在重试')
    }
    if (gen !== this.generation) return
    const pc = this.createPeerConnection()
    this.pc = pc
    try {
      this.addMedia(pc)
      await pc.setLocalDescription(await pc.createOffer())
      await waitForGathering(pc, this.opts.gatherTimeoutMs ?? 2000)
      if (gen !== this.generation) return
      let resp: Response
      try {
        this.offerSdp = markContent(pc.localDescription?.sdp ?? '', this.contentTransceiver?.mid ?? null)
        resp = await this.fetchFn(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${grant.token}` },
          body: this.offerSdp,
        })
      } catch {
        if (gen !== this.generation) return
        this.dropPeerConnection()
        nextNode()
        return this.retry('媒体服务器无法连接，正在重试')
      }
      if (gen !== this.generation) return
      const linked = parseIceServerLinks(resp.headers.get('Link'))
      if (linked.length > 0) this.iceServers = linked // from the next connection on (ICE-lite: no ICE restart)
      if (resp.status !== 201) {
        const detail = await problemDetail(resp)
        this.dropPeerConnection()
        if (resp.status === 401) return this.fail(`媒体令牌无效或已过期，请重新登录（${detail}）`, 401)
        if (resp.status === 403) return this.fail(`没有权限进入该会议（${detail}）`, 403)
        if (resp.status === 404) return this.fail(`会议不存在（${detail}）`, 404)
        if (resp.status === 400 || resp.status === 415) return this.fail(`浏览器的媒体协商被拒绝：${detail}`, resp.status)
        if (resp.status >= 500) nextNode()
        const retryAfter = Number(resp.headers.get('Retry-After'))
        return this.retry(`媒体服务器暂时不可用（${resp.status}），正在重试`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined)
      }
      const location = resp.headers.get('Location')
      this.location = location ? new URL(location, url).toString() : null
      this.sessionId = this.location ? decodeURIComponent(this.location.split('/').pop() ?? '') : null
      this.answerSdp = await resp.text()
      await pc.setRemoteDescription({ type: 'answer', sdp: this.answerSdp })
      if (gen !== this.generation) return
      this.emit()
    } catch (e) {
      if (gen !== this.generation) return
      this.dropPeerConnection()
      return this.retry(`连接出错：${errorText(e, '未知错误')}`)
    }
  }

  private createPeerConnection(): RTCPeerConnection {
    const config: RTCConfiguration = { iceServers: this.iceServers, bundlePolicy: 'max-bundle' }
    const pc = this.opts.createPeerConnection ? this.opts.createPeerConnection(config) : new RTCPeerConnection(config)
    const gen = this.generation
    pc.addEventListener('connectionstatechange', () => {
      if (gen === this.generation) this.onConnectionState(pc.connectionState)
    })
    pc.addEventListener('track', (ev: RTCTrackEvent) => {
      if (gen === this.generation) this.onTrack(pc, ev)
    })
    return pc
  }

  private addMedia(pc: RTCPeerConnection): void {
    this.contentTransceiver = null
    if (this.opts.kind === 'publish') {
      const stream = this.opts.stream
      if (!stream) throw new MediaSessionError('没有可发布的摄像头或麦克风')
      for (const track of stream.getAudioTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] })
      for (const track of stream.getVideoTracks()) {
        pc.addTransceiver(track, {
          direction: 'sendonly',
          streams: [stream],
          sendEncodings: this.opts.simulcast
            ? [
                { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
                { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
                { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
              ]
            : undefined,
        })
      }
      if (this.opts.content) this.contentTransceiver = pc.addTransceiver(this.contentTrack ?? 'video', { direction: 'sendonly' })
      return
    }
    if (this.opts.audio !== false) pc.addTransceiver('audio', { direction: 'recvonly' })
    for (let i = 0; i < this.slotStreams.length; i++) pc.addTransceiver('video', { direction: 'recvonly' })
    if (this.contentStream) this.contentTransceiver = pc.addTransceiver('video', { direction: 'recvonly' })
  }

  // Tracks arrive per transceiver; video slot i is the i-th video transceiver in offer order.
  private onTrack(pc: RTCPeerConnection, ev: RTCTrackEvent): void {
    const track = ev.track
    if (track.kind === 'audio') {
      this.audioTrack = track
      const s0 = this.slotStreams[0]
      if (s0) {
        for (const t of s0.getAudioTracks()) s0.removeTrack(t)
        s0.addTrack(track)
      }
    } else if (this.contentStream && ev.transceiver && ev.transceiver === this.contentTransceiver) {
      for (const t of this.contentStream.getVideoTracks()) this.contentStream.removeTrack(t)
      this.contentStream.addTrack(track)
    } else {
      const videos = pc.getTransceivers().filter((t) => t.receiver.track?.kind === 'video' && t !== this.contentTransceiver)
      const slot = Math.max(0, videos.findIndex((t) => t.receiver.track === track))
      const stream = this.slotStreams[slot]
      if (stream) {
        for (const t of stream.getVideoTracks()) stream.removeTrack(t)
        stream.addTrack(track)
      }
    }
    this.emit()
  }

  /** The received audio track (play), once it arrived. */
  get audio(): MediaStreamTrack | null {
    return this.audioTrack
  }

  private onConnectionState(s: RTCPeerConnectionState): void {
    if (this.state === 'closed' || this.state === 'failed') return
    if (s === 'connected') {
      if (this.graceTimer) clearTimeout(this.graceTimer)
      this.graceTimer = null
      this.failures = 0
      this.set('connected', null)
      this.startStats()
      this.watchCodec()
    } else if (s === 'failed' || s === 'closed') {
      this.reconnect('连接中断，正在重新连接')
    } else if (s === 'disconnected' && !this.graceTimer) {
      // Chromium reports "disconnected" when consent checks go unanswered; give it a moment to recover.
      this.graceTimer = setTimeout(() => {
        this.graceTimer = null
        if (this.pc && this.pc.connectionState !== 'connected') this.reconnect('网络中断，正在重新连接')
      }, this.opts.disconnectGraceMs ?? 1500)
    }
  }

  /**
   * Publish: reads `{Location}/events` (MediaServer's `video-codec` events). When the room wants H.264 while this session
   * sends VP8 and the browser offered H.264, publishes again (a fresh WHIP session; WHIP cannot renegotiate).
   */
  private watchCodec(): void {
    if (this.opts.kind !== 'publish' || !this.location || !this.token || this.codecWatch) return
    const ctl = new AbortController()
    this.codecWatch = ctl
    const gen = this.generation
    const url = `${this.location}/events`
    const token = this.token
    void (async () => {
      try {
        const resp = await this.fetchFn(url, { headers: { Authorization: `Bearer ${token}` }, signal: ctl.signal })
        if (!resp.ok || !resp.body) return
        await readEventStream(resp.body, (type, data) => {
          if (type !== 'video-codec' || gen !== this.generation) return
          const want = (data as { want?: string | null } | null)?.want ?? null
          if (want !== 'h264') {
            this.republishedForH264 = false
            return
          }
          if (this.republishedForH264 || sentVideoCodec(this.answerSdp) !== 'vp8' || !/ H264\/90000/i.test(this.offerSdp)) return
          this.republishedForH264 = true
          this.reconnect('会议中有只支持 H.264 的 SIP 视频终端，正在改用 H.264 重新发布')
        })
      } catch {
        /* stopped, or a server without the event stream: publishing goes on as it is */
      }
    })()
  }

  private reconnect(reason: string): void {
    if (this.state === 'closed' || this.state === 'failed') return
    this.generation++
    void this.teardown()
    this.retry(reason)
  }

  private retry(reason: string, delayMs?: number): void {
    if (this.state === 'closed') return
    // Jitter (80-100 %) spreads 500 terminals reconnecting after a server restart over the interval.
    const delay = delayMs ?? Math.round(this.backoff[Math.min(this.failures, this.backoff.length - 1)] * (0.8 + 0.2 * Math.random()))
    this.failures++
    this.set('reconnecting', reason)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.connect()
    }, delay)
  }

  private fail(reason: string, status?: number): void {
    this.generation++
    this.clearTimers()
    void this.teardown()
    this.set('failed', reason)
    this.lastError = new MediaSessionError(reason, status)
  }

  /** The error object of a permanent failure (status tells 401/403/404 apart). */
  lastError: MediaSessionError | null = null

  private dropPeerConnection(): void {
    const pc = this.pc
    this.pc = null
    try { pc?.close() } catch { /* already closed */ }
  }

  // Ends the current attempt: DELETE the resource (best effort: the server may be gone) and close.
  private async teardown(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer)
    this.statsTimer = null
    this.codecWatch?.abort()
    this.codecWatch = null
    const location = this.location
    const token = this.token
    this.location = null
    this.sessionId = null
    this.dropPeerConnection()
    if (location && token) {
      try {
        await this.fetchFn(location, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` }, keepalive: true })
      } catch {
        /* the server restarted or is unreachable: its session is gone or will time out */
      }
    }
  }

  private startStats(): void {
    if (this.statsTimer) return
    this.lastBytes = 0
    this.lastStatsAt = 0
    this.statsTimer = setInterval(() => void this.pollStats(), 1000)
    void this.pollStats()
  }

  private async pollStats(): Promise<void> {
    const pc = this.pc
    if (!pc) return
    let report: RTCStatsReport
    try {
      report = await pc.getStats()
    } catch {
      return
    }
    let bytes = 0
    let width = 0
    let height = 0
    let frames = 0
    let rtt: number | null = null
    let contentFrames = 0
    const contentMid = this.opts.kind === 'play' ? this.contentTransceiver?.mid ?? null : null
    const outbound = this.opts.kind === 'publish'
    report.forEach((s: Record<string, unknown>) => {
      if (s.type === (outbound ? 'outbound-rtp' : 'inbound-rtp')) {
        bytes += Number(outbound ? s.bytesSent ?? 0 : s.bytesReceived ?? 0)
        if (s.kind === 'video') {
          const w = Number(s.frameWidth ?? 0)
          if (w > width) { width = w; height = Number(s.frameHeight ?? 0) }
          frames += Number((outbound ? s.framesEncoded : s.framesDecoded) ?? 0)
          if (contentMid !== null && s.mid === contentMid) contentFrames += Number(s.framesDecoded ?? 0)
        }
      } else if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') {
        rtt = Math.round((s.currentRoundTripTime as number) * 1000)
      }
    })
    const now = performance.now()
    const kbps = this.lastStatsAt > 0 && bytes >= this.lastBytes ? ((bytes - this.lastBytes) * 8) / (now - this.lastStatsAt) : 0
    this.lastBytes = bytes
    this.lastStatsAt = now
    // A static slide may send a frame only every few seconds: the share counts as live for 5 s after its last frame.
    if (contentFrames > this.stats.contentFrames) this.lastContentFrameAt = now
    const contentActive = contentFrames > 0 && now - this.lastContentFrameAt < 5000
    this.stats = { bitrateKbps: Math.round(kbps), frameWidth: width, frameHeight: height, frames, rttMs: rtt, contentFrames, contentActive }
    this.emit()
  }
}

// MediaServer is ICE-lite without trickle: the offer must carry the candidates. Waits for gathering to
// complete, but no longer than 250 ms after the first candidate (Chromium may keep looking on interfaces
// that will never answer), and never longer than `timeoutMs`.
function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    let grace: ReturnType<typeof setTimeout> | null = null
    const done = () => {
      pc.removeEventListener('icegatheringstatechange', check)
      pc.removeEventListener('icecandidate', onCandidate)
      clearTimeout(timer)
      if (grace) clearTimeout(grace)
      resolve()
    }
    const check = () => {
      if (pc.iceGatheringState === 'complete') done()
    }
    const onCandidate = (ev: Event) => {
      if (!(ev as RTCPeerConnectionIceEvent).candidate) return done()
      grace ??= setTimeout(done, 250)
    }
    const timer = setTimeout(done, timeoutMs)
    pc.addEventListener('icegatheringstatechange', check)
    pc.addEventListener('icecandidate', onCandidate)
  })
}

async function problemDetail(resp: Response): Promise<string> {
  try {
    const text = await resp.text()
    try {
      const p = JSON.parse(text) as { detail?: string; title?: string }
      return p.detail ?? p.title ?? `HTTP ${resp.status}`
    } catch {
      return text.slice(0, 200) || `HTTP ${resp.status}`
    }
  } catch {
    return `HTTP ${resp.status}`
  }
}

/**
 * Adds RFC 4796 `a=content:slides` to the m-section with `mid`: MediaServer reads that video m-line as a screen or
 * courseware share (publish) or as the slot that receives the room's share (play). Only the offer sent changes.
 */
export function markContent(sdp: string, mid: string | null): string {
  if (mid === null) return sdp
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  return sdp
    .split(/(?=^m=)/m)
    .map((section) => {
      const m = /^a=mid:(.+?)\s*$/m.exec(section)
      if (!section.startsWith('m=') || !m || m[1] !== mid || /^a=content:/m.test(section)) return section
      return section.replace(/^(a=mid:.+?)(\r?\n)/m, `$1$2a=content:slides${eol}`)
    })
    .join('')
}

/** The video codec an SDP answer's first video m-line sends (its first payload type's encoding name, lower case), or null. */
export function sentVideoCodec(sdp: string): string | null {
  const section = sdp.split(/(?=^m=)/m).find((x) => x.startsWith('m=video ') && !/^m=video 0 /.test(x))
  const pt = section?.split(/\r?\n/)[0].split(' ')[3]
  if (!section || pt === undefined) return null
  const rtpmap = new RegExp(`^a=rtpmap:${pt} ([^/\\s]+)`, 'm').exec(section)
  return rtpmap ? rtpmap[1].toLowerCase() : null
}

function errorText(e: unknown, fallback: string): string {
  return e instanceof Error && e.message ? e.message : fallback
}
