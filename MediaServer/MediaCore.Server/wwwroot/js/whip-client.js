// WHIP (RFC 9725) and WHEP client for browsers, shared by the demo page and the browser tests.
// Non-trickle: the offer is POSTed once ICE gathering has finished (the server is ICE-lite and answers
// PATCH with 405), so the offer already carries every candidate.

/** A WHIP/WHEP request that did not return 201 Created. */
export class WhipError extends Error {
  constructor(status, detail, offer) {
    super(`WHIP/WHEP request failed: HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'WhipError';
    /** HTTP status code. */
    this.status = status;
    /** Server's explanation (problem details "detail" or raw body). */
    this.detail = detail;
    /** The SDP offer that was sent, for diagnostics. */
    this.offer = offer;
  }
}

const SIMULCAST_ENCODINGS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/**
 * Publishes a MediaStream to a WHIP endpoint.
 * @param {string} url WHIP endpoint, e.g. "/whip/room1" (relative URLs resolve against the page).
 * @param {string} token media token (sent as "Authorization: Bearer").
 * @param {MediaStream} stream tracks to send (audio and/or video).
 * @param {{simulcast?: boolean, codec?: string, iceGatheringTimeoutMs?: number, iceServers?: RTCIceServer[], iceTransportPolicy?: RTCIceTransportPolicy, content?: boolean|MediaStreamTrack}} options
 *   simulcast: three layers with rids q/h/f (scale 4/2/1); codec: preferred video codec, e.g. "VP8", "H264";
 *   iceServers: STUN/TURN servers (e.g. the ControlPlane's media-token answer); when omitted they are asked from
 *   the endpoint (OPTIONS, RFC 9725 §4.6 Link headers); iceTransportPolicy: "relay" to use TURN only;
 *   content: a second video m-line for a screen/courseware share, marked RFC 4796 `a=content:slides` (a track to send
 *   at once, or true to reserve it); `session.setContent(track|null)` starts and stops the share without renegotiation.
 * @returns {Promise<WhipSession & {setContent: (track: MediaStreamTrack|null) => Promise<void>}>}
 */
export async function publish(url, token, stream, { simulcast = false, codec = null, iceGatheringTimeoutMs = 5000, iceServers, iceTransportPolicy = 'all', content = false } = {}) {
  const pc = await createPeerConnection(url, token, iceServers, iceTransportPolicy);
  try {
    for (const track of stream.getAudioTracks()) {
      pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    }
    for (const track of stream.getVideoTracks()) {
      const init = { direction: 'sendonly', streams: [stream] };
      if (simulcast) init.sendEncodings = SIMULCAST_ENCODINGS.map(e => ({ ...e }));
      const transceiver = pc.addTransceiver(track, init);
      if (codec) preferCodec(transceiver, 'video', codec);
    }
    const contentTransceiver = content
      ? pc.addTransceiver(content instanceof MediaStreamTrack ? content : 'video', { direction: 'sendonly' })
      : null;
    if (contentTransceiver && codec) preferCodec(contentTransceiver, 'video', codec);
    const session = await negotiate(pc, url, token, iceGatheringTimeoutMs, contentTransceiver ? [contentTransceiver] : []);
    session.setContent = async (track) => {
      if (!contentTransceiver) throw new Error('publish() was called without the content option');
      await contentTransceiver.sender.replaceTrack(track);
    };
    return session;
  } catch (e) {
    pc.close();
    throw e;
  }
}

/**
 * Watches a room through a WHEP endpoint.
 * @param {string} url WHEP endpoint, e.g. "/whep/room1".
 * @param {string} token media token.
 * @param {{videoCount?: number, audio?: boolean, iceGatheringTimeoutMs?: number, iceServers?: RTCIceServer[], iceTransportPolicy?: RTCIceTransportPolicy, content?: boolean}} options
 *   videoCount: how many video streams to receive (one receive-only m-line each); iceServers, iceTransportPolicy: as for publish;
 *   content: one more receive-only video m-line marked `a=content:slides` that carries the room's screen/courseware share.
 * @returns {Promise<WhipSession & {audioTrack: MediaStreamTrack|null, videoTracks: MediaStreamTrack[], contentTrack: MediaStreamTrack|null}>}
 */
export async function subscribe(url, token, { videoCount = 1, audio = true, iceGatheringTimeoutMs = 5000, iceServers, iceTransportPolicy = 'all', content = false } = {}) {
  const pc = await createPeerConnection(url, token, iceServers, iceTransportPolicy);
  try {
    const audioTransceiver = audio ? pc.addTransceiver('audio', { direction: 'recvonly' }) : null;
    const videoTransceivers = [];
    for (let i = 0; i < videoCount; i++) videoTransceivers.push(pc.addTransceiver('video', { direction: 'recvonly' }));
    const contentTransceiver = content ? pc.addTransceiver('video', { direction: 'recvonly' }) : null;
    const session = await negotiate(pc, url, token, iceGatheringTimeoutMs, contentTransceiver ? [contentTransceiver] : []);
    session.audioTrack = audioTransceiver ? audioTransceiver.receiver.track : null;
    session.videoTracks = videoTransceivers.map(t => t.receiver.track);
    session.contentTrack = contentTransceiver ? contentTransceiver.receiver.track : null;
    return session;
  } catch (e) {
    pc.close();
    throw e;
  }
}

/**
 * @typedef {Object} WhipSession
 * @property {RTCPeerConnection} pc
 * @property {string} location absolute URL of the session resource (DELETE it to leave)
 * @property {string|null} etag
 * @property {string} answer SDP answer
 * @property {() => Promise<number>} stop DELETEs the session (returns the HTTP status) and closes the connection
 */

async function createPeerConnection(url, token, iceServers, iceTransportPolicy) {
  const servers = iceServers ?? await fetchIceServers(url, token);
  return new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: servers, iceTransportPolicy });
}

/**
 * The endpoint's STUN/TURN servers (RFC 9725 §4.6): an authenticated OPTIONS request answered with
 * `Link: <turn:...>; rel="ice-server"; username="..."; credential="..."` headers. Asked before the offer because
 * this client does not trickle. Returns [] when the server has none or cannot be asked.
 * @param {string} url WHIP/WHEP endpoint.
 * @param {string} token media token.
 * @returns {Promise<RTCIceServer[]>}
 */
export async function fetchIceServers(url, token) {
  try {
    const r = await fetch(new URL(url, document.baseURI).toString(), { method: 'OPTIONS', headers: { 'Authorization': `Bearer ${token}` } });
    return parseIceServerLinks(r.headers.get('Link'));
  } catch {
    return [];
  }
}

/**
 * Parses Link header values (RFC 8288 §3; several headers arrive joined by ", ") into RTCIceServer entries,
 * keeping only rel="ice-server" links.
 * @param {string|null} header
 * @returns {RTCIceServer[]}
 */
export function parseIceServerLinks(header) {
  const servers = [];
  if (!header) return servers;
  const re = /<([^>]*)>((?:\s*;\s*[A-Za-z0-9!#$&+.^_`|~-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))*)/g;
  for (const m of header.matchAll(re)) {
    const params = {};
    for (const p of m[2].matchAll(/;\s*([A-Za-z0-9!#$&+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,\s]*))/g)) {
      params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
    }
    if ((params.rel || '').split(/\s+/).includes('ice-server')) {
      const server = { urls: m[1] };
      if (params.username !== undefined) server.username = params.username;
      if (params.credential !== undefined) server.credential = params.credential;
      servers.push(server);
    }
  }
  return servers;
}

async function negotiate(pc, url, token, iceGatheringTimeoutMs, contentTransceivers = []) {
  const endpoint = new URL(url, document.baseURI).toString();
  await pc.setLocalDescription(await pc.createOffer());
  await waitForIceGathering(pc, iceGatheringTimeoutMs);
  const offer = markContent(pc.localDescription.sdp, contentTransceivers.map(t => t.mid));
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', 'Authorization': `Bearer ${token}` },
    body: offer,
  });
  if (response.status !== 201) throw new WhipError(response.status, await readDetail(response), offer);
  const locationHeader = response.headers.get('Location');
  if (!locationHeader) throw new WhipError(response.status, 'no Location header in the 201 response', offer);
  const location = new URL(locationHeader, endpoint).toString();
  const answer = await response.text();
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  let stopped = false;
  return {
    pc,
    location,
    etag: response.headers.get('ETag'),
    answer,
    async stop() {
      if (stopped) return 0;
      stopped = true;
      let status = 0;
      try {
        // keepalive: the DELETE still goes out when called from pagehide.
        const r = await fetch(location, { method: 'DELETE', headers: { 'Authorization': `Bearer ${token}` }, keepalive: true });
        status = r.status;
      } finally {
        pc.close();
      }
      return status;
    },
  };
}

