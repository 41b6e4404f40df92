using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>
/// Transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) against hand-computed
/// bytes. Times are 100 ns ticks: one delta unit is 2500 ticks (250 us), one reference unit 640000 (64 ms).
/// </summary>
public class TransportFeedbackTests
{
    private const long Ref = 0x001234L * 640_000; // arrival whose floor to 64 ms is reference time 0x001234

    // 25 packets 256..280: 258 lost, 260 arrives 75 ms late (2-byte delta), 261..280 every 2.5 ms.
    // Symbols 1,1,0,1,2,1,1 | 1 x18  ->  one 2-bit status vector chunk, then one run-length chunk.
    private static readonly byte[] ChromiumLike =
    [
        0xAF, 0xCD, 0x00, 0x0C, // V=2, P=1 (3 bytes padding), FMT=15 | PT=205 | length=12 words (52 bytes)
        0xFA, 0x17, 0xFA, 0x17, // SSRC of packet sender
        0x3A, 0x2B, 0x1C, 0x0D, // SSRC of media source
        0x01, 0x00, 0x00, 0x19, // base sequence number 256 | packet status count 25
        0x00, 0x12, 0x34, 0x05, // reference time 0x001234 (x 64 ms) | fb pkt count 5
        0xD4, 0x65,             // status vector, 2-bit (T=1,S=1): 01 01 00 01 10 01 01 = small,small,lost,small,large,small,small
        0x20, 0x12,             // run length (T=0): symbol 01 (small delta), run 18
        0x04,                   // 256: +1 ms from the reference time (4 x 250 us)
        0x01,                   // 257: +250 us
        0x02,                   // 259: +500 us (258 not received: no delta)
        0x01, 0x2C,             // 260: +75 ms = 300 units, signed 16 bits (large)
        0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, // 261..270: +2.5 ms each
        0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, // 271..280: +2.5 ms each
        0x00, 0x00, 0x03,       // padding: zeros, then the padding count (RFC 3550 §6.4.1)
    ];

    private static (int, TwccStatus, int) Short(TwccPacketResult r) => (r.Sequence, r.Status, r.Delta);

    private static TransportFeedbackEncoder EncodeChromiumLike()
    {
        var enc = new TransportFeedbackEncoder();
        long t = Ref + 10_000;
        enc.Reset(0xFA17FA17, 0x3A2B1C0D, 256, t, 5);
        Assert.True(enc.TryAddReceived(256, t));
        Assert.True(enc.TryAddReceived(257, t += 2_500));
        Assert.True(enc.TryAddReceived(259, t += 5_000));
        Assert.True(enc.TryAddReceived(260, t += 750_000));
        for (ushort seq = 261; seq <= 280; seq++) Assert.True(enc.TryAddReceived(seq, t += 25_000));
        return enc;
    }

    [Fact]
    public void WriteTo_ChromiumLikeFeedback_MatchesHandComputedBytes()
    {
        var enc = EncodeChromiumLike();
        var buf = new byte[enc.GetSerializedSize()];
        Assert.Equal(52, enc.WriteTo(buf));
        Assert.Equal(ChromiumLike, buf);
    }

    [Fact]
    public void TryParse_ChromiumLikeFeedback_ReadsEveryField()
    {
        Assert.True(TransportFeedback.TryParse(ChromiumLike, out var fb));
        Assert.Equal(0xFA17FA17u, fb.SenderSsrc);
        Assert.Equal(0x3A2B1C0Du, fb.MediaSsrc);
        Assert.Equal(256, fb.BaseSequence);
        Assert.Equal(25, fb.StatusCount);
        Assert.Equal(0x1234, fb.ReferenceTime);
        Assert.Equal(5, fb.FeedbackPacketCount);
        Assert.Equal(Ref, fb.ReferenceTimeTicks);

        var results = new List<TwccPacketResult>();
        foreach (var r in fb) results.Add(r);
        Assert.Equal(25, results.Count);
        Assert.Equal((256, TwccStatus.ReceivedSmallDelta, 4), Short(results[0]));
        Assert.Equal((257, TwccStatus.ReceivedSmallDelta, 1), Short(results[1]));
        Assert.Equal((258, TwccStatus.NotReceived, 0), Short(results[2]));
        Assert.Equal((259, TwccStatus.ReceivedSmallDelta, 2), Short(results[3]));
        Assert.Equal((260, TwccStatus.ReceivedLargeDelta, 300), Short(results[4]));
        for (int i = 5; i < 25; i++) Assert.Equal((256 + i, TwccStatus.ReceivedSmallDelta, 10), Short(results[i]));
        Assert.Equal(Ref + 10_000, results[0].ArrivalTicks);
        Assert.Equal(0, results[2].ArrivalTicks);
        Assert.Equal(Ref + 10_000 + 2_500 + 5_000 + 750_000 + 20 * 25_000, results[24].ArrivalTicks);
    }

