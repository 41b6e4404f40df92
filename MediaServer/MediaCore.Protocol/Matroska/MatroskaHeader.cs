using System.Buffers.Binary;

namespace MediaCore.Protocol.Matroska;

/// <summary>
/// Where the fields that finalisation patches live in a recorder file. Positions are absolute file offsets
/// except where named "relative" (Matroska positions count from the Segment's data start, RFC 9559 §16).
/// </summary>
public sealed record MatroskaLayout
{
    /// <summary>Offset of the Segment's 8-byte size VINT (written as "unknown" while recording).</summary>
    public long SegmentSizeOffset { get; init; }
    /// <summary>Offset of the Segment's first child.</summary>
    public long SegmentDataStart { get; init; }
    /// <summary>Offset of the 8-byte float value of Info/Duration, or -1.</summary>
    public long DurationValueOffset { get; init; } = -1;
    /// <summary>Offset and size of the Void reserved for the SeekHead, or -1.</summary>
    public long SeekHeadReserveOffset { get; init; } = -1;
    public int SeekHeadReserveSize { get; init; }
    /// <summary>Info and Tracks positions relative to the Segment data start.</summary>
    public long InfoPosition { get; init; }
    public long TracksPosition { get; init; }
}

/// <summary>
/// Writes the start of a one-track recorder file: EBML header, Segment of unknown size (so the file is valid
/// while it grows, RFC 9559 §6.2 "live" files), a Void reserved for the SeekHead, Info with a Duration to
/// patch, and Tracks. Clusters follow (<see cref="MatroskaClusterBuilder"/>); <see cref="MatroskaTrailer"/>
/// finishes the file.
/// </summary>
public static class MatroskaHeader
{
    /// <summary>Bytes reserved for the SeekHead (three Seek entries need 68).</summary>
    public const int SeekHeadReserve = 96;
    /// <summary>TimestampScale: 1 ms per tick.</summary>
    public const ulong TimestampScaleNs = 1_000_000;

