using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtcp;

/// <summary>RTCP packet type values (RFC 3550 §12.1, RFC 4585 §6.1).</summary>
public static class RtcpPacketType
{
    public const byte SenderReport = 200;
    public const byte ReceiverReport = 201;
    public const byte SourceDescription = 202;
    public const byte Goodbye = 203;
    public const byte ApplicationDefined = 204;
    /// <summary>Transport-layer feedback (RFC 4585 §6.2): Generic NACK (FMT 1), transport-cc (FMT 15).</summary>
    public const byte TransportFeedback = 205;
    /// <summary>Payload-specific feedback (RFC 4585 §6.3): PLI (FMT 1), FIR (FMT 4), REMB (FMT 15).</summary>
    public const byte PayloadFeedback = 206;
}

/// <summary>Feedback message types (the FMT field) for PT 205/206.</summary>
public static class RtcpFeedbackFormat
{
    public const byte GenericNack = 1;               // RFC 4585 §6.2.1, PT 205
    public const byte TransportWideCc = 15;          // draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1, PT 205
    public const byte PictureLossIndication = 1;     // RFC 4585 §6.3.1, PT 206
    public const byte FullIntraRequest = 4;          // RFC 5104 §4.3.1, PT 206
    public const byte ApplicationLayer = 15;         // RFC 4585 §6.4, PT 206 (REMB)
}

/// <summary>Why an RTCP packet or compound datagram was rejected.</summary>
public enum RtcpError
{
    None,
    TooShort,
    BadVersion,
    BadLength,
    BadPadding,
    WrongType,
    BadContent,
}

/// <summary>
/// The 4-byte common header of every RTCP packet (RFC 3550 §6.4.1).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  RC/FMT |       PT      |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// length is the packet size in 32-bit words minus one, header included.
/// </summary>
public readonly record struct RtcpHeader(bool Padding, byte Count, byte PacketType, ushort LengthWords)
{
    public const int Size = 4;

    /// <summary>Report count (SR/RR/SDES/BYE) or feedback message type FMT (PT 205/206): 5 bits.</summary>
    public byte Format => Count;

    /// <summary>Total packet size in bytes, header included.</summary>
    public int PacketSize => (LengthWords + 1) * 4;

    /// <summary>Reads the header; checks only the version and buffer size, not the length field.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out RtcpHeader header)
    {
        header = default;
        if (data.Length < Size || (data[0] >> 6) != 2) return false;
        header = new RtcpHeader((data[0] & 0x20) != 0, (byte)(data[0] & 0x1F), data[1],
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]));
        return true;
    }

    /// <summary>Writes a header for a packet of <paramref name="packetSize"/> bytes (a multiple of 4).</summary>
    public static void Write(Span<byte> destination, byte count, byte packetType, int packetSize, bool padding = false)
    {
        destination[0] = (byte)(0x80 | (padding ? 0x20 : 0) | (count & 0x1F));
        destination[1] = packetType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(packetSize / 4 - 1));
    }
}

/// <summary>
/// One RTCP packet inside a compound datagram: its header, the whole packet bytes and the body
/// (after the 4-byte header, without padding).
/// </summary>
public readonly ref struct RtcpPacket
{
    public RtcpPacket(RtcpHeader header, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> body)
    {
        Header = header;
        Raw = raw;
        Body = body;
    }

    public RtcpHeader Header { get; }
    /// <summary>The packet as on the wire (header, body, padding): what the typed readers' TryParse takes.</summary>
    public ReadOnlySpan<byte> Raw { get; }
    /// <summary>Bytes after the common header, padding removed.</summary>
    public ReadOnlySpan<byte> Body { get; }
    public byte PacketType => Header.PacketType;
    public byte Format => Header.Count;

    /// <summary>
    /// Validates one packet at the start of <paramref name="data"/> (RFC 3550 §6.4.1, App. A.2): version 2,
    /// length within the buffer, padding count within the body.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out RtcpPacket packet, out RtcpError error)
    {
        packet = default;
        if (data.Length < RtcpHeader.Size) { error = RtcpError.TooShort; return false; }
        if (!RtcpHeader.TryParse(data, out var header)) { error = RtcpError.BadVersion; return false; }
        int size = header.PacketSize;
        if (size > data.Length) { error = RtcpError.BadLength; return false; }
        var raw = data[..size];
        var body = raw[RtcpHeader.Size..];
        if (header.Padding)
        {
            // RFC 3550 §6.4.1: the last octet counts the padding octets, itself included.
            int pad = raw[^1];
            if (pad == 0 || pad > body.Length) { error = RtcpError.BadPadding; return false; }
            body = body[..^pad];
        }
        packet = new RtcpPacket(header, raw, body);
        error = RtcpError.None;
        return true;
    }

    /// <summary>Like <see cref="TryParse(ReadOnlySpan{byte}, out RtcpPacket, out RtcpError)"/>, also checking the type.</summary>
    internal static bool TryParseTyped(ReadOnlySpan<byte> data, byte packetType, int format, int minBody,
        out RtcpPacket packet)
    {
        if (!TryParse(data, out packet, out _)) return false;
        if (packet.PacketType != packetType || (format >= 0 && packet.Format != format) || packet.Body.Length < minBody)
        {
            packet = default;
            return false;
        }
        return true;
    }
}

/// <summary>
/// Iterates the packets of a compound RTCP datagram (RFC 3550 §6.1) without copying. Stops at the first
/// malformed packet and reports why in <see cref="Error"/>; never throws.
/// <code>
/// var reader = new RtcpCompoundReader(datagram);
/// while (reader.TryReadNext(out var packet)) { switch (packet.PacketType) { ... } }
/// if (reader.Error != RtcpError.None) { /* count as malformed */ }
/// </code>
/// The "first packet must be SR or RR" rule of RFC 3550 App. A.2 is not enforced, because reduced-size
/// RTCP (RFC 5506, negotiated by Chromium with a=rtcp-rsize) sends feedback packets alone.
/// </summary>
public ref struct RtcpCompoundReader
{
    private ReadOnlySpan<byte> _remaining;

    public RtcpCompoundReader(ReadOnlySpan<byte> datagram)
    {
        _remaining = datagram;
        Error = datagram.Length == 0 ? RtcpError.TooShort : RtcpError.None;
    }

    /// <summary>Why iteration stopped early; <see cref="RtcpError.None"/> after a clean end.</summary>
    public RtcpError Error { get; private set; }

    public bool TryReadNext(out RtcpPacket packet)
    {
        packet = default;
        if (_remaining.IsEmpty || Error != RtcpError.None) return false;
        if (!RtcpPacket.TryParse(_remaining, out packet, out var error))
        {
            Error = error;
            _remaining = default;
            return false;
        }
        _remaining = _remaining[packet.Raw.Length..];
        return true;
    }

    /// <summary>Checks a whole compound datagram: true when every packet is well formed.</summary>
    public static bool Validate(ReadOnlySpan<byte> datagram, out RtcpError error)
    {
        var reader = new RtcpCompoundReader(datagram);
        while (reader.TryReadNext(out _)) { }
        error = reader.Error;
        return error == RtcpError.None;
    }
}
