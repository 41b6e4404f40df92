using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// Builds one transport-cc feedback packet (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1)
/// packet by packet, choosing chunk kinds the way libwebrtc does: status vectors while symbols vary,
/// run-length chunks for long runs. Reusable via <see cref="Reset"/>; allocates only in the constructor.
/// </summary>
/// <remarks>
/// Deltas are rounded to 250 us and the rounded value is accumulated (the next delta is measured from the
/// rounded arrival, not the true one), so rounding errors never add up over a packet (§3.1.5; libwebrtc
/// does the same). The reference time is the first packet's arrival floored to 64 ms, so the first delta
/// is 0..256 units.
/// </remarks>
public sealed class TransportFeedbackEncoder
{
    private const int MaxRunLength = 0x1FFF;
    private const int HeaderSize = RtcpHeader.Size + TransportFeedback.FixedBody; // 20 bytes

    private readonly ushort[] _chunks;
    private readonly short[] _deltas;
    private readonly int _maxPacketSize;
    private State _s;
    private uint _senderSsrc;
    private uint _mediaSsrc;
    private ushort _baseSeq;
    private int _referenceTime;
    private byte _fbCount;

    /// <param name="maxPacketSize">Largest packet to build, in bytes (leave room for SRTCP's trailer).</param>
    public TransportFeedbackEncoder(int maxPacketSize = 1200)
    {
        if (maxPacketSize < 32 || maxPacketSize > 0x40000) throw new ArgumentOutOfRangeException(nameof(maxPacketSize));
        _maxPacketSize = maxPacketSize & ~3;
        _chunks = new ushort[(_maxPacketSize - HeaderSize) / 2 + 1];
        _deltas = new short[_maxPacketSize - HeaderSize + 1];
    }

    /// <summary>Everything that changes while adding packets, so a failed add can be undone by a copy.</summary>
    private struct State
    {
        public int ChunkCount;
        public int DeltaCount;
        public int DeltaBytes;
        public uint PendingSymbols; // 2 bits per symbol, symbol i at bits 2i..2i+1, first 14 only
        public int PendingCount;
        public bool PendingAllSame;
        public bool PendingHasLarge;
        public int StatusCount;
        public ushort NextSeq;
        public long LastTicks;
        public bool Overflow;
    }

    /// <summary>Number of packets (received or not) described so far.</summary>
    public int PacketStatusCount => _s.StatusCount;
    /// <summary>Number of received packets (with a delta) so far.</summary>
    public int ReceivedCount => _s.DeltaCount;
    public ushort BaseSequence => _baseSeq;
    /// <summary>The next sequence number this packet would describe.</summary>
    public ushort NextSequence => _s.NextSeq;

    /// <summary>
    /// Starts a new packet whose first status is <paramref name="baseSequence"/>, with the reference time
    /// taken from <paramref name="referenceArrivalTicks"/> (normally the base packet's arrival).
    /// </summary>
    public void Reset(uint senderSsrc, uint mediaSsrc, ushort baseSequence, long referenceArrivalTicks, byte feedbackPacketCount)
    {
        _senderSsrc = senderSsrc;
        _mediaSsrc = mediaSsrc;
        _baseSeq = baseSequence;
        _fbCount = feedbackPacketCount;
        long refUnits = FloorDiv(referenceArrivalTicks, TransportFeedback.ReferenceUnitTicks);
        _referenceTime = (int)(refUnits & 0xFFFFFF); // 24 bits on the wire; wraps every ~12.4 days
        _s = new State
        {
            NextSeq = baseSequence,
            LastTicks = refUnits * TransportFeedback.ReferenceUnitTicks,
        };
    }

    /// <summary>
    /// Adds a received packet; packets between the previous one and <paramref name="sequence"/> are
    /// reported as not received. Returns false, leaving the packet unchanged, when the sequence number is
    /// not newer, the delta does not fit 16 bits, or the packet would exceed its size limit: the caller then
    /// starts a new packet with this one as its base.
    /// </summary>
    public bool TryAddReceived(ushort sequence, long arrivalTicks)
    {
        // Offset within this one packet on the wire (at most 2^15 ahead): the caller, not this encoder,
        // extends sequence numbers across packets.
        int gap = (ushort)(sequence - _s.NextSeq);
        if (gap >= 0x8000) return false;
        if (_s.StatusCount + gap + 1 > ushort.MaxValue) return false;

        long d = arrivalTicks - _s.LastTicks;
        long half = TransportFeedback.DeltaUnitTicks / 2;
        long units = d >= 0 ? (d + half) / TransportFeedback.DeltaUnitTicks : (d - half) / TransportFeedback.DeltaUnitTicks;
        if (units < short.MinValue || units > short.MaxValue) return false;
        int symbol = units is >= 0 and <= 255 ? 1 : 2;

        var saved = _s;
        if (gap > 0) AddSymbols(0, gap);
        AddSymbols(symbol, 1);
        if (_s.DeltaCount >= _deltas.Length) _s.Overflow = true;
        else _deltas[_s.DeltaCount] = (short)units;
        _s.DeltaCount++;
        _s.DeltaBytes += symbol;
        if (_s.Overflow || UnpaddedSize() > _maxPacketSize)
        {
            _s = saved;
            return false;
        }
        _s.StatusCount += gap + 1;
        _s.NextSeq = (ushort)(sequence + 1);
        _s.LastTicks += units * TransportFeedback.DeltaUnitTicks;
        return true;
    }

    public int GetSerializedSize() => (UnpaddedSize() + 3) & ~3;

