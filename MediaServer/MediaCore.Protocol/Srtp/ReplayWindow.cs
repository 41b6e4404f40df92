namespace MediaCore.Protocol.Srtp;

/// <summary>
/// Sliding replay list of RFC 3711 §3.3.2 over packet indices, <see cref="Size"/> packets wide (the
/// RFC asks for at least 64; browsers use 1024 for video bursts). A circular bitmap keyed by index,
/// so sliding forward clears only the skipped slots. Check first, then <see cref="Accept"/> only once
/// the packet has authenticated: a forged packet must not move the window.
/// </summary>
internal sealed class ReplayWindow
{
    public const int Size = 1024;

    private readonly ulong[] _bits = new ulong[Size / 64];
    private ulong _highest;
    private bool _started;

    /// <summary>Highest index accepted so far (valid once anything was accepted).</summary>
    public ulong Highest => _highest;

    public SrtpResult Check(ulong index)
    {
        if (!_started || index > _highest) return SrtpResult.Ok;
        if (_highest - index >= Size) return SrtpResult.TooOld;
        return IsSet(index) ? SrtpResult.ReplayDetected : SrtpResult.Ok;
    }

    public void Accept(ulong index)
    {
        if (!_started)
        {
            _started = true;
            _highest = index;
        }
        else if (index > _highest)
        {
            ulong delta = index - _highest;
            if (delta >= Size)
            {
                Array.Clear(_bits);
            }
            else
            {
                for (ulong i = _highest + 1; i < index; i++) Clear(i);
            }
            _highest = index;
        }
        _bits[(int)(index % Size) >> 6] |= 1UL << (int)(index & 63);
    }

    private bool IsSet(ulong index) => (_bits[(int)(index % Size) >> 6] & (1UL << (int)(index & 63))) != 0;

    private void Clear(ulong index) => _bits[(int)(index % Size) >> 6] &= ~(1UL << (int)(index & 63));
}
