using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing;

/// <summary>Per-room router settings; the defaults suit WebRTC video conferencing.</summary>
public sealed class RouterOptions
{
    /// <summary>Minimum time between key frame requests to one producer encoding.</summary>
    public TimeSpan KeyFrameRequestInterval { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How long cached packets stay available for NACK retransmission.</summary>
    public TimeSpan PacketCacheMaxAge { get; init; } = TimeSpan.FromMilliseconds(1500);
    /// <summary>An encoding counts as inactive when no packet arrived for this long.</summary>
    public TimeSpan EncodingInactiveAfter { get; init; } = TimeSpan.FromMilliseconds(1000);
    /// <summary>Packets larger than this are dropped (an Ethernet-MTU datagram is at most 1472 bytes of RTP).</summary>
    public int MaxPacketSize { get; init; } = 1500;
}

/// <summary>One simulcast encoding (or the only encoding) of a producer.</summary>
public sealed class ProducerEncodingOptions
{
    /// <summary>RFC 8851 rid ("q", "h", "f"), when the publisher uses rids.</summary>
    public string? Rid { get; init; }
    /// <summary>Media SSRC when signalled (a=ssrc); otherwise learned from the first packet (or via rid).</summary>
    public uint? Ssrc { get; init; }
    /// <summary>RTX SSRC when signalled (a=ssrc-group:FID); otherwise learned via repaired-rtp-stream-id.</summary>
    public uint? RtxSsrc { get; init; }
}

/// <summary>Describes a published track (one SDP m-line of a WHIP/plain-RTP publisher).</summary>
public sealed class ProducerOptions
{
    public required string Id { get; init; }
    /// <summary>Who publishes it (used by program selection and to keep a participant's own media from it).</summary>
    public string ParticipantId { get; init; } = "";
    public required MediaKind Kind { get; init; }
    public required CodecKind Codec { get; init; }
    public required uint ClockRate { get; init; }
    public required PayloadType PayloadType { get; init; }
    /// <summary>The RTX payload type (RFC 4588, apt = <see cref="PayloadType"/>), when negotiated.</summary>
    public PayloadType? RtxPayloadType { get; init; }
    /// <summary>The publisher's negotiated header extension ids.</summary>
    public RtpExtensionMap Extensions { get; init; } = new();
    /// <summary>
    /// A screen or courseware share (the m-line carried RFC 4796 <c>a=content:slides</c>): it feeds only subscribers'
    /// content slots, never the program's camera slots.
    /// </summary>
    public bool IsContent { get; init; }
    /// <summary>Encodings ordered lowest to highest quality (simulcast q, h, f); one entry when not simulcast.</summary>
    public IReadOnlyList<ProducerEncodingOptions> Encodings { get; init; } = [new ProducerEncodingOptions()];
    /// <summary>Sends PLI/FIR to the publisher.</summary>
    public IKeyFrameRequester? KeyFrameRequester { get; init; }
    /// <summary>Sends NACKs to the publisher (when it negotiated <c>a=rtcp-fb:* nack</c>); null disables loss detection.</summary>
    public IRetransmissionRequester? RetransmissionRequester { get; init; }
    /// <summary>Packets kept per encoding for NACK (rounded up to a power of two); 0 picks 1024 for video, 128 for audio.</summary>
    public int PacketCacheCapacity { get; init; }
}

/// <summary>Describes a subscription (one SDP m-line of a WHEP/relay subscriber).</summary>
public sealed class ConsumerOptions
{
    public required string Id { get; init; }
    /// <summary>The subscriber's participant id (program selection never feeds a participant its own video).</summary>
    public string ParticipantId { get; init; } = "";
    /// <summary>A content slot (the subscriber's m-line carried RFC 4796 <c>a=content:slides</c>): fed by the room's share.</summary>
    public bool IsContent { get; init; }
    public required MediaKind Kind { get; init; }
    /// <summary>The codec negotiated with the subscriber; only producers of this codec can be a source.</summary>
    public required CodecKind Codec { get; init; }
    public required uint ClockRate { get; init; }
    public required Ssrc Ssrc { get; init; }
    public required PayloadType PayloadType { get; init; }
    /// <summary>RTX SSRC and payload type when the subscriber negotiated RTX; retransmissions are plain otherwise.</summary>
    public Ssrc? RtxSsrc { get; init; }
    public PayloadType? RtxPayloadType { get; init; }
    /// <summary>The subscriber's negotiated header extension ids.</summary>
    public RtpExtensionMap Extensions { get; init; } = new();
    /// <summary>The subscriber's m-line mid, written into the mid extension when negotiated.</summary>
    public string? Mid { get; init; }
    /// <summary>First sequence number sent; random when null (RFC 3550 §5.1).</summary>
    public ushort? InitialSequenceNumber { get; init; }
    /// <summary>First timestamp sent; random when null (RFC 3550 §5.1).</summary>
    public uint? InitialTimestamp { get; init; }
    /// <summary>Bandwidth assumed for simulcast layer choice until the host reports an estimate.</summary>
    public long InitialAvailableBitrate { get; init; } = 1_000_000;
}
