using System.Buffers.Binary;

namespace MediaCore.Protocol.Matroska;

/// <summary>A track of a Matroska/WebM file as <see cref="MatroskaBlockReader"/> reads it.</summary>
public sealed record MatroskaTrackInfo(ulong Number, string CodecId, bool IsVideo, bool IsAudio);

/// <summary>
/// Reads the frames of a WebM/Matroska file in file order (RFC 9559 §10, §13): the track table, then each
/// Cluster's SimpleBlocks and BlockGroup/Blocks as (track, time in ms, key frame, payload). Lacing (§10.3) is not
/// supported: the file publisher reads files the recorder or the courseware importer wrote, neither laces, and a
/// laced block is reported as an error rather than misread. Malformed input ends with <see cref="Error"/> set,
/// never an exception from parsing; a torn last cluster simply ends the file.
/// </summary>
/// <example>
/// <code>
///  Cluster
///  +-- ClusterTimestamp (E7)  cluster time, in TimestampScale units
///  +-- SimpleBlock (A3):  track VINT | int16 relative time | flags (0x80 key, 0x06 lacing) | frame
/// </code>
/// </example>
public sealed class MatroskaBlockReader
{
    private const int MaxHeaderBody = 1 << 20;
    private const int MaxFrame = 8 << 20;
    private readonly Stream _file;
    private readonly long _segmentEnd;
    private long _pos;
    private long _clusterEnd = -1;
    private long _clusterTime;
    private readonly ulong _scaleNs = 1_000_000;
    private readonly byte[] _head = new byte[16];

    private MatroskaBlockReader(Stream file, long length, long pos, long segmentEnd, List<MatroskaTrackInfo> tracks, ulong scale)
    {
        _file = file;
        _pos = pos;
        _segmentEnd = segmentEnd;
        Tracks = tracks;
        _scaleNs = scale;
    }

    /// <summary>The file's tracks.</summary>
    public IReadOnlyList<MatroskaTrackInfo> Tracks { get; }

    /// <summary>Why reading stopped early (malformed data); null when the file ended normally.</summary>
    public string? Error { get; private set; }

    /// <summary>Opens a seekable stream: reads the EBML header and the track table (the first Cluster ends the header).</summary>
    public static bool TryOpen(Stream file, out MatroskaBlockReader? reader, out string error)
    {
        reader = null;
        error = "";
        try
        {
            return Open(file, out reader, out error);
        }
        catch (IOException e)
        {
            error = "read failed: " + e.Message;
            return false;
        }
    }

    private static bool Open(Stream file, out MatroskaBlockReader? reader, out string error)
    {
        reader = null;
        long length = file.Length;
        var head = new byte[16];
        if (!EbmlStream.TryReadHeader(file, 0, length, head, out uint id, out ulong size, out int hl, out bool unknown) || id != MatroskaIds.EbmlHeader || unknown || size > MaxHeaderBody)
        {
            error = "not a WebM/Matroska file (no EBML header)";
            return false;
        }
        long pos = hl + (long)size;
        if (!EbmlStream.TryReadHeader(file, pos, length, head, out id, out size, out hl, out unknown) || id != MatroskaIds.Segment)
        {
            error = "no Segment after the EBML header";
            return false;
        }
        long dataStart = pos + hl;
        long segmentEnd = unknown || size > (ulong)(length - dataStart) ? length : dataStart + (long)size;
        var tracks = new List<MatroskaTrackInfo>();
        ulong scale = 1_000_000;
        pos = dataStart;
        while (pos < segmentEnd)
        {
            if (!EbmlStream.TryReadHeader(file, pos, segmentEnd, head, out id, out size, out hl, out unknown))
                break;
            if (id == MatroskaIds.Cluster) break;
            if (unknown || size > (ulong)(segmentEnd - pos - hl))
            {
                error = "a header element is truncated";
                return false;
            }
            if (id == MatroskaIds.Info && size <= MaxHeaderBody)
            {
                foreach (var (cid, value, _) in EbmlStream.Children(EbmlStream.ReadAt(file, pos + hl, (int)size)))
                    if (cid == MatroskaIds.TimestampScale) scale = Ebml.ReadUInt(value);
            }
            else if (id == MatroskaIds.Tracks && size <= MaxHeaderBody)
            {
                foreach (var (cid, entry, _) in EbmlStream.Children(EbmlStream.ReadAt(file, pos + hl, (int)size)))
                {
                    if (cid != MatroskaIds.TrackEntry) continue;
                    ulong number = 0, type = 0;
                    string codec = "";
                    foreach (var (tid, v, _) in EbmlStream.Children(entry))
                    {
                        if (tid == MatroskaIds.TrackNumber) number = Ebml.ReadUInt(v);
                        else if (tid == MatroskaIds.TrackType) type = Ebml.ReadUInt(v);
                        else if (tid == MatroskaIds.CodecId) codec = System.Text.Encoding.ASCII.GetString(v).TrimEnd('\0');
                    }
                    if (number != 0) tracks.Add(new MatroskaTrackInfo(number, codec, type == 1, type == 2));
                }
            }
            pos += hl + (long)size;
        }
        if (tracks.Count == 0)
        {
            error = "no tracks (the file is truncated before its first frame, or is not a media file)";
            return false;
        }
        if (scale == 0 || scale > 1_000_000_000)
        {
            error = $"TimestampScale {scale} ns is out of range";
            return false;
        }
        error = "";
        reader = new MatroskaBlockReader(file, length, pos, segmentEnd, tracks, scale);
        return true;
    }

