// The MediaServer demo page: publish (WHIP) and watch (WHEP) with the shared whip-client.js.
import { publish, subscribe, collectStats, WhipError } from './whip-client.js';

const $ = id => document.getElementById(id);
let demoMode = false;
let publishing = null;
let watching = null;

function log(message) {
  const line = `${new Date().toLocaleTimeString()} ${message}\n`;
  $('log').textContent = line + $('log').textContent;
}

async function detectDemoMode() {
  try {
    const r = await fetch('/demo/info');
    demoMode = r.ok;
  } catch {
    demoMode = false;
  }
  $('demo-banner').hidden = !demoMode;
  if (demoMode) log('Demo mode: tokens are minted by this page (demo only).');
  else log('Demo mode is off: paste a media token issued by the ControlPlane.');
}

function roomName() {
  const room = $('room').value.trim();
  if (!/^[A-Za-z0-9_.\-]{1,64}$/.test(room)) throw new Error('Room: 1-64 characters A-Z a-z 0-9 _ - .');
  return room;
}

async function tokenFor(room, role) {
  const pasted = $('token').value.trim();
  if (pasted) return pasted;
  if (!demoMode) throw new Error('Paste a media token: demo mode is off.');
  const r = await fetch('/demo/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ room, role }),
  });
  if (!r.ok) throw new Error(`demo token: HTTP ${r.status}`);
  const body = await r.json();
  log(`Demo token for ${body.participantId} (${body.role} in ${body.room}), valid until ${new Date(body.expiresAt).toLocaleTimeString()}.`);
  return body.token;
}

function describeError(e) {
  return e instanceof WhipError ? `HTTP ${e.status}: ${e.detail}` : (e.message || String(e));
}

// Bitrate needs two samples: remember bytes and time per SSRC between refreshes.
const previous = new Map();
function kbps(key, bytes, timestamp) {
  const last = previous.get(key);
  previous.set(key, { bytes, timestamp });
  if (!last || timestamp <= last.timestamp) return 0;
  return Math.round((bytes - last.bytes) * 8 / (timestamp - last.timestamp));
}

function formatOutbound(stats) {
  const lines = stats.outbound.map(s => {
    const layer = s.rid ? ` rid=${s.rid}` : '';
    const video = s.kind === 'video' ? ` ${s.frameWidth}x${s.frameHeight} ${Math.round(s.framesPerSecond)} fps limit=${s.qualityLimitationReason}` : '';
    return `${s.kind}${layer}${video} ${kbps(`out-${s.ssrc}`, s.bytesSent, s.timestamp)} kbps nack=${s.nackCount} pli=${s.pliCount}`;
  });
  const pair = stats.candidatePair;
  if (pair?.availableOutgoingBitrate) lines.push(`estimated uplink ${Math.round(pair.availableOutgoingBitrate / 1000)} kbps, rtt ${Math.round((pair.currentRoundTripTime ?? 0) * 1000)} ms`);
  return `${stats.connectionState}\n${lines.join('\n')}`;
}

function formatInbound(stats) {
  const lines = stats.inbound.map(s => {
    const video = s.kind === 'video' ? ` ${s.frameWidth}x${s.frameHeight} ${Math.round(s.framesPerSecond)} fps decoded=${s.framesDecoded}` : '';
    return `${s.kind}${video} ${kbps(`in-${s.ssrc}`, s.bytesReceived, s.timestamp)} kbps lost=${s.packetsLost} nack=${s.nackCount}`;
  });
  return `${stats.connectionState}\n${lines.join('\n')}`;
}

async function refreshStats() {
  if (publishing) $('publish-stats').textContent = formatOutbound(await collectStats(publishing.pc));
  if (watching) $('watch-stats').textContent = formatInbound(await collectStats(watching.pc));
}

async function startPublish() {
  $('publish-start').disabled = true;
  try {
    const room = roomName();
    const token = await tokenFor(room, 'speaker');
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
    $('local-video').srcObject = stream;
    publishing = await publish(`/whip/${room}`, token, stream, { simulcast: $('simulcast').checked, codec: $('codec').value });
    publishing.stream = stream;
    publishing.pc.addEventListener('connectionstatechange', () => log(`publish: ${publishing?.pc.connectionState}`));
    log(`Publishing to ${room}: ${publishing.location}`);
    $('publish-stop').disabled = false;
  } catch (e) {
    log(`Publish failed: ${describeError(e)}`);
    $('local-video').srcObject?.getTracks().forEach(t => t.stop());
    $('local-video').srcObject = null;
    $('publish-start').disabled = false;
  }
}

async function stopPublish() {
  if (!publishing) return;
  const session = publishing;
  publishing = null;
  session.stream.getTracks().forEach(t => t.stop());
  $('local-video').srcObject = null;
  log(`Unpublished (DELETE: HTTP ${await session.stop()})`);
  $('publish-stop').disabled = true;
  $('publish-start').disabled = false;
}

async function startWatch() {
  $('watch-start').disabled = true;
  try {
    const room = roomName();
    const token = await tokenFor(room, 'audience');
    const videoCount = Math.max(1, Math.min(9, Number($('video-count').value) || 1));
    watching = await subscribe(`/whep/${room}`, token, { videoCount });
    const container = $('remote-videos');
    container.replaceChildren();
    watching.videoTracks.forEach((track, i) => {
      const video = document.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      video.muted = i > 0 || !watching.audioTrack;
      video.srcObject = new MediaStream(i === 0 && watching.audioTrack ? [track, watching.audioTrack] : [track]);
      container.append(video);
    });
    watching.pc.addEventListener('connectionstatechange', () => log(`watch: ${watching?.pc.connectionState}`));
    log(`Watching ${room}: ${watching.location}`);
    $('watch-stop').disabled = false;
  } catch (e) {
    log(`Watch failed: ${describeError(e)}`);
    $('watch-start').disabled = false;
  }
}

async function stopWatch() {
  if (!watching) return;
  const session = watching;
  watching = null;
  $('remote-videos').replaceChildren();
  log(`Stopped watching (DELETE: HTTP ${await session.stop()})`);
  $('watch-stop').disabled = true;
  $('watch-start').disabled = false;
}

$('publish-start').addEventListener('click', startPublish);
$('publish-stop').addEventListener('click', stopPublish);
$('watch-start').addEventListener('click', startWatch);
$('watch-stop').addEventListener('click', stopWatch);
window.addEventListener('pagehide', () => { publishing?.stop(); watching?.stop(); });
setInterval(() => refreshStats().catch(e => log(`stats: ${e.message}`)), 1000);
detectDemoMode();
