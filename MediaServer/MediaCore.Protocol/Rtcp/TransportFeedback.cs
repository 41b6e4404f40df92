using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtcp;

/// <summary>Reception status symbol of one packet in transport-cc feedback (draft-holmer-...-01 §3.1.1).</summary>
public enum TwccStatus : byte
{
    NotReceived = 0,
    /// <summary>Received; the recv delta is one unsigned byte (0 to 63.75 ms).</summary>
    ReceivedSmallDelta = 1,
    /// <summary>Received; the recv delta is a signed 16-bit value (negative or large).</summary>
    ReceivedLargeDelta = 2,
}

/// <summary>One packet's entry in transport-cc feedback.</summary>
/// <param name="Sequence">Transport-wide sequence number.</param>
/// <param name="Status">Whether (and with which delta size) the packet was received.</param>
/// <param name="Delta">Receive delta in 250 us units, relative to the previous received packet (or the
/// reference time for the first); 0 when not received.</param>
/// <param name="ArrivalTicks">Arrival time in the feedback sender's clock (reference time plus the deltas so
/// far, modulo the 24-bit reference wrap of about 12.4 days); 0 when not received.</param>
public readonly record struct TwccPacketResult(ushort Sequence, TwccStatus Status, short Delta, long ArrivalTicks)
{
    public bool Received => Status != TwccStatus.NotReceived;
    public long DeltaTicks => Delta * TransportFeedback.DeltaUnitTicks;
}