    [Fact]
    public void WriteTo_FourteenMixedSmallStatuses_UsesOneBitVector()
    {
        // Received: 1000,1001,1003..1008,1010..1013; lost: 1002 and 1009.
        // Symbols: 1 1 0 1 1 1 1 1 1 0 1 1 1 1 -> bits 11011111101111 -> chunk 0x8000 | 0b11011111101111 = 0xB7EF.
        var enc = new TransportFeedbackEncoder();
        long t = 640_000;
        enc.Reset(1, 2, 1000, t, 0);
        foreach (ushort seq in new ushort[] { 1000, 1001, 1003, 1004, 1005, 1006, 1007, 1008, 1010, 1011, 1012, 1013 })
            Assert.True(enc.TryAddReceived(seq, seq == 1000 ? t : t += 2_500));
        var buf = new byte[enc.GetSerializedSize()];
        int n = enc.WriteTo(buf);
        byte[] expected =
        [
            0xAF, 0xCD, 0x00, 0x08, // V=2, P=1 (2 bytes padding), FMT=15 | PT=205 | length=8 words (36 bytes)
            0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02, // SSRC of media source
            0x03, 0xE8, 0x00, 0x0E, // base sequence 1000 | status count 14
            0x00, 0x00, 0x01, 0x00, // reference time 1 (64 ms) | fb pkt count 0
            0xB7, 0xEF,             // 1-bit status vector: 1 1 0 1 1 1 1 1 1 0 1 1 1 1
            0x00,                   // 1000: at the reference time
            0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, // 1001..1013 received: +250 us each
            0x00, 0x02,             // padding: a zero, then the padding count
        ];
        Assert.Equal(expected.Length, n);
        Assert.Equal(expected, buf);
    }

    [Fact]
    public void TryAddReceived_ArrivalBeforePrevious_UsesSignedTwoByteDelta()
    {
        var enc = new TransportFeedbackEncoder();
        long t = 10 * 640_000;
        enc.Reset(1, 2, 7, t + 50_000, 0);
        Assert.True(enc.TryAddReceived(7, t + 50_000));   // +20 units from reference
        Assert.True(enc.TryAddReceived(8, t + 25_000));   // arrived 2.5 ms before 7: -10 units
        var buf = new byte[enc.GetSerializedSize()];
        enc.WriteTo(buf);
        Assert.True(TransportFeedback.TryParse(buf, out var fb));
        var e = fb.GetEnumerator();
        Assert.True(e.MoveNext()); Assert.Equal((7, TwccStatus.ReceivedSmallDelta, 20), Short(e.Current));
        Assert.True(e.MoveNext()); Assert.Equal((8, TwccStatus.ReceivedLargeDelta, -10), Short(e.Current));
        Assert.False(e.MoveNext());
        // Chunk: 2-bit vector 01 10 -> 0xC000 | 1<<12 | 2<<10 = 0xD800; deltas 0x14, 0xFF 0xF6; 3 bytes of padding.
        Assert.Equal(new byte[] { 0xD8, 0x00, 0x14, 0xFF, 0xF6, 0x00, 0x00, 0x03 }, buf[20..]);
        Assert.Equal(0xAF, buf[0]); // padding bit set
    }

    [Fact]
    public void TryAddReceived_DeltaBeyond16Bits_RefusesAndLeavesPacketIntact()
    {
        var enc = new TransportFeedbackEncoder();
        enc.Reset(1, 2, 0, 0, 0);
        Assert.True(enc.TryAddReceived(0, 0));
        int size = enc.GetSerializedSize();
        // 32767 units = 8.19175 s is the largest; 8.2 s does not fit.
        Assert.False(enc.TryAddReceived(5, 82_000_000));
        Assert.Equal(1, enc.PacketStatusCount);
        Assert.Equal(size, enc.GetSerializedSize());
        Assert.True(enc.TryAddReceived(5, 32_767L * 2_500));
        Assert.Equal(6, enc.PacketStatusCount);
    }

    [Fact]
    public void TryAddReceived_RoundsHalfUpAndAccumulatesRoundedTime()
    {
        var enc = new TransportFeedbackEncoder();
        enc.Reset(1, 2, 0, 0, 0);
        Assert.True(enc.TryAddReceived(0, 1_250));      // 0.5 unit rounds up to 1
        Assert.True(enc.TryAddReceived(1, 2_500 + 1_249)); // measured from the rounded 2500: 0.4996 -> 0
        var buf = new byte[enc.GetSerializedSize()];
        enc.WriteTo(buf);
        Assert.True(TransportFeedback.TryParse(buf, out var fb));
        var e = fb.GetEnumerator();
        e.MoveNext(); Assert.Equal(1, e.Current.Delta);
        e.MoveNext(); Assert.Equal(0, e.Current.Delta);
    }