    private static readonly DateTimeOffset MatroskaEpoch = new(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Create(MatroskaTrack track, out MatroskaLayout layout)
    {
        var buf = new byte[1024 + (track.CodecPrivate?.Length ?? 0)];
        var span = buf.AsSpan();
        Span<byte> body = stackalloc byte[128];
        int b = 0;
        b += Ebml.WriteUInt(body[b..], MatroskaIds.EbmlVersion, 1);
        b += Ebml.WriteUInt(body[b..], MatroskaIds.EbmlReadVersion, 1);
        b += Ebml.WriteUInt(body[b..], MatroskaIds.EbmlMaxIdLength, 4);
        b += Ebml.WriteUInt(body[b..], MatroskaIds.EbmlMaxSizeLength, 8);
        b += Ebml.WriteString(body[b..], MatroskaIds.DocType, track.DocType);
        b += Ebml.WriteUInt(body[b..], MatroskaIds.DocTypeVersion, 4);
        b += Ebml.WriteUInt(body[b..], MatroskaIds.DocTypeReadVersion, 2);
        int n = Ebml.WriteMasterHeader(span, MatroskaIds.EbmlHeader, (ulong)b);
        body[..b].CopyTo(span[n..]);
        n += b;

        n += Ebml.WriteId(span[n..], MatroskaIds.Segment);
        long segmentSizeOffset = n;
        n += Ebml.WriteSize(span[n..], Ebml.UnknownSize8 & ~(1UL << 56), 8);
        long dataStart = n;
        long reserve = n;
        n += Ebml.WriteVoid(span[n..], SeekHeadReserve);

        long infoPos = n - dataStart;
        Span<byte> info = stackalloc byte[128];
        int i = 0;
        i += Ebml.WriteUInt(info[i..], MatroskaIds.TimestampScale, TimestampScaleNs);
        i += Ebml.WriteString(info[i..], MatroskaIds.MuxingApp, "MediaCore");
        i += Ebml.WriteString(info[i..], MatroskaIds.WritingApp, "MediaCore recorder");
        if (track.Origin is { } origin)
            i += Ebml.WriteInt(info[i..], MatroskaIds.DateUtc, (origin - MatroskaEpoch).Ticks * 100);
        int durationElement = i;
        i += Ebml.WriteFloat(info[i..], MatroskaIds.Duration, 0);
        n += Ebml.WriteMasterHeader(span[n..], MatroskaIds.Info, (ulong)i);
        long durationValueOffset = n + durationElement + 3;
        info[..i].CopyTo(span[n..]);
        n += i;

        long tracksPos = n - dataStart;
        var entry = new byte[512 + (track.CodecPrivate?.Length ?? 0)];
        int e = 0;
        e += Ebml.WriteUInt(entry.AsSpan(e), MatroskaIds.TrackNumber, 1);
        e += Ebml.WriteUInt(entry.AsSpan(e), MatroskaIds.TrackUid, track.Uid);
        e += Ebml.WriteUInt(entry.AsSpan(e), MatroskaIds.TrackType, track.IsVideo ? 1UL : 2UL);
        e += Ebml.WriteUInt(entry.AsSpan(e), MatroskaIds.FlagLacing, 0);
        e += Ebml.WriteString(entry.AsSpan(e), MatroskaIds.CodecId, track.CodecId);
        var priv = track.Codec == MatroskaCodec.Opus ? track.CodecPrivate ?? MatroskaTrack.OpusHead(track.Channels) : track.CodecPrivate;
        if (priv is { Length: > 0 }) e += Ebml.WriteBytes(entry.AsSpan(e), MatroskaIds.CodecPrivate, priv);
        if (track.IsVideo)
        {
            Span<byte> v = stackalloc byte[32];
            int vn = Ebml.WriteUInt(v, MatroskaIds.PixelWidth, (ulong)Math.Max(track.Width, 0));
            vn += Ebml.WriteUInt(v[vn..], MatroskaIds.PixelHeight, (ulong)Math.Max(track.Height, 0));
            e += Ebml.WriteMasterHeader(entry.AsSpan(e), MatroskaIds.Video, (ulong)vn);
            v[..vn].CopyTo(entry.AsSpan(e));
            e += vn;
        }
        else
        {
            // RFC 7845 §5.1 / Matroska codec mapping: Opus decoders need 80 ms of pre-roll after a seek.
            e += Ebml.WriteUInt(entry.AsSpan(e), MatroskaIds.SeekPreRoll, 80_000_000);
            Span<byte> a = stackalloc byte[32];
            int an = Ebml.WriteFloat(a, MatroskaIds.SamplingFrequency, track.SamplingFrequency);
            an += Ebml.WriteUInt(a[an..], MatroskaIds.Channels, (ulong)track.Channels);
            e += Ebml.WriteMasterHeader(entry.AsSpan(e), MatroskaIds.Audio, (ulong)an);
            a[..an].CopyTo(entry.AsSpan(e));
            e += an;
        }
        int entryHeader = Ebml.IdLength(MatroskaIds.TrackEntry) + Ebml.SizeLength((ulong)e);
        n += Ebml.WriteMasterHeader(span[n..], MatroskaIds.Tracks, (ulong)(entryHeader + e));
        n += Ebml.WriteMasterHeader(span[n..], MatroskaIds.TrackEntry, (ulong)e);
        entry.AsSpan(0, e).CopyTo(span[n..]);
        n += e;

        layout = new MatroskaLayout
        {
            SegmentSizeOffset = segmentSizeOffset,
            SegmentDataStart = dataStart,
            DurationValueOffset = durationValueOffset,
            SeekHeadReserveOffset = reserve,
            SeekHeadReserveSize = SeekHeadReserve,
            InfoPosition = infoPos,
            TracksPosition = tracksPos,
        };
        return buf.AsSpan(0, n).ToArray();
    }

    /// <summary>avcC (ISO/IEC 14496-15 §5.2.4.1) from one SPS and one PPS NAL unit (without start codes).</summary>
    public static byte[] AvcDecoderConfiguration(ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps)
    {
        if (sps.Length < 4 || pps.Length < 1) throw new ArgumentException("SPS needs at least 4 bytes and PPS 1");
        var c = new byte[11 + sps.Length + pps.Length];
        c[0] = 1;
        c[1] = sps[1]; // profile_idc
        c[2] = sps[2]; // constraint flags
        c[3] = sps[3]; // level_idc
        c[4] = 0xFF;   // 4-byte NAL length fields
        c[5] = 0xE1;   // one SPS
        BinaryPrimitives.WriteUInt16BigEndian(c.AsSpan(6), (ushort)sps.Length);
        sps.CopyTo(c.AsSpan(8));
        int p = 8 + sps.Length;
        c[p] = 1;      // one PPS
        BinaryPrimitives.WriteUInt16BigEndian(c.AsSpan(p + 1), (ushort)pps.Length);
        pps.CopyTo(c.AsSpan(p + 3));
        return c;
    }
}
