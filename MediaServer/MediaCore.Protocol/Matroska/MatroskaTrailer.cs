using System.Buffers.Binary;

namespace MediaCore.Protocol.Matroska;

/// <summary>A cluster worth seeking to: its timestamp and position relative to the Segment data start.</summary>
public readonly record struct MatroskaCuePoint(long TimeMs, long ClusterPosition);

/// <summary>Bytes to write at an absolute file offset.</summary>
public readonly record struct MatroskaPatch(long Offset, byte[] Data);

/// <summary>
/// Finishes a recorder file: Cues appended after the last cluster, then patches for the Segment size, the
/// Duration and the SeekHead (written into the reserved Void). The same code finishes a file after a normal
/// stop and after a crash (<see cref="MatroskaScanner"/> recovers the layout and cue points).
/// </summary>
public static class MatroskaTrailer
{
    /// <param name="layout">Where the header's patchable fields are.</param>
    /// <param name="contentEnd">File length after the last complete cluster (the Cues go there).</param>
    /// <param name="cues">Cue points, in time order.</param>
    /// <param name="durationMs">Duration written in Info (ms; TimestampScale is 1 ms).</param>
    /// <param name="patches">Patches to apply after appending the returned Cues.</param>
    /// <returns>The Cues element (empty when there are no cue points).</returns>
    public static byte[] Build(MatroskaLayout layout, long contentEnd, IReadOnlyList<MatroskaCuePoint> cues, double durationMs,
        out List<MatroskaPatch> patches)
    {
        byte[] cuesElement = BuildCues(cues);
        long segmentEnd = contentEnd + cuesElement.Length;
        patches = [];
        var size = new byte[8];
        Ebml.WriteSize(size, (ulong)(segmentEnd - layout.SegmentDataStart), 8);
        patches.Add(new MatroskaPatch(layout.SegmentSizeOffset, size));
        if (layout.DurationValueOffset >= 0)
        {
            var d = new byte[8];
            BinaryPrimitives.WriteDoubleBigEndian(d, Math.Max(0, durationMs));
            patches.Add(new MatroskaPatch(layout.DurationValueOffset, d));
        }
        if (layout.SeekHeadReserveOffset >= 0 && layout.SeekHeadReserveSize >= 70)
        {
            var seek = new byte[layout.SeekHeadReserveSize];
            int n = WriteSeekHead(seek, layout.InfoPosition, layout.TracksPosition,
                cuesElement.Length > 0 ? contentEnd - layout.SegmentDataStart : -1);
            if (seek.Length - n >= 2) Ebml.WriteVoid(seek.AsSpan(n), seek.Length - n);
            patches.Add(new MatroskaPatch(layout.SeekHeadReserveOffset, seek));
        }
        return cuesElement;
    }

    private static byte[] BuildCues(IReadOnlyList<MatroskaCuePoint> cues)
    {
        if (cues.Count == 0) return [];
        var body = new byte[cues.Count * 40 + 16];
        int n = 0;
        Span<byte> point = stackalloc byte[40];
        Span<byte> positions = stackalloc byte[24];
        foreach (var c in cues)
        {
            int p = Ebml.WriteUInt(positions, MatroskaIds.CueTrack, 1);
            p += Ebml.WriteUInt(positions[p..], MatroskaIds.CueClusterPosition, (ulong)c.ClusterPosition);
            int q = Ebml.WriteUInt(point, MatroskaIds.CueTime, (ulong)Math.Max(0, c.TimeMs));
            q += Ebml.WriteMasterHeader(point[q..], MatroskaIds.CueTrackPositions, (ulong)p);
            positions[..p].CopyTo(point[q..]);
            q += p;
            n += Ebml.WriteMasterHeader(body.AsSpan(n), MatroskaIds.CuePoint, (ulong)q);
            point[..q].CopyTo(body.AsSpan(n));
            n += q;
        }
        var result = new byte[n + 12];
        int h = Ebml.WriteMasterHeader(result, MatroskaIds.Cues, (ulong)n);
        body.AsSpan(0, n).CopyTo(result.AsSpan(h));
        return result.AsSpan(0, h + n).ToArray();
    }

    private static int WriteSeekHead(Span<byte> dst, long infoPos, long tracksPos, long cuesPos)
    {
        Span<byte> body = stackalloc byte[80];
        int n = WriteSeek(body, MatroskaIds.Info, infoPos);
        n += WriteSeek(body[n..], MatroskaIds.Tracks, tracksPos);
        if (cuesPos >= 0) n += WriteSeek(body[n..], MatroskaIds.Cues, cuesPos);
        int h = Ebml.WriteMasterHeader(dst, MatroskaIds.SeekHead, (ulong)n);
        body[..n].CopyTo(dst[h..]);
        return h + n;
    }

    private static int WriteSeek(Span<byte> dst, uint id, long position)
    {
        Span<byte> body = stackalloc byte[20];
        Span<byte> idBytes = stackalloc byte[4];
        int il = Ebml.WriteId(idBytes, id);
        int n = Ebml.WriteBytes(body, MatroskaIds.SeekId, idBytes[..il]);
        n += Ebml.WriteUInt8Bytes(body[n..], MatroskaIds.SeekPosition, (ulong)position);
        int h = Ebml.WriteMasterHeader(dst, MatroskaIds.Seek, (ulong)n);
        body[..n].CopyTo(dst[h..]);
        return h + n;
    }
}