    /// <summary>Writes the packet. Padding, when needed, is zeros ending in the padding count with P set (RFC 3550 §6.4.1).</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (_s.StatusCount == 0) throw new InvalidOperationException("Transport-cc feedback needs at least one packet.");
        int unpadded = UnpaddedSize();
        int size = (unpadded + 3) & ~3;
        var d = destination[..size];
        RtcpHeader.Write(d, RtcpFeedbackFormat.TransportWideCc, RtcpPacketType.TransportFeedback, size, padding: size != unpadded);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], _senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], _mediaSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(d[12..], _baseSeq);
        BinaryPrimitives.WriteUInt16BigEndian(d[14..], (ushort)_s.StatusCount);
        d[16] = (byte)(_referenceTime >> 16);
        d[17] = (byte)(_referenceTime >> 8);
        d[18] = (byte)_referenceTime;
        d[19] = _fbCount;
        int offset = HeaderSize;
        for (int i = 0; i < _s.ChunkCount; i++, offset += 2)
            BinaryPrimitives.WriteUInt16BigEndian(d[offset..], _chunks[i]);
        if (_s.PendingCount > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d[offset..], EncodeLastChunk());
            offset += 2;
        }
        for (int i = 0; i < _s.DeltaCount; i++)
        {
            short delta = _deltas[i];
            if (delta is >= 0 and <= 255) d[offset++] = (byte)delta;
            else { BinaryPrimitives.WriteInt16BigEndian(d[offset..], delta); offset += 2; }
        }
        if (size != unpadded)
        {
            int pad = size - unpadded;
            d.Slice(offset, pad - 1).Clear();
            d[size - 1] = (byte)pad;
        }
        return size;
    }

    private int UnpaddedSize() => HeaderSize + 2 * (_s.ChunkCount + (_s.PendingCount > 0 ? 1 : 0)) + _s.DeltaBytes;

    private void AddSymbols(int symbol, int count)
    {
        while (count > 0)
        {
            if (!CanAdd(symbol)) EmitChunk();
            if (_s.PendingCount >= 14 && _s.PendingAllSame)
            {
                // Extending a run: add as many as the 13-bit run length allows in one step.
                int take = Math.Min(count, MaxRunLength - _s.PendingCount);
                _s.PendingCount += take;
                count -= take;
                continue;
            }
            int first = (int)(_s.PendingSymbols & 3);
            _s.PendingSymbols |= (uint)symbol << (2 * _s.PendingCount);
            _s.PendingAllSame = _s.PendingCount == 0 || (_s.PendingAllSame && symbol == first);
            _s.PendingHasLarge |= symbol == 2;
            _s.PendingCount++;
            count--;
        }
    }

    private bool CanAdd(int symbol)
    {
        int n = _s.PendingCount;
        if (n < 7) return true;                                                  // fits a 2-bit vector
        if (n < 14 && !_s.PendingHasLarge && symbol != 2) return true;           // fits a 1-bit vector
        return _s.PendingAllSame && symbol == (int)(_s.PendingSymbols & 3) && n < MaxRunLength; // extends a run
    }

    private void EmitChunk()
    {
        if (_s.PendingAllSame)
        {
            PushChunk((ushort)((int)(_s.PendingSymbols & 3) << 13 | _s.PendingCount));
            ClearPending();
        }
        else if (_s.PendingCount >= 14)
        {
            PushChunk(OneBitVector(_s.PendingSymbols, 14));
            ClearPending();
        }
        else
        {
            // A large delta after 7+ mixed symbols: ship the first 7 as a 2-bit vector, keep the rest.
            PushChunk(TwoBitVector(_s.PendingSymbols, 7));
            uint rest = _s.PendingSymbols >> 14;
            int restCount = _s.PendingCount - 7;
            ClearPending();
            for (int i = 0; i < restCount; i++)
            {
                int sym = (int)((rest >> (2 * i)) & 3);
                int first = (int)(_s.PendingSymbols & 3);
                _s.PendingSymbols |= (uint)sym << (2 * i);
                _s.PendingAllSame = i == 0 || (_s.PendingAllSame && sym == first);
                _s.PendingHasLarge |= sym == 2;
                _s.PendingCount++;
            }
        }
    }

    private ushort EncodeLastChunk()
    {
        if (_s.PendingAllSame) return (ushort)((int)(_s.PendingSymbols & 3) << 13 | _s.PendingCount);
        return _s.PendingCount <= 7 ? TwoBitVector(_s.PendingSymbols, _s.PendingCount) : OneBitVector(_s.PendingSymbols, _s.PendingCount);
    }

    private static ushort OneBitVector(uint symbols, int count)
    {
        int chunk = 0x8000;
        for (int i = 0; i < count; i++) chunk |= (int)((symbols >> (2 * i)) & 1) << (13 - i);
        return (ushort)chunk;
    }

    private static ushort TwoBitVector(uint symbols, int count)
    {
        int chunk = 0xC000;
        for (int i = 0; i < count; i++) chunk |= (int)((symbols >> (2 * i)) & 3) << (12 - 2 * i);
        return (ushort)chunk;
    }

    private void PushChunk(ushort chunk)
    {
        if (_s.ChunkCount >= _chunks.Length) _s.Overflow = true;
        else _chunks[_s.ChunkCount] = chunk;
        _s.ChunkCount++;
    }

    private void ClearPending()
    {
        _s.PendingSymbols = 0;
        _s.PendingCount = 0;
        _s.PendingAllSame = false;
        _s.PendingHasLarge = false;
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
}