/**
 * Adds RFC 4796 `a=content:slides` to the m-sections with the given mids: the server treats such a video m-line as a
 * screen/courseware share (publish) or as the slot that receives the room's share (subscribe). Only the text sent to
 * the server changes; the browser's own description stays as it made it.
 * @param {string} sdp
 * @param {(string|null)[]} mids
 */
export function markContent(sdp, mids) {
  const wanted = new Set(mids.filter(m => m !== null));
  if (wanted.size === 0) return sdp;
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const sections = sdp.split(/(?=^m=)/m);
  return sections.map(section => {
    const mid = /^a=mid:(.+?)\s*$/m.exec(section);
    if (!section.startsWith('m=') || !mid || !wanted.has(mid[1]) || /^a=content:/m.test(section)) return section;
    return section.replace(/^(a=mid:.+?)(\r?\n)/m, `$1$2a=content:slides${eol}`);
  }).join('');
}

function waitForIceGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => { if (pc.iceGatheringState === 'complete') done(); };
    // Send what was gathered so far if gathering stalls (e.g. an unreachable STUN server); host candidates come first.
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

async function readDetail(response) {
  const text = await response.text();
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    try { return JSON.parse(text).detail || text; } catch { /* not JSON after all */ }
  }
  return text;
}

function preferCodec(transceiver, kind, codec) {
  if (!transceiver.setCodecPreferences || !RTCRtpReceiver.getCapabilities) return;
  const wanted = `${kind}/${codec}`.toLowerCase();
  const codecs = RTCRtpReceiver.getCapabilities(kind).codecs;
  const preferred = codecs.filter(c => c.mimeType.toLowerCase() === wanted);
  if (preferred.length === 0) return;
  // Keep RTX/RED/FEC entries after the preferred codec so retransmission still negotiates.
  const rest = codecs.filter(c => c.mimeType.toLowerCase() !== wanted);
  transceiver.setCodecPreferences([...preferred, ...rest]);
}

