namespace MediaCore.Protocol.Core;

/// <summary>RTP synchronization source identifier (RFC 3550 §3).</summary>
public readonly record struct Ssrc(uint Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public static implicit operator uint(Ssrc s) => s.Value;
}

/// <summary>RTP payload type, 7 bits (RFC 3550 §5.1).</summary>
public readonly record struct PayloadType(byte Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>32-bit RTP timestamp with wrap-around arithmetic (RFC 3550 §5.1).</summary>
public readonly record struct RtpTimestamp(uint Value)
{
    public RtpTimestamp Add(long delta) => new((uint)(Value + delta));
    /// <summary>Signed distance from <paramref name="other"/> to this, valid across a wrap.</summary>
    public int DistanceFrom(RtpTimestamp other) => (int)(Value - other.Value);
}

/// <summary>
/// An RTP sequence number extended to 64 bits (RFC 3550 App. A.1), so comparisons never suffer the
/// 16-bit wrap. Use <see cref="SeqNoUnwrapper"/> to extend wire values.
/// </summary>
public readonly record struct SeqNo(ulong Value) : IComparable<SeqNo>
{
    public ushort Wire => (ushort)Value;
    public int CompareTo(SeqNo other) => Value.CompareTo(other.Value);
    public static bool operator <(SeqNo a, SeqNo b) => a.Value < b.Value;
    public static bool operator >(SeqNo a, SeqNo b) => a.Value > b.Value;
    public static bool operator <=(SeqNo a, SeqNo b) => a.Value <= b.Value;
    public static bool operator >=(SeqNo a, SeqNo b) => a.Value >= b.Value;
    public static long operator -(SeqNo a, SeqNo b) => (long)(a.Value - b.Value);
    public SeqNo Next => new(Value + 1);
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True when wire value <paramref name="a"/> is newer than <paramref name="b"/> (half-range rule).</summary>
    public static bool IsNewer(ushort a, ushort b) => a != b && (ushort)(a - b) < 0x8000;
}

/// <summary>
/// Extends 16-bit wire sequence numbers to <see cref="SeqNo"/> by picking the 64-bit value closest to
/// the highest seen (RFC 3550 App. A.1). Starts at 65536 so early reordered packets never underflow.
/// </summary>
public struct SeqNoUnwrapper
{
    private ulong _highest;
    private bool _started;

    public SeqNo Unwrap(ushort wire)
    {
        if (!_started)
        {
            _started = true;
            _highest = 65536UL + wire;
            return new SeqNo(_highest);
        }
        ushort highWire = (ushort)_highest;
        short delta = (short)(wire - highWire);
        ulong value = (ulong)((long)_highest + delta);
        if (value > _highest) _highest = value;
        return new SeqNo(value);
    }

    /// <summary>Extends without recording the value as seen.</summary>
    public readonly SeqNo Peek(ushort wire)
    {
        if (!_started) return new SeqNo(65536UL + wire);
        short delta = (short)(wire - (ushort)_highest);
        return new SeqNo((ulong)((long)_highest + delta));
    }
}