    /// <summary>
    /// The next frame in file order; false at the end of the file or on malformed data (<see cref="Error"/>).
    /// <paramref name="frame"/> is a fresh array (files are read at playback pace, not on a hot path).
    /// </summary>
    public bool TryReadFrame(out ulong track, out long timeMs, out bool key, out byte[] frame)
    {
        track = 0;
        timeMs = 0;
        key = false;
        frame = [];
        try
        {
            return Next(ref track, ref timeMs, ref key, ref frame);
        }
        catch (IOException e)
        {
            Error = "read failed: " + e.Message;
            return false;
        }
    }

    private bool Next(ref ulong track, ref long timeMs, ref bool key, ref byte[] frame)
    {
        while (true)
        {
            long limit = _clusterEnd >= 0 ? _clusterEnd : _segmentEnd;
            if (_pos >= limit)
            {
                if (_clusterEnd < 0) return false;
                _clusterEnd = -1; // back to the segment level
                continue;
            }
            if (!EbmlStream.TryReadHeader(_file, _pos, limit, _head, out uint id, out ulong size, out int hl, out bool unknown))
                return false; // torn element header at the end
            if (_clusterEnd < 0)
            {
                if (id == MatroskaIds.Cluster)
                {
                    _clusterEnd = unknown || size > (ulong)(_segmentEnd - _pos - hl) ? _segmentEnd : _pos + hl + (long)size;
                    _clusterTime = 0;
                    _pos += hl;
                    continue;
                }
                if (unknown || size > (ulong)(_segmentEnd - _pos - hl)) return false;
                _pos += hl + (long)size; // Cues, Tags, Void... between clusters
                continue;
            }
            if (unknown || size > (ulong)(limit - _pos - hl)) return false; // torn block: the file ends here
            long body = _pos + hl;
            _pos = body + (long)size;
            if (id == MatroskaIds.ClusterTimestamp && size <= 8)
            {
                _clusterTime = (long)Math.Min(Ebml.ReadUInt(EbmlStream.ReadAt(_file, body, (int)size)), long.MaxValue / 4);
            }
            else if (id == MatroskaIds.SimpleBlock || id == MatroskaIds.BlockGroup)
            {
                long blockAt = body, blockSize = (long)size;
                if (id == MatroskaIds.BlockGroup)
                {
                    if (!FindBlock(body, body + (long)size, out blockAt, out blockSize)) continue;
                }
                if (blockSize < 4 || blockSize > MaxFrame)
                {
                    Error = $"a block of {blockSize} bytes at offset {blockAt}";
                    return false;
                }
                var b = EbmlStream.ReadAt(_file, blockAt, (int)blockSize);
                if (!Ebml.TryReadSize(b, out track, out int tl, out _) || b.Length < tl + 3)
                {
                    Error = $"a malformed block at offset {blockAt}";
                    return false;
                }
                short rel = BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(tl));
                byte flags = b[tl + 2];
                if ((flags & 0x06) != 0)
                {
                    Error = $"a laced block at offset {blockAt} (lacing is not supported)";
                    return false;
                }
                key = id == MatroskaIds.SimpleBlock ? (flags & 0x80) != 0 : false;
                long ticks = _clusterTime + rel;
                timeMs = (long)((double)ticks * _scaleNs / 1_000_000.0);
                frame = b.AsSpan(tl + 3).ToArray();
                return true;
            }
        }
    }

    private bool FindBlock(long start, long end, out long at, out long size)
    {
        long pos = start;
        at = size = 0;
        while (pos < end)
        {
            if (!EbmlStream.TryReadHeader(_file, pos, end, _head, out uint id, out ulong s, out int hl, out bool unknown) || unknown || s > (ulong)(end - pos - hl)) return false;
            if (id == MatroskaIds.Block)
            {
                at = pos + hl;
                size = (long)s;
                return true;
            }
            pos += hl + (long)s;
        }
        return false;
    }




}
