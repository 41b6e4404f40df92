// The browser media module of the live pages: WHIP/WHEP sessions with reconnect, the MediaServer room API,
// and the ControlPlane calls that hand out media tokens.
export { MediaSession, MediaSessionError, markContent } from './session'
export type { SessionKind, SessionState, SessionStats, MediaSessionOptions, MediaTokenGrant } from './session'
export { parseIceServerLinks } from './link'
export { RoomApi, RoomApiError, readEventStream } from './roomApi'
export type { Hand, Hands, MyHand, RoomAudio, MixParticipant, RoomParticipant } from './roomApi'
export { stateText, stateTagType } from './labels'

/** The WHIP (publish) or WHEP (play) endpoint of a room on a MediaServer. */
export function endpointUrl(mediaServerUrl: string, kind: 'publish' | 'play', room: string): string {
  return `${mediaServerUrl.replace(/\/$/, '')}/${kind === 'publish' ? 'whip' : 'whep'}/${encodeURIComponent(room)}`
}
