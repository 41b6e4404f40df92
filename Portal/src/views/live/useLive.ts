// Shared state of the live pages: media tokens from the ControlPlane, reactive views of a MediaSession, the
// site-state and level labels. Pages create sessions through here so every one stops when the page closes.
import { onBeforeUnmount, shallowRef, ref, type Ref } from 'vue'
import { api, call } from '@/api/client'
import { liveText } from '@/locale/live'
import { MediaSession, endpointUrl, type MediaSessionOptions, type MediaTokenGrant, type SessionState, type SessionStats } from '@/media'

const shareErrorText = liveText.shareError

export type MediaRole = 'host' | 'speaker' | 'audience' | 'observer'

/** A media token for `room` in `role`, and the MediaServer it is for. */
export async function mediaToken(room: string, role: MediaRole): Promise<{ token: string; subject: string; mediaServerUrl: string; fallbackUrls: string[] }> {
  const res = await call(api.POST('/api/media-tokens', { body: { room, role } }))
  return { token: res.token, subject: res.subject, mediaServerUrl: res.mediaServerUrl, fallbackUrls: res.fallbackUrls }
}

/** A `grant` callback for MediaSession: a fresh ControlPlane token before every (re)connection. */
export function grantFor(room: string, role: MediaRole, kind: 'publish' | 'play'): () => Promise<MediaTokenGrant> {
  return async () => {
    const t = await mediaToken(room, role)
    // In a cluster the site's own node first (its town's), then the others when it does not answer.
    return { token: t.token, url: endpointUrl(t.mediaServerUrl, kind, room), fallbackUrls: t.fallbackUrls.map((u) => endpointUrl(u, kind, room)) }
  }
}

/** Reactive view of a MediaSession. */
export interface LiveSession {
  session: MediaSession
  state: Ref<SessionState>
  stats: Ref<SessionStats>
  error: Ref<string | null>
  version: Ref<number>
  stop: () => Promise<void>
}

/** Sessions of the calling component: created started, stopped (DELETE) when the component unmounts. */
export function useSessions() {
  const all = new Set<LiveSession>()
  function open(options: MediaSessionOptions): LiveSession {
    const session = new MediaSession(options)
    const view: LiveSession = {
      session,
      state: ref(session.state),
      stats: shallowRef(session.stats),
      error: ref(session.error),
      version: ref(0),
      stop: async () => {
        all.delete(view)
        await session.stop()
      },
    }
    session.subscribe(() => {
      view.state.value = session.state
      view.stats.value = session.stats
      view.error.value = session.error
      view.version.value++
    })
    all.add(view)
    session.start()
    return view
  }
  const leave = () => {
    for (const s of [...all]) void s.stop()
  }
  // Closing the tab or the TV browser leaves at once (DELETE with keepalive) instead of timing out.
  window.addEventListener('pagehide', leave)
  onBeforeUnmount(() => {
    window.removeEventListener('pagehide', leave)
    leave()
  })
  return { open }
}

/** Polls `fn` every `ms` while the component lives (first run at once); errors go to `onError`. */
export function usePolling(fn: () => Promise<void>, ms: number, onError?: (e: unknown) => void) {
  let timer: ReturnType<typeof setTimeout> | null = null
  let stopped = false
  async function tick() {
    if (stopped) return
    try { await fn() } catch (e) { onError?.(e) }
    if (!stopped) timer = setTimeout(tick, ms)
  }
  void tick()
  const stop = () => {
    stopped = true
    if (timer) clearTimeout(timer)
  }
  onBeforeUnmount(stop)
  return { stop, now: () => fn().catch((e) => onError?.(e)) }
}

/**
 * 共享屏幕 / 停止共享 for a publishing session opened with `content: true`: the screen (getDisplayMedia, contentHint
 * "detail") goes out on its content m-line with replaceTrack, no renegotiation. The browser's own "停止共享" bar ends the
 * track: then it stops being sent too. `onError` gets a Chinese message the user can act on.
 */
export function useScreenShare(onError: (message: string) => void) {
  const share = shallowRef<MediaStream | null>(null)
  function stopTracks() {
    share.value?.getTracks().forEach((x) => x.stop())
    share.value = null
  }
  async function toggle(cam: LiveSession): Promise<void> {
    if (share.value) {
      stopTracks()
      await cam.session.setContent(null)
      return
    }
    let stream: MediaStream
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false })
    } catch {
      onError(shareErrorText)
      return
    }
    const track = stream.getVideoTracks()[0]
    if (!track) return
    track.contentHint = 'detail' // text and slides: keep the resolution, drop frames first
    track.addEventListener('ended', () => {
      if (share.value !== stream) return
      share.value = null
      void cam.session.setContent(null)
    })
    share.value = stream
    await cam.session.setContent(track)
  }
  onBeforeUnmount(stopTracks)
  return { share, toggle, stopTracks }
}

/** 0..1 for a level bar from an RFC 6464 level in dBov (0 loudest, -127 silence). */
export function levelFraction(dbov: number | undefined): number {
  if (dbov === undefined || dbov <= -90) return 0
  return Math.min(1, Math.max(0, (dbov + 90) / 90))
}

/** Error text of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** "HH:mm" in Asia/Shanghai. */
export function clock(iso: string | null | undefined): string {
  if (!iso) return '—'
  return new Date(iso).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false })
}