    [Fact]
    public void TryAddReceived_LongLossRun_UsesRunLengthForMissing()
    {
        var enc = new TransportFeedbackEncoder();
        enc.Reset(1, 2, 65530, 0, 0);
        Assert.True(enc.TryAddReceived(65530, 0));
        Assert.True(enc.TryAddReceived(9000, 2_500)); // 9005 lost across the 16-bit wrap
        Assert.Equal(9007, enc.PacketStatusCount);
        var buf = new byte[enc.GetSerializedSize()];
        enc.WriteTo(buf);
        Assert.True(TransportFeedback.TryParse(buf, out var fb));
        int received = 0, lost = 0;
        ushort last = 0;
        foreach (var r in fb) { if (r.Received) received++; else lost++; last = r.Sequence; }
        Assert.Equal(2, received);
        Assert.Equal(9005, lost);
        Assert.Equal(9000, last);
        Assert.True(buf.Length <= 40); // a few run-length chunks, not 9007 symbols
    }

    [Fact]
    public void TryAddReceived_PacketFull_RefusesAtSizeLimit()
    {
        var enc = new TransportFeedbackEncoder(maxPacketSize: 64);
        enc.Reset(1, 2, 0, 0, 0);
        int added = 0;
        for (ushort seq = 0; seq < 200; seq++)
        {
            if (!enc.TryAddReceived(seq, seq * 2_500L + (seq % 2) * 1_000_000)) break; // alternate large deltas
            added++;
        }
        Assert.InRange(added, 5, 199);
        Assert.True(enc.GetSerializedSize() <= 64);
        var buf = new byte[64];
        int n = enc.WriteTo(buf);
        Assert.True(TransportFeedback.TryParse(buf.AsSpan(0, n), out var fb));
        Assert.Equal(added, fb.StatusCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RoundTrip_RandomPatterns_DecodeToWhatWasAdded(int seed)
    {
        var rng = new Random(seed);
        var enc = new TransportFeedbackEncoder();
        ushort baseSeq = (ushort)rng.Next(65536);
        long t = rng.NextInt64(0, 1L << 40);
        enc.Reset(9, 10, baseSeq, t, (byte)seed);
        var expected = new List<(ushort Seq, long Arrival)>();
        ushort seq = baseSeq;
        long arrival = t;
        for (int i = 0; i < 300; i++)
        {
            if (!enc.TryAddReceived(seq, arrival)) break;
            expected.Add((seq, arrival));
            seq += (ushort)(rng.Next(10) < 8 ? 1 : rng.Next(2, 30));
            arrival += rng.Next(10) < 8 ? rng.Next(0, 30_000) : rng.Next(-50_000, 2_000_000);
        }
        var buf = new byte[enc.GetSerializedSize()];
        enc.WriteTo(buf);
        Assert.True(TransportFeedback.TryParse(buf, out var fb));
        long time = fb.ReferenceTimeTicks;
        long refFloor = t / 640_000 * 640_000;
        Assert.Equal(refFloor & (0xFFFFFFL * 640_000), time & (0xFFFFFFL * 640_000));
        time = refFloor;
        int k = 0;
        foreach (var r in fb)
        {
            if (!r.Received) continue;
            time += r.DeltaTicks;
            Assert.Equal(expected[k].Seq, r.Sequence);
            Assert.InRange(time - expected[k].Arrival, -1_250, 1_250); // within half a unit: no drift
            k++;
        }
        Assert.Equal(expected.Count, k);
    }

    [Fact]
    public void TryParse_ReservedSymbolOrMissingDeltas_Rejects()
    {
        var bad = (byte[])ChromiumLike.Clone();
        bad[20] = 0xFF; bad[21] = 0xFF; // 2-bit vector of reserved symbols (3)
        Assert.False(TransportFeedback.TryParse(bad, out _));

        var truncated = (byte[])ChromiumLike.Clone();
        truncated[1] = 0xCD;
        truncated[3] = 0x07; // claim 32 bytes: deltas cut off
        Assert.False(TransportFeedback.TryParse(truncated.AsSpan(0, 32), out _));

        var zeroCount = (byte[])ChromiumLike.Clone();
        zeroCount[14] = 0; zeroCount[15] = 0;
        Assert.False(TransportFeedback.TryParse(zeroCount, out _));
    }

    [Fact]
    public void ReferenceTime_AboveSignBit_ReadsUnsignedAndWrapsAt24Bits()
    {
        // libwebrtc and pion treat the 24-bit reference time as an unsigned counter that wraps.
        var enc = new TransportFeedbackEncoder();
        long t = 0x1_FF_FF_FFL * 640_000; // 2^25 - 1 units: the wire carries the low 24 bits, 0xFFFFFF
        enc.Reset(1, 2, 0, t, 0);
        Assert.True(enc.TryAddReceived(0, t));
        var buf = new byte[enc.GetSerializedSize()];
        enc.WriteTo(buf);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF }, buf[16..19]);
        Assert.True(TransportFeedback.TryParse(buf, out var fb));
        Assert.Equal(0xFFFFFF, fb.ReferenceTime);
        Assert.Equal(0xFFFFFFL * 640_000, fb.ReferenceTimeTicks);
    }
}
