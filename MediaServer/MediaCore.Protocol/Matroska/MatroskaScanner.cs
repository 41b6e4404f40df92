using System.Buffers.Binary;

namespace MediaCore.Protocol.Matroska;

/// <summary>What <see cref="MatroskaScanner"/> found in a recorder file.</summary>
public sealed class MatroskaScan
{
    public string DocType { get; internal set; } = "";
    public string? CodecId { get; internal set; }
    public bool IsVideo { get; internal set; }
    public MatroskaLayout Layout { get; internal set; } = new();
    /// <summary>True when the file already has Cues (it was finished).</summary>
    public bool HasCues { get; internal set; }
    /// <summary>End of the last complete element before any Cues: where a finished file's Cues go.</summary>
    public long ContentEnd { get; internal set; }
    /// <summary>Bytes after <see cref="ContentEnd"/> that were cut off mid-element (a crash's torn cluster).</summary>
    public long TruncatedBytes { get; internal set; }
    public List<MatroskaCuePoint> CuePoints { get; } = [];
    public int Clusters { get; internal set; }
    public long Blocks { get; internal set; }
    public long KeyFrames { get; internal set; }
    /// <summary>Time of the first and the last block (ms), or -1 without blocks.</summary>
    public long FirstBlockMs { get; internal set; } = -1;
    public long LastBlockMs { get; internal set; } = -1;
    /// <summary>Gap between the last two blocks (the last frame's likely duration), ms.</summary>
    public long LastFrameGapMs { get; internal set; }

    /// <summary>Media duration: first block to the end of the last frame.</summary>
    public double DurationMs => FirstBlockMs < 0 ? 0 : LastBlockMs - FirstBlockMs + LastFrameGapMs;
}

/// <summary>
/// Reads the structure of a one-track Matroska/WebM file written by the recorder, without reading frame data:
/// the header fields finalisation patches, every complete cluster's timestamp and first block, and where a
/// torn final cluster begins. Used to finish files after a crash and by tests. Garbage gives false and a
/// reason, never an exception (fuzzed in tests). Reads a seekable stream; nothing else.
/// </summary>
public static class MatroskaScanner
{
    private const int MaxHeaderBody = 64 * 1024;

    public static bool TryScan(Stream file, out MatroskaScan scan, out string error)
    {
        scan = new MatroskaScan();
        error = "";
        try
        {
            return Scan(file, scan, out error);
        }
        catch (IOException e)
        {
            error = "read failed: " + e.Message;
            return false;
        }
    }

