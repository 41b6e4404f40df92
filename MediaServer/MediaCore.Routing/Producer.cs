using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing;

/// <summary>
/// A published track: kind, codec, clock rate and one or more encodings (simulcast layers keyed by SSRC
/// or rid). Created by <see cref="Router.CreateProducer"/>; packets enter via <see cref="Router.OnRtp"/>.
/// </summary>
public sealed class Producer
{
    private readonly ProducerEncoding[] _encodings;
    private Consumer[] _consumers = [];

    internal Producer(Router router, ProducerOptions options, PacketBufferPool pool, RouterOptions routerOptions, long sequence)
    {
        Router = router;
        Id = options.Id;
        ParticipantId = options.ParticipantId;
        Kind = options.Kind;
        IsContent = options.IsContent;
        Codec = options.Codec;
        ClockRate = options.ClockRate;
        PayloadType = options.PayloadType;
        RtxPayloadType = options.RtxPayloadType;
        Extensions = options.Extensions;
        KeyFrameRequester = options.KeyFrameRequester;
        RetransmissionRequester = options.RetransmissionRequester;
        CreatedSequence = sequence;
        int capacity = options.PacketCacheCapacity > 0 ? options.PacketCacheCapacity : options.Kind == MediaKind.Video ? 1024 : 128;
        var encodings = options.Encodings.Count > 0 ? options.Encodings : [new ProducerEncodingOptions()];
        _encodings = new ProducerEncoding[encodings.Count];
        for (int i = 0; i < encodings.Count; i++)
        {
            var cache = new PacketCache(capacity, routerOptions.PacketCacheMaxAge.Ticks, pool);
            _encodings[i] = new ProducerEncoding(this, i, encodings[i], cache, routerOptions.EncodingInactiveAfter.Ticks,
                RetransmissionRequester != null ? new NackGenerator() : null);
        }
    }

    public Router Router { get; }
    public string Id { get; }
    public string ParticipantId { get; }
    public MediaKind Kind { get; }
    /// <summary>A screen or courseware share (see <see cref="ProducerOptions.IsContent"/>).</summary>
    public bool IsContent { get; }
    public CodecKind Codec { get; }
    public uint ClockRate { get; }
    public PayloadType PayloadType { get; }
    public PayloadType? RtxPayloadType { get; }
    public RtpExtensionMap Extensions { get; }
    public IKeyFrameRequester? KeyFrameRequester { get; }
    public IRetransmissionRequester? RetransmissionRequester { get; }
    /// <summary>Round-trip time to the publisher (the host updates it from RTCP); paces NACK retries.</summary>
    public TimeSpan RoundTripTime { get; set; } = TimeSpan.FromMilliseconds(100);
    /// <summary>Encodings ordered lowest to highest quality.</summary>
    public IReadOnlyList<ProducerEncoding> Encodings => _encodings;
    public bool IsClosed { get; internal set; }
    /// <summary>Publish order within the router (program selection prefers earlier publishers).</summary>
    public long CreatedSequence { get; }

    public long PacketsReceived { get; private set; }
    public long BytesReceived { get; private set; }
    public long RtxPacketsReceived { get; private set; }
    public long DuplicatePackets { get; private set; }
    /// <summary>Packets dropped as malformed, oversized or of an unknown stream.</summary>
    public long DiscardedPackets { get; private set; }

    internal ReadOnlySpan<Consumer> Consumers => _consumers;

    internal void AddConsumer(Consumer consumer)
    {
        if (Array.IndexOf(_consumers, consumer) >= 0) return;
        var next = new Consumer[_consumers.Length + 1];
        _consumers.CopyTo(next, 0);
        next[^1] = consumer;
        _consumers = next;
    }

    internal void RemoveConsumer(Consumer consumer)
    {
        int i = Array.IndexOf(_consumers, consumer);
        if (i < 0) return;
        var next = new Consumer[_consumers.Length - 1];
        Array.Copy(_consumers, 0, next, 0, i);
        Array.Copy(_consumers, i + 1, next, i, _consumers.Length - i - 1);
        _consumers = next;
    }

    internal void CountReceived(int bytes, bool rtx)
    {
        PacketsReceived++;
        BytesReceived += bytes;
        if (rtx) RtxPacketsReceived++;
    }

    internal void CountDuplicate() => DuplicatePackets++;
    internal void CountDiscarded() => DiscardedPackets++;

    /// <summary>
    /// Finds the encoding a packet belongs to: by SSRC when known; else by rid (RFC 8852 rtp-stream-id, or
    /// repaired-rtp-stream-id for RTX) and learn the SSRC; else, for a single-encoding producer, learn the
    /// first media SSRC (and the first SSRC carrying the RTX payload type).
    /// </summary>
    internal ProducerEncoding? ResolveEncoding(long nowTicks, in RtpPacket packet, out bool isRtx)
    {
        var ssrc = packet.Ssrc;
        foreach (var e in _encodings)
        {
            if (e.Ssrc == ssrc) { isRtx = false; return e; }
            if (e.RtxSsrc == ssrc) { isRtx = true; return e; }
        }
        isRtx = RtxPayloadType is { } rtxPt && packet.PayloadType == rtxPt;
        if (!isRtx && packet.PayloadType != PayloadType)
            return null;
        if (_encodings.Length == 1 && _encodings[0].Rid == null)
        {
            var only = _encodings[0];
            if (!isRtx && only.Ssrc != null && !only.SsrcSignalled && !only.IsActive(nowTicks))
            {
                only.Restart(ssrc);
                return only;
            }
            return Learn(only, ssrc, isRtx);
        }
        var kind = isRtx ? RtpExtensionKind.RepairedRtpStreamId : RtpExtensionKind.RtpStreamId;
        if (Extensions.TryGet(packet, kind, out var rid))
        {
            foreach (var e in _encodings)
            {
                if (e.Rid != null && RtpExtensionValues.SdesEquals(rid, e.Rid)) return Learn(e, ssrc, isRtx);
            }
        }
        return null;
    }

    private static ProducerEncoding? Learn(ProducerEncoding e, Ssrc ssrc, bool isRtx)
    {
        if (isRtx)
        {
            if (e.RtxSsrc != null) return null;
            e.RtxSsrc = ssrc;
        }
        else
        {
            if (e.Ssrc != null) return null;
            e.Ssrc = ssrc;
        }
        return e;
    }
}
