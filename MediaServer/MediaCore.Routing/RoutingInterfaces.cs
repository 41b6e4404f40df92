using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing;

/// <summary>
/// Where a consumer's packets go: implemented by the subscriber's transport, which SRTP-protects the
/// packet in place and sends it. Called synchronously from <see cref="Router.OnRtp"/> and
/// <see cref="Consumer.OnNack(long, ReadOnlySpan{ushort})"/>.
/// </summary>
public interface IRtpSink
{
    /// <summary>
    /// <paramref name="buffer"/>[0..<paramref name="length"/>] is a complete, rewritten RTP packet; the
    /// buffer has at least <see cref="Router.SinkSpareBytes"/> writable bytes after it (room for the SRTP
    /// auth tag). The buffer is the router's scratch space: valid only during this call, never keep it.
    /// When the consumer negotiated transport-wide-cc, the element is present with value 0 for the
    /// transport to overwrite (<see cref="RtpHeaderEditor.TryOverwriteExtension"/>).
    /// </summary>
    void SendRtp(Span<byte> buffer, int length);

    /// <summary>
    /// Lends the buffer the next packet will be sent from (the host's send queue), so the consumer rewrites the packet
    /// straight into it: one copy of the payload instead of two. The consumer then calls <see cref="CommitRtp"/> exactly
    /// once, right away (length 0 when it sends nothing after all). False (the default): rewrite into the router's
    /// scratch buffer and call <see cref="SendRtp"/>.
    /// </summary>
    bool TryBeginRtp(out OutputSlot slot)
    {
        slot = default;
        return false;
    }

    /// <summary>Sends the <paramref name="length"/> bytes written into a slot from <see cref="TryBeginRtp"/> (0: sends nothing).</summary>
    void CommitRtp(in OutputSlot slot, int length) => slot.Commit(length);
}

/// <summary>
/// The publisher side of key frame requests: implemented by the producer's transport, which sends RTCP
/// PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §4.3.1) for <paramref name="mediaSsrc"/>. The router already
/// throttles (<see cref="RouterOptions.KeyFrameRequestInterval"/> per encoding).
/// </summary>
public interface IKeyFrameRequester
{
    void RequestKeyFrame(Producer producer, Ssrc mediaSsrc);
}

/// <summary>
/// The publisher side of loss repair: implemented by the producer's transport, which sends an RTCP generic
/// NACK (RFC 4585 §6.2.1) for <paramref name="mediaSsrc"/> listing <paramref name="sequenceNumbers"/>. The
/// router detects the gaps and paces retries (once per <see cref="Producer.RoundTripTime"/>).
/// </summary>
public interface IRetransmissionRequester
{
    void RequestRetransmission(Producer producer, Ssrc mediaSsrc, ReadOnlySpan<ushort> sequenceNumbers);
}

/// <summary>
/// Sees every packet a producer publishes (after RTX repair and de-duplication) before fan-out: the
/// audio mixer, recorder and relay links hook in here.
/// </summary>
public interface IProducerRtpObserver
{
    void OnRtp(long nowTicks, Producer producer, ProducerEncoding encoding, in RtpPacket packet);
}