    private static bool Scan(Stream file, MatroskaScan scan, out string error)
    {
        error = "";
        long length = file.Length;
        Span<byte> head = stackalloc byte[12];
        long pos = 0;
        if (!EbmlStream.TryReadHeader(file, pos, length, head, out uint id, out ulong size, out int hl, out bool unknown) || id != MatroskaIds.EbmlHeader || unknown)
        {
            error = "not an EBML file (no EBML header)";
            return false;
        }
        if (size > MaxHeaderBody || pos + hl + (long)size > length)
        {
            error = "EBML header truncated or too large";
            return false;
        }
        var ebml = EbmlStream.ReadAt(file, pos + hl, (int)size);
        foreach (var (cid, value, _) in EbmlStream.Children(ebml))
        {
            if (cid == MatroskaIds.DocType) scan.DocType = System.Text.Encoding.ASCII.GetString(value).TrimEnd('\0');
        }
        if (scan.DocType is not ("webm" or "matroska"))
        {
            error = $"DocType '{scan.DocType}' is neither webm nor matroska";
            return false;
        }
        pos += hl + (long)size;
        if (!EbmlStream.TryReadHeader(file, pos, length, head, out id, out size, out hl, out unknown) || id != MatroskaIds.Segment)
        {
            error = "no Segment after the EBML header";
            return false;
        }
        if (hl != 12)
        {
            error = "the Segment size is not an 8-byte VINT (not written by this recorder)";
            return false;
        }
        long dataStart = pos + hl;
        long segmentEnd = unknown ? length : Math.Min(length, dataStart + (long)Math.Min(size, (ulong)length));
        long reserveOffset = -1, durationOffset = -1, infoPos = 0, tracksPos = 0;
        int reserveSize = 0;
        long lastCluster = -1;
        long previousBlock = -1;
        pos = dataStart;
        scan.ContentEnd = pos;
        while (pos < segmentEnd)
        {
            if (!EbmlStream.TryReadHeader(file, pos, length, head, out id, out size, out hl, out unknown) || unknown)
                break; // torn element header, or an unknown-sized child this recorder never writes
            if (size > (ulong)(length - pos - hl)) break; // torn element
            long end = pos + hl + (long)size;
            switch (id)
            {
                case MatroskaIds.Void when reserveOffset < 0 && infoPos == 0:
                case MatroskaIds.SeekHead when reserveOffset < 0:
                    reserveOffset = pos;
                    reserveSize = (int)Math.Min(end - pos, int.MaxValue);
                    break;
                case MatroskaIds.Info when size <= MaxHeaderBody:
                    infoPos = pos - dataStart;
                    foreach (var (cid, value, offset) in EbmlStream.Children(EbmlStream.ReadAt(file, pos + hl, (int)size)))
                    {
                        if (cid == MatroskaIds.Duration && value.Length == 8) durationOffset = pos + hl + offset;
                    }
                    break;
                case MatroskaIds.Tracks when size <= MaxHeaderBody:
                    tracksPos = pos - dataStart;
                    foreach (var (cid, value, _) in EbmlStream.Children(EbmlStream.ReadAt(file, pos + hl, (int)size)))
                    {
                        if (cid != MatroskaIds.TrackEntry) continue;
                        foreach (var (tid, tvalue, _) in EbmlStream.Children(value))
                        {
                            if (tid == MatroskaIds.CodecId) scan.CodecId = System.Text.Encoding.ASCII.GetString(tvalue).TrimEnd('\0');
                            if (tid == MatroskaIds.TrackType) scan.IsVideo = Ebml.ReadUInt(tvalue) == 1;
                        }
                    }
                    break;
                case MatroskaIds.Cluster:
                    ScanCluster(file, scan, pos, pos + hl, end, dataStart, ref previousBlock);
                    lastCluster = pos;
                    break;
                case MatroskaIds.Cues:
                    scan.HasCues = true;
                    break;
            }
            if (id != MatroskaIds.Cues) scan.ContentEnd = end;
            pos = end;
        }
        scan.TruncatedBytes = Math.Max(0, length - pos);
        scan.Layout = new MatroskaLayout
        {
            SegmentSizeOffset = dataStart - 8,
            SegmentDataStart = dataStart,
            DurationValueOffset = durationOffset,
            SeekHeadReserveOffset = reserveOffset,
            SeekHeadReserveSize = reserveSize,
            InfoPosition = infoPos,
            TracksPosition = tracksPos,
        };
        if (scan.CodecId == null)
        {
            error = "no track entry with a CodecID";
            return false;
        }
        return true;
    }

    private static void ScanCluster(Stream file, MatroskaScan scan, long clusterPos, long start, long end, long dataStart, ref long previousBlock)
    {
        Span<byte> head = stackalloc byte[16];
        long timestamp = 0;
        bool first = true;
        long pos = start;
        while (pos < end)
        {
            if (!EbmlStream.TryReadHeader(file, pos, end, head, out uint id, out ulong size, out int hl, out bool unknown) || unknown) return;
            if (size > (ulong)(end - pos - hl)) return;
            long bodyAt = pos + hl;
            if (id == MatroskaIds.ClusterTimestamp && size <= 8)
            {
                timestamp = (long)Math.Min(Ebml.ReadUInt(EbmlStream.ReadAt(file, bodyAt, (int)size)), long.MaxValue / 2);
            }
            else if (id == MatroskaIds.SimpleBlock && size >= 4)
            {
                var b = EbmlStream.ReadAt(file, bodyAt, (int)Math.Min(size, 12));
                if (Ebml.TryReadSize(b, out _, out int tl, out _) && b.Length >= tl + 3)
                {
                    long time = timestamp + BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(tl));
                    bool key = (b[tl + 2] & 0x80) != 0;
                    if (first)
                    {
                        scan.Clusters++;
                        if (key || !scan.IsVideo) scan.CuePoints.Add(new MatroskaCuePoint(time, clusterPos - dataStart));
                        first = false;
                    }
                    scan.Blocks++;
                    if (key) scan.KeyFrames++;
                    if (scan.FirstBlockMs < 0) scan.FirstBlockMs = time;
                    if (previousBlock >= 0 && time > previousBlock) scan.LastFrameGapMs = time - previousBlock;
                    previousBlock = time;
                    scan.LastBlockMs = Math.Max(scan.LastBlockMs, time);
                }
            }
            pos = bodyAt + (long)size;
        }
    }




}
