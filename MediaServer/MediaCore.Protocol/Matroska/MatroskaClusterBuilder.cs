using System.Buffers.Binary;

namespace MediaCore.Protocol.Matroska;

/// <summary>
/// Builds one Cluster (RFC 9559 §5.1.3) of a one-track file in a reused buffer: SimpleBlocks with timestamps
/// relative to the cluster, and the cluster's own timestamp filled in last (<see cref="Complete"/>), so the
/// caller can decide where the cluster sits on the recording's clock after its frames arrived. Appending
/// allocates nothing unless a cluster outgrows the buffer (the buffer then doubles once and is kept).
/// </summary>
/// <remarks>
/// <code>
/// Cluster  ID 1F43B675 | size: 8-byte VINT | Timestamp E7 88 uint64 | SimpleBlock...
/// SimpleBlock  A3 | size VINT | track 0x81 | int16 relative time | flags (0x80 key frame) | frame
/// </code>
/// </remarks>
public sealed class MatroskaClusterBuilder
{
    /// <summary>Cluster ID (4) + size (8) + Timestamp element (2 + 8).</summary>
    public const int HeadSize = 22;
    /// <summary>Where the cluster's 8-byte Timestamp value starts, from the cluster's first byte (patchable in place).</summary>
    public const int TimestampOffset = 14;

    private byte[] _buffer;
    private int _length = HeadSize;

    public MatroskaClusterBuilder(int initialCapacity = 64 * 1024)
        => _buffer = new byte[Math.Max(initialCapacity, HeadSize + 64)];

    /// <summary>SimpleBlocks in the cluster so far.</summary>
    public int BlockCount { get; private set; }
    /// <summary>Whether the first block is a key frame (a cue point then points at this cluster).</summary>
    public bool StartsWithKeyFrame { get; private set; }
    /// <summary>Relative time of the latest block.</summary>
    public int LastRelativeMs { get; private set; }
    public int Length => _length;

    /// <summary>Adds a frame at <paramref name="relativeMs"/> (-32768..32767) from the cluster's timestamp.</summary>
    public void Append(int relativeMs, bool keyFrame, ReadOnlySpan<byte> frame)
    {
        if (relativeMs is < short.MinValue or > short.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(relativeMs), "a block's time must be within ±32 s of its cluster");
        ulong blockSize = (ulong)(4 + frame.Length);
        int need = 1 + Ebml.SizeLength(blockSize) + (int)blockSize;
        if (_length + need > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + need));
        var dst = _buffer.AsSpan(_length);
        dst[0] = (byte)MatroskaIds.SimpleBlock;
        int n = 1 + Ebml.WriteSize(dst[1..], blockSize);
        dst[n++] = 0x81; // track number 1 as a 1-byte VINT
        BinaryPrimitives.WriteInt16BigEndian(dst[n..], (short)relativeMs);
        n += 2;
        dst[n++] = keyFrame ? (byte)0x80 : (byte)0;
        frame.CopyTo(dst[n..]);
        _length += n + frame.Length;
        if (BlockCount == 0) StartsWithKeyFrame = keyFrame;
        BlockCount++;
        LastRelativeMs = relativeMs;
    }

    /// <summary>Fills in the cluster header with <paramref name="timestampMs"/>; returns the whole cluster.</summary>
    public ReadOnlySpan<byte> Complete(long timestampMs)
    {
        var head = _buffer.AsSpan(0, HeadSize);
        Ebml.WriteId(head, MatroskaIds.Cluster);
        Ebml.WriteSize(head[4..], (ulong)(_length - 12), 8);
        Ebml.WriteUInt8Bytes(head[12..], MatroskaIds.ClusterTimestamp, (ulong)Math.Max(0, timestampMs));
        return _buffer.AsSpan(0, _length);
    }

    /// <summary>Empties the builder for the next cluster.</summary>
    public void Reset()
    {
        _length = HeadSize;
        BlockCount = 0;
        StartsWithKeyFrame = false;
        LastRelativeMs = 0;
    }
}
