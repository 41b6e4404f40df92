using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Routing.Audio;
using MediaCore.Server.Sessions;
using RoutingMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Cluster;

/// <summary>
/// Top-N audio on one relay link for one room: of the audio tracks the link carries to the peer, only the room's N loudest
/// (the room's <c>maxSpeakers</c>, by the RFC 6464 level on every packet, no decoding) plus the host, the floor holder and
/// pinned participants are sent; the others' consumers are paused (and resume without a sequence gap). A town therefore
/// sends its county at most N village voices whatever the number of villages, and the county, which mixes the top N of
/// everything it receives, still mixes the right N: the county-wide N loudest are always among the towns' own N loudest.
/// Tracks without levels (ffmpeg, SIP gateways) cannot be ranked without decoding and always pass. While the link carries
/// no more audio tracks than N, every track passes. Observes the room's router; runs under <see cref="MediaEngine.Gate"/>.
/// See docs/decisions.md "Top-N audio across relay links".
/// </summary>
internal sealed class RelayAudioGate : IProducerRtpObserver
{
    private readonly MediaRoom _room;
    private readonly SpeakerGate _gate = new();
    private readonly Dictionary<Producer, (GatedStream Stream, Consumer Consumer)> _tracks = [];

    public RelayAudioGate(MediaRoom room)
    {
        _room = room;
        room.Router.AddObserver(this);
    }

    public int Count => _tracks.Count;

    public void Add(Producer source, Consumer consumer) => _tracks[source] = (_gate.Add(source.ParticipantId), consumer);

    public void Remove(Producer source)
    {
        if (_tracks.Remove(source, out var t)) _gate.Remove(t.Stream);
    }

    public void Close() => _room.Router.RemoveObserver(this);

    public void OnRtp(long nowTicks, Producer producer, ProducerEncoding encoding, in RtpPacket packet)
    {
        if (producer.Kind != RoutingMediaKind.Audio || !_tracks.TryGetValue(producer, out var track)) return;
        int level = -1;
        if (producer.Extensions.TryGet(packet, RtpExtensionKind.AudioLevel, out var value) && RtpExtensionValues.TryReadAudioLevel(value, out _, out byte l))
            level = l;
        SpeakerGate.OnPacket(track.Stream, nowTicks, level);
        if (!_gate.IsDue(nowTicks)) return;
        var settings = _room.Engine.Mixing.GetSettings(_room.Id.Value);
        string? host = _room.Router.HostParticipantId, floor = _room.FloorHolder;
        foreach (var (source, t) in _tracks)
        {
            string id = source.ParticipantId;
            SpeakerGate.SetControls(t.Stream, eligible: !settings.Muted.Contains(id), forced: id == host || id == floor || settings.Pinned.Contains(id));
        }
        if (!_gate.Update(nowTicks, settings.MaxSpeakers)) return;
        // Before this packet reaches the consumers (observers run first): a track that just opened sends it.
        foreach (var (_, t) in _tracks)
        {
            if (t.Stream.IsOpen) t.Consumer.Resume(nowTicks);
            else t.Consumer.Pause();
        }
    }
}
