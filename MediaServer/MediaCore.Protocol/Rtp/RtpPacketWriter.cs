using System.Buffers.Binary;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Rtp;

/// <summary>
/// Builds RTP packets (RFC 3550 §5.1) with RFC 8285 header extensions, for the load tester, relays and
/// tests. Reusable: set fields, <see cref="WriteTo"/>, change seq/timestamp/payload, write again. Holds its
/// extension values in one internal buffer, so steady-state use allocates nothing.
/// </summary>
public sealed class RtpPacketWriter
{
    private const int MaxExtensions = 16;
    private readonly byte[] _extValues = new byte[MaxExtensions * 255];
    private readonly int[] _extIds = new int[MaxExtensions];
    private readonly int[] _extLengths = new int[MaxExtensions];
    private readonly uint[] _csrcs = new uint[15];
    private int _extCount;
    private int _csrcCount;

    public bool Marker { get; set; }
    public PayloadType PayloadType { get; set; }
    public ushort SequenceNumber { get; set; }
    public RtpTimestamp Timestamp { get; set; }
    public Ssrc Ssrc { get; set; }
    /// <summary>Payload bytes (not copied until <see cref="WriteTo"/>).</summary>
    public ReadOnlyMemory<byte> Payload { get; set; }
    /// <summary>Padding octets to append (0..255, count octet included; RFC 3550 §5.1).</summary>
    public int PaddingLength { get; set; }
    /// <summary>Forces the RFC 8285 two-byte form even when the one-byte form would do.</summary>
    public bool ForceTwoByteExtensions { get; set; }

    public int CsrcCount => _csrcCount;

    public void AddCsrc(uint csrc)
    {
        if (_csrcCount == 15) throw new InvalidOperationException("RTP allows at most 15 CSRCs.");
        _csrcs[_csrcCount++] = csrc;
    }

    public void ClearCsrcs() => _csrcCount = 0;

    /// <summary>Sets (adds or replaces) extension element <paramref name="id"/>.</summary>
    public void SetExtension(int id, ReadOnlySpan<byte> value)
    {
        if (id is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(id));
        if (value.Length > 255) throw new ArgumentOutOfRangeException(nameof(value));
        int slot = Array.IndexOf(_extIds, id, 0, _extCount);
        if (slot < 0)
        {
            if (_extCount == MaxExtensions) throw new InvalidOperationException("Too many header extensions.");
            slot = _extCount++;
            _extIds[slot] = id;
        }
        value.CopyTo(_extValues.AsSpan(slot * 255));
        _extLengths[slot] = value.Length;
    }

    public void ClearExtensions() => _extCount = 0;

    private bool UseTwoByte
    {
        get
        {
            if (ForceTwoByteExtensions) return true;
            for (int i = 0; i < _extCount; i++)
                if (_extIds[i] > 14 || _extLengths[i] is < 1 or > 16) return true;
            return false;
        }
    }

    private int ExtensionBlockSize()
    {
        if (_extCount == 0) return 0;
        int header = UseTwoByte ? 2 : 1;
        int size = 4;
        for (int i = 0; i < _extCount; i++) size += header + _extLengths[i];
        return (size + 3) & ~3;
    }

    public int GetSerializedSize()
        => RtpPacket.FixedHeaderSize + 4 * _csrcCount + ExtensionBlockSize() + Payload.Length + PaddingLength;

    /// <summary>Writes the packet; returns its length. Throws when <paramref name="destination"/> is too small.</summary>
    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        if (destination.Length < size) throw new ArgumentException("Destination too small.", nameof(destination));
        if (PaddingLength is < 0 or > 255) throw new InvalidOperationException("PaddingLength must be 0..255.");
        int pos = WriteFixedHeader(destination, Marker, PayloadType, SequenceNumber, Timestamp, Ssrc,
            _csrcs.AsSpan(0, _csrcCount), hasExtension: _extCount > 0, hasPadding: PaddingLength > 0);
        if (_extCount > 0)
        {
            var w = new RtpExtensionWriter(destination[pos..], UseTwoByte);
            for (int i = 0; i < _extCount; i++)
                w.TryAdd(_extIds[i], _extValues.AsSpan(i * 255, _extLengths[i]));
            pos += w.Finish();
        }
        Payload.Span.CopyTo(destination[pos..]);
        pos += Payload.Length;
        if (PaddingLength > 0)
        {
            destination.Slice(pos, PaddingLength - 1).Clear();
            pos += PaddingLength;
            destination[pos - 1] = (byte)PaddingLength;
        }
        return pos;
    }

    /// <summary>
    /// Writes the 12-byte fixed header and CSRC list; returns the offset where an extension block (when
    /// <paramref name="hasExtension"/>) or the payload goes.
    /// </summary>
    public static int WriteFixedHeader(Span<byte> destination, bool marker, PayloadType pt, ushort seq,
        RtpTimestamp timestamp, Ssrc ssrc, ReadOnlySpan<uint> csrcs, bool hasExtension, bool hasPadding = false)
    {
        destination[0] = (byte)(0x80 | (hasPadding ? 0x20 : 0) | (hasExtension ? 0x10 : 0) | (csrcs.Length & 0x0F));
        destination[1] = (byte)((marker ? 0x80 : 0) | (pt.Value & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp.Value);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ssrc.Value);
        int pos = RtpPacket.FixedHeaderSize;
        foreach (uint c in csrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[pos..], c);
            pos += 4;
        }
        return pos;
    }
}