/// <summary>
/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1),
/// a view over the packet bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      SSRC of media source                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      base sequence number     |      packet status count      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 reference time                | fb pkt. count |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          packet chunk         |         packet chunk          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                                                               .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         packet chunk          |  recv delta   |  recv delta   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                                                               .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           recv delta          |  recv delta   | zero padding  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// Run-length chunk (§3.1.3)    Status vector chunk (§3.1.4)
/// |0| S |   run length (13)  |   |1|S| symbol list (14)          |
///                                 S=0: 14 one-bit symbols (0 = not received, 1 = small delta)
///                                 S=1: 7 two-bit symbols (00 not received, 01 small, 10 large)
/// </code>
/// reference time: 24 bits in 64 ms units; recv delta: 250 us units, 1 byte unsigned for status
/// "small", 2 bytes signed for "large" (§3.1.5).
/// </summary>
public readonly ref struct TransportFeedback
{
    /// <summary>One recv-delta unit, 250 us, in 100 ns ticks.</summary>
    public const long DeltaUnitTicks = 2_500;
    /// <summary>One reference-time unit, 64 ms, in 100 ns ticks.</summary>
    public const long ReferenceUnitTicks = 640_000;
    internal const int FixedBody = 16; // sender + media SSRC, then 8 bytes of base seq, count, reference time, fb count

    private readonly ReadOnlySpan<byte> _chunks;
    private readonly ReadOnlySpan<byte> _deltas;

    private TransportFeedback(ReadOnlySpan<byte> body, ReadOnlySpan<byte> chunks, ReadOnlySpan<byte> deltas)
    {
        SenderSsrc = BinaryPrimitives.ReadUInt32BigEndian(body);
        MediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        BaseSequence = BinaryPrimitives.ReadUInt16BigEndian(body[8..]);
        StatusCount = BinaryPrimitives.ReadUInt16BigEndian(body[10..]);
        ReferenceTime = (body[12] << 16) | (body[13] << 8) | body[14];
        FeedbackPacketCount = body[15];
        _chunks = chunks;
        _deltas = deltas;
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    public ushort BaseSequence { get; }
    public ushort StatusCount { get; }
    /// <summary>
    /// Reference time in 64 ms units, 0 to 2^24 - 1. The draft calls it signed, but senders (libwebrtc,
    /// pion) treat it as a counter that wraps every 2^24 x 64 ms (about 12.4 days); compare consecutive
    /// values modulo 2^24.
    /// </summary>
    public int ReferenceTime { get; }
    public byte FeedbackPacketCount { get; }
    /// <summary>Reference time in 100 ns ticks (the feedback sender's time base modulo 2^24 x 64 ms).</summary>
    public long ReferenceTimeTicks => ReferenceTime * ReferenceUnitTicks;

    /// <summary>
    /// Parses and fully validates a transport-cc packet: the chunks must describe exactly
    /// <see cref="StatusCount"/> packets (at least one) and every recv delta must be present.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out TransportFeedback feedback)
    {
        feedback = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.TransportWideCc, 16 + 2, out var p))
            return false;
        var body = p.Body;
        int statusCount = BinaryPrimitives.ReadUInt16BigEndian(body[10..]);
        if (statusCount == 0) return false;
        int offset = 16;
        int seen = 0;
        int deltaBytes = 0;
        while (seen < statusCount)
        {
            if (offset + 2 > body.Length) return false;
            ushort chunk = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
            offset += 2;
            int n = Math.Min(ChunkCapacity(chunk), statusCount - seen);
            for (int i = 0; i < n; i++)
            {
                int symbol = ChunkSymbol(chunk, i);
                if (symbol == 3) return false; // reserved (§3.1.1)
                deltaBytes += symbol;
            }
            seen += n;
        }
        if (offset + deltaBytes > body.Length) return false;
        feedback = new TransportFeedback(body, body[16..offset], body.Slice(offset, deltaBytes));
        return true;
    }

    /// <summary>Every packet's status and delta, in sequence order, without allocating.</summary>
    public Enumerator GetEnumerator() => new(_chunks, _deltas, BaseSequence, StatusCount, ReferenceTimeTicks);

    internal static int ChunkCapacity(ushort chunk)
        => (chunk & 0x8000) == 0 ? chunk & 0x1FFF : (chunk & 0x4000) == 0 ? 14 : 7;

    internal static int ChunkSymbol(ushort chunk, int index)
    {
        if ((chunk & 0x8000) == 0) return (chunk >> 13) & 0x3;
        if ((chunk & 0x4000) == 0) return (chunk >> (13 - index)) & 0x1;
        return (chunk >> (12 - 2 * index)) & 0x3;
    }

    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _chunks;
        private readonly ReadOnlySpan<byte> _deltas;
        private int _chunkOffset;
        private ushort _chunk;
        private int _inChunk;
        private int _chunkCapacity;
        private int _left;
        private int _deltaOffset;
        private ushort _seq;
        private long _time;

        internal Enumerator(ReadOnlySpan<byte> chunks, ReadOnlySpan<byte> deltas, ushort baseSeq, int count, long referenceTicks)
        {
            _time = referenceTicks;
            _chunks = chunks;
            _deltas = deltas;
            _chunkOffset = 0;
            _chunk = 0;
            _inChunk = 0;
            _chunkCapacity = 0;
            _left = count;
            _deltaOffset = 0;
            _seq = baseSeq;
            Current = default;
        }

        public TwccPacketResult Current { get; private set; }

        public bool MoveNext()
        {
            if (_left <= 0) return false;
            while (_inChunk >= _chunkCapacity)
            {
                if (_chunkOffset + 2 > _chunks.Length) { _left = 0; return false; }
                _chunk = BinaryPrimitives.ReadUInt16BigEndian(_chunks[_chunkOffset..]);
                _chunkOffset += 2;
                _chunkCapacity = ChunkCapacity(_chunk);
                _inChunk = 0;
            }
            int symbol = ChunkSymbol(_chunk, _inChunk++);
            short delta = 0;
            if (symbol == 1)
            {
                delta = _deltas[_deltaOffset];
                _deltaOffset += 1;
            }
            else if (symbol == 2)
            {
                delta = BinaryPrimitives.ReadInt16BigEndian(_deltas[_deltaOffset..]);
                _deltaOffset += 2;
            }
            long arrival = 0;
            if (symbol != 0)
            {
                _time += delta * TransportFeedback.DeltaUnitTicks;
                arrival = _time;
            }
            Current = new TwccPacketResult(_seq, (TwccStatus)symbol, delta, arrival);
            _seq++;
            _left--;
            return true;
        }
    }
}