/**
 * A flat summary of RTCPeerConnection.getStats() for display and tests.
 * @param {RTCPeerConnection} pc
 */
export async function collectStats(pc) {
  const report = await pc.getStats();
  const out = { inbound: [], outbound: [], candidatePair: null, connectionState: pc.connectionState };
  let selectedPairId = null;
  report.forEach(s => {
    if (s.type === 'transport' && s.selectedCandidatePairId) selectedPairId = s.selectedCandidatePairId;
  });
  report.forEach(s => {
    switch (s.type) {
      case 'inbound-rtp':
        out.inbound.push({
          kind: s.kind, mid: s.mid ?? null, ssrc: s.ssrc,
          packetsReceived: s.packetsReceived ?? 0, packetsLost: s.packetsLost ?? 0, bytesReceived: s.bytesReceived ?? 0,
          framesDecoded: s.framesDecoded ?? 0, framesPerSecond: s.framesPerSecond ?? 0,
          frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0,
          nackCount: s.nackCount ?? 0, pliCount: s.pliCount ?? 0, firCount: s.firCount ?? 0,
          jitter: s.jitter ?? 0, audioLevel: s.audioLevel ?? null, timestamp: s.timestamp,
          freezeCount: s.freezeCount ?? null, totalFreezesDuration: s.totalFreezesDuration ?? null,
          retransmittedPacketsReceived: s.retransmittedPacketsReceived ?? null,
        });
        break;
      case 'outbound-rtp':
        out.outbound.push({
          kind: s.kind, mid: s.mid ?? null, rid: s.rid ?? null, ssrc: s.ssrc,
          packetsSent: s.packetsSent ?? 0, bytesSent: s.bytesSent ?? 0, retransmittedPacketsSent: s.retransmittedPacketsSent ?? 0,
          framesEncoded: s.framesEncoded ?? 0, framesPerSecond: s.framesPerSecond ?? 0,
          frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0,
          nackCount: s.nackCount ?? 0, pliCount: s.pliCount ?? 0, firCount: s.firCount ?? 0,
          qualityLimitationReason: s.qualityLimitationReason ?? null, targetBitrate: s.targetBitrate ?? null,
          active: s.active ?? null, timestamp: s.timestamp,
        });
        break;
      case 'candidate-pair':
        if (s.id === selectedPairId || (selectedPairId === null && s.nominated && s.state === 'succeeded')) {
          const local = report.get(s.localCandidateId);
          out.candidatePair = {
            localCandidateType: local?.candidateType ?? null, protocol: local?.protocol ?? null,
            relayProtocol: local?.relayProtocol ?? null,
            state: s.state, availableOutgoingBitrate: s.availableOutgoingBitrate ?? null,
            availableIncomingBitrate: s.availableIncomingBitrate ?? null,
            currentRoundTripTime: s.currentRoundTripTime ?? null, bytesSent: s.bytesSent ?? 0, bytesReceived: s.bytesReceived ?? 0,
          };
        }
        break;
    }
  });
  return out;
}
