namespace MediaCore.Protocol.Matroska;

/// <summary>
/// Reading EBML elements from a seekable stream, for the readers of finished or crashed files
/// (<see cref="MatroskaScanner"/>, <see cref="MatroskaBlockReader"/>). Bounds are checked by the caller's limit;
/// a short read is reported as the bytes that were there, never an exception.
/// </summary>
internal static class EbmlStream
{
    /// <summary>Reads the element header (ID and size) at <paramref name="pos"/>, not past <paramref name="limit"/>.</summary>
    /// <param name="buf">Scratch of at least 12 bytes.</param>
    public static bool TryReadHeader(Stream file, long pos, long limit, Span<byte> buf, out uint id, out ulong size, out int headerLength, out bool unknown)
    {
        id = 0;
        size = 0;
        headerLength = 0;
        unknown = false;
        int want = (int)Math.Min(12, limit - pos);
        if (want < 2) return false;
        file.Position = pos;
        int got = ReadFully(file, buf[..want]);
        if (!Ebml.TryReadId(buf[..got], out id, out int il)) return false;
        if (!Ebml.TryReadSize(buf[il..got], out size, out int sl, out unknown)) return false;
        headerLength = il + sl;
        return true;
    }

    /// <summary>Up to <paramref name="count"/> bytes at <paramref name="pos"/> (fewer at the end of the file).</summary>
    public static byte[] ReadAt(Stream file, long pos, int count)
    {
        var b = new byte[Math.Max(0, count)];
        file.Position = pos;
        int got = ReadFully(file, b);
        return got == b.Length ? b : b.AsSpan(0, got).ToArray();
    }

    /// <summary>Children of a master element's body: (id, value, offset of the value within the body); stops at the first malformed child.</summary>
    public static IEnumerable<(uint Id, byte[] Value, int Offset)> Children(byte[] body)
    {
        int pos = 0;
        while (pos < body.Length)
        {
            if (!Ebml.TryReadId(body.AsSpan(pos), out uint id, out int il)) yield break;
            if (!Ebml.TryReadSize(body.AsSpan(pos + il), out ulong size, out int sl, out bool unknown) || unknown) yield break;
            int start = pos + il + sl;
            if (size > (ulong)(body.Length - start)) yield break;
            yield return (id, body.AsSpan(start, (int)size).ToArray(), start);
            pos = start + (int)size;
        }
    }

    private static int ReadFully(Stream s, Span<byte> buf) => s.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
}
