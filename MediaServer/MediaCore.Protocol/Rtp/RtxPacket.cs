using System.Buffers.Binary;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Rtp;

/// <summary>
/// RTP retransmission payload format, SSRC-multiplexed (RFC 4588 §4, §8.3).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  RTP header: RTX PT, RTX seq, original timestamp, RTX SSRC    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            OSN                |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
/// |                  Original RTP Packet Payload                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Marker, timestamp, CSRCs and header extensions are those of the original (§4); padding is dropped.
/// </summary>
public static class RtxPacket
{
    /// <summary>The original sequence number field (§4).</summary>
    public const int OsnSize = 2;

    /// <summary>
    /// Wraps <paramref name="original"/> into <paramref name="destination"/>; returns the RTX packet length,
    /// or -1 when the original does not parse or the destination is too small.
    /// </summary>
    public static int Wrap(ReadOnlySpan<byte> original, Span<byte> destination, PayloadType rtxPayloadType, Ssrc rtxSsrc, ushort rtxSequenceNumber)
    {
        if (!RtpPacket.TryParse(original, out var p)) return -1;
        int header = p.HeaderLength;
        var payload = p.Payload;
        int length = header + OsnSize + payload.Length;
        if (destination.Length < length) return -1;
        // Payload first: with overlapping buffers it moves right by 2, which CopyTo handles like memmove.
        payload.CopyTo(destination[(header + OsnSize)..]);
        original[..header].CopyTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[header..], p.SequenceNumber);
        Finish(destination, rtxPayloadType, rtxSsrc, rtxSequenceNumber);
        return length;
    }

    /// <summary>
    /// Wraps the packet in <paramref name="buffer"/>[0..<paramref name="length"/>] in place (the buffer needs
    /// 2 spare bytes); returns the new length or -1.
    /// </summary>
    public static int WrapInPlace(Span<byte> buffer, int length, PayloadType rtxPayloadType, Ssrc rtxSsrc, ushort rtxSequenceNumber)
    {
        if ((uint)length > (uint)buffer.Length || !RtpPacket.TryParse(buffer[..length], out var p)) return -1;
        int header = p.HeaderLength;
        int payloadLength = p.Payload.Length;
        int newLength = header + OsnSize + payloadLength;
        if (buffer.Length < newLength) return -1;
        ushort osn = p.SequenceNumber;
        buffer.Slice(header, payloadLength).CopyTo(buffer[(header + OsnSize)..]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[header..], osn);
        Finish(buffer, rtxPayloadType, rtxSsrc, rtxSequenceNumber);
        return newLength;
    }

    /// <summary>
    /// Restores the original packet from an RTX packet (§4): PT and SSRC from the caller's association
    /// (the SDP <c>apt</c> and <c>ssrc-group:FID</c>), sequence number from the OSN. Returns false for an
    /// RTX packet without OSN (e.g. padding-only probes) or when the destination is too small.
    /// </summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> rtx, Span<byte> destination, PayloadType originalPayloadType, Ssrc originalSsrc, out int length)
    {
        length = 0;
        if (!RtpPacket.TryParse(rtx, out var p) || p.Payload.Length < OsnSize) return false;
        int header = p.HeaderLength;
        var inner = p.Payload[OsnSize..];
        if (destination.Length < header + inner.Length) return false;
        ushort osn = BinaryPrimitives.ReadUInt16BigEndian(p.Payload);
        rtx[..header].CopyTo(destination);
        inner.CopyTo(destination[header..]);
        destination[0] &= 0xDF; // padding was stripped
        RtpHeaderEditor.SetPayloadType(destination, originalPayloadType);
        RtpHeaderEditor.SetSequenceNumber(destination, osn);
        RtpHeaderEditor.SetSsrc(destination, originalSsrc);
        length = header + inner.Length;
        return true;
    }

    /// <summary>Reads the OSN of an RTX packet without unwrapping it.</summary>
    public static bool TryReadOriginalSequenceNumber(in RtpPacket rtx, out ushort osn)
    {
        if (rtx.Payload.Length < OsnSize) { osn = 0; return false; }
        osn = BinaryPrimitives.ReadUInt16BigEndian(rtx.Payload);
        return true;
    }

    private static void Finish(Span<byte> packet, PayloadType pt, Ssrc ssrc, ushort seq)
    {
        packet[0] &= 0xDF; // padding was stripped
        RtpHeaderEditor.SetPayloadType(packet, pt);
        RtpHeaderEditor.SetSequenceNumber(packet, seq);
        RtpHeaderEditor.SetSsrc(packet, ssrc);
    }
}
