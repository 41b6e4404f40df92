namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// Writes the regular compound RTCP report (RFC 3550 §6.1): an SR or RR first, further RRs when there are
/// more than 31 report blocks (§6.4.2), then an SDES with the CNAME, which every compound must carry.
/// </summary>
public static class RtcpReports
{
    private const int MaxBlocksPerPacket = 31;

    /// <summary>Bytes <see cref="WriteCompound"/> needs for these inputs.</summary>
    public static int GetCompoundSize(bool isSender, int blockCount, ReadOnlySpan<char> cname)
    {
        int first = Math.Min(blockCount, MaxBlocksPerPacket);
        int size = (isSender ? 28 : 8) + first * ReportBlock.Size;
        int rest = blockCount - first;
        while (rest > 0)
        {
            int n = Math.Min(rest, MaxBlocksPerPacket);
            size += 8 + n * ReportBlock.Size;
            rest -= n;
        }
        return size + new SdesWriter(0, cname).GetSerializedSize();
    }

    /// <summary>
    /// Writes SR (when <paramref name="senderInfo"/> is given) or RR, extra RRs, and SDES CNAME into
    /// <paramref name="destination"/>; returns the bytes written.
    /// </summary>
    public static int WriteCompound(Span<byte> destination, uint ssrc, SenderInfo? senderInfo,
        ReadOnlySpan<ReportBlock> blocks, ReadOnlySpan<char> cname)
    {
        int first = Math.Min(blocks.Length, MaxBlocksPerPacket);
        int offset = senderInfo is { } info
            ? new SenderReportWriter(ssrc, info, blocks[..first]).WriteTo(destination)
            : new ReceiverReportWriter(ssrc, blocks[..first]).WriteTo(destination);
        var rest = blocks[first..];
        while (!rest.IsEmpty)
        {
            int n = Math.Min(rest.Length, MaxBlocksPerPacket);
            offset += new ReceiverReportWriter(ssrc, rest[..n]).WriteTo(destination[offset..]);
            rest = rest[n..];
        }
        offset += new SdesWriter(ssrc, cname).WriteTo(destination[offset..]);
        return offset;
    }
}
