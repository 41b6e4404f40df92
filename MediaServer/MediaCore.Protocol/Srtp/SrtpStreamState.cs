namespace MediaCore.Protocol.Srtp;

/// <summary>
/// Per-SSRC SRTP state (RFC 3711 §3.2.3): the highest 48-bit packet index seen (ROC || SEQ) and, on
/// the receiving side, the replay list. Created on first sight of an SSRC.
/// </summary>
internal sealed class RtpStreamState
{
    private ulong _highest;
    private bool _started;
    private ReplayWindow? _replay;

    /// <summary>Replay list, created on first use: only receiving streams need one.</summary>
    public ReplayWindow Replay => _replay ??= new ReplayWindow();

    /// <summary>Current rollover counter: the upper 32 bits of the highest index.</summary>
    public uint RolloverCounter => (uint)(_highest >> 16);

    /// <summary>Highest 48-bit index so far.</summary>
    public ulong HighestIndex => _highest;

    /// <summary>
    /// Index estimation of RFC 3711 §3.3.1 (the pseudo-code of Appendix A): guess the ROC of
    /// <paramref name="seq"/> as ROC-1, ROC or ROC+1 relative to the highest sequence number s_l.
    /// ROC arithmetic is modulo 2^32. A stream's first packet takes ROC 0.
    /// </summary>
    public ulong EstimateIndex(ushort seq)
    {
        if (!_started) return seq;
        uint roc = (uint)(_highest >> 16);
        ushort sl = (ushort)_highest;
        uint v;
        if (sl < 32768) v = seq - sl > 32768 ? roc - 1 : roc;
        else v = sl - 32768 > seq ? roc + 1 : roc;
        return ((ulong)v << 16) | seq;
    }

    /// <summary>
    /// Records an index as the highest if it is. A receiver calls this only after the packet
    /// authenticated (RFC 3711 §3.3 step 6), so ROC and s_l move only for genuine packets.
    /// </summary>
    public void Update(ulong index)
    {
        if (!_started || index > _highest)
        {
            _highest = index;
            _started = true;
        }
    }

    /// <summary>Sets the ROC explicitly (RFC 3711 §3.3.1 lets it be signalled out of band, e.g. joining mid-stream).</summary>
    public void SetRolloverCounter(uint roc, ushort seq)
    {
        _highest = ((ulong)roc << 16) | seq;
        _started = true;
    }
}

/// <summary>
/// Per-SSRC SRTCP state (RFC 3711 §3.4): the sender's next 31-bit SRTCP index, or the receiver's
/// replay list over received indices.
/// </summary>
internal sealed class RtcpStreamState
{
    public const uint MaxIndex = 0x7FFF_FFFF;

    private ReplayWindow? _replay;

    /// <summary>Replay list over received SRTCP indices, created on first use.</summary>
    public ReplayWindow Replay => _replay ??= new ReplayWindow();

    /// <summary>Next index to send; starts at 0 and increments modulo 2^31 (RFC 3711 §3.3.2, §3.4).</summary>
    public uint NextIndex { get; set; }

    public uint TakeIndex()
    {
        uint index = NextIndex;
        NextIndex = (index + 1) & MaxIndex;
        return index;
    }
}
