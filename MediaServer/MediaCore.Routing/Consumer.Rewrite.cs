using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing;

public partial class Consumer
{
    /// <summary>
    /// Writes the outgoing form of a source packet into <paramref name="destination"/>: the consumer's SSRC,
    /// payload type, mapped sequence number and timestamp; the header extensions the subscriber negotiated,
    /// under the subscriber's ids (RFC 8285 §5: ids are per session, so they are re-mapped, never copied);
    /// the payload without padding; and, for VP8, the continued picture id and TL0PICIDX (RFC 7741 §4.2).
    /// Returns the length, or 0 when it does not fit.
    /// </summary>
    private int Rewrite(long nowTicks, in Segment seg, in SourcePacket src, Span<byte> destination)
    {
        ref readonly var packet = ref src.Rtp;
        var payload = packet.Payload;
        int csrcBytes = 4 * packet.CsrcCount;
        // Worst case header: fixed + CSRCs + extension block bounded by 4 + 8 elements of (2 + 255) bytes
        // is far above what is negotiated in practice; check the real size as we go instead.
        if (RtpPacket.FixedHeaderSize + csrcBytes + payload.Length + Router.SinkSpareBytes + RtxPacket.OsnSize > destination.Length)
            return 0;

        ushort seq = (ushort)(src.Seq.Value + seg.SeqDelta);
        var ts = new RtpTimestamp(packet.Timestamp.Value + seg.TimestampDelta);
        int pos = RtpPacketWriter.WriteFixedHeader(destination, packet.Marker, PayloadType, seq, ts, Ssrc,
            ReadOnlySpan<uint>.Empty, hasExtension: false);
        if (csrcBytes > 0)
        {
            destination[0] |= (byte)packet.CsrcCount;
            packet.Buffer.Slice(RtpPacket.FixedHeaderSize, csrcBytes).CopyTo(destination[pos..]);
            pos += csrcBytes;
        }

        int limit = destination.Length - payload.Length - Router.SinkSpareBytes - RtxPacket.OsnSize;
        if (limit < pos) return 0;
        var ext = new RtpExtensionWriter(destination[pos..limit], _twoByteExtensions);
        WriteExtensions(ref ext, nowTicks, src);
        int blockSize = ext.Finish();
        if (blockSize < 0) return 0;
        if (blockSize > 0) destination[0] |= 0x10;
        pos += blockSize;

        payload.CopyTo(destination[pos..]);
        if (seg.HasPictureId && src.HasVp8)
        {
            var vp8 = src.Vp8;
            vp8.Rewrite(destination.Slice(pos, payload.Length),
                (vp8.PictureId + seg.PictureIdDelta) & 0x7FFF,
                (byte)(vp8.Tl0PicIdx + seg.Tl0Delta));
        }
        return pos + payload.Length;
    }

    private void WriteExtensions(ref RtpExtensionWriter ext, long nowTicks, in SourcePacket src)
    {
        if (_midId != 0 && _midBytes.Length > 0) ext.TryAdd(_midId, _midBytes);
        if (_absSendTimeId != 0)
        {
            // abs-send-time is the time this hop sends (webrtc.org spec), so it is the SFU's clock, not the
            // publisher's value; the transport may refine it right before the socket write.
            var v = ext.Reserve(_absSendTimeId, 3);
            if (!v.IsEmpty) RtpExtensionValues.WriteAbsSendTime(v, RtpExtensionValues.AbsSendTimeFromTicks(nowTicks));
        }
        if (_transportWideCcId != 0) ext.Reserve(_transportWideCcId, 2); // per transport: the transport fills it
        if (_audioLevelId != 0 && !src.AudioLevel.IsEmpty) ext.TryAdd(_audioLevelId, src.AudioLevel);
        if (_videoOrientationId != 0 && !src.VideoOrientation.IsEmpty) ext.TryAdd(_videoOrientationId, src.VideoOrientation);
        if (_playoutDelayId != 0 && !src.PlayoutDelay.IsEmpty) ext.TryAdd(_playoutDelayId, src.PlayoutDelay);
    }
}
