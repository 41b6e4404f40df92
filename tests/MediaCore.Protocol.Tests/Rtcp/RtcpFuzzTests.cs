using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>
/// Seeded fuzzing of every RTCP reader: mutated, truncated, spliced and random datagrams must never make a
/// reader throw or loop forever, and anything a reader accepts must enumerate within its bounds.
/// </summary>
public class RtcpFuzzTests
{
    private static byte[][] Seeds()
    {
        var twcc = new TransportFeedbackEncoder();
        twcc.Reset(1, 2, 65500, 640_000, 3);
        long t = 640_000;
        for (int i = 0; i < 60; i++) twcc.TryAddReceived((ushort)(65500 + i * (i % 5 == 0 ? 3 : 1)), t += (i % 7 == 0 ? 900_000 : 4_000));
        var twccBytes = new byte[twcc.GetSerializedSize()];
        twcc.WriteTo(twccBytes);
        return
        [
            Rfc3550Tests.SenderReportWithBlock, Rfc3550Tests.EmptyReceiverReport, Rfc3550Tests.SdesCname,
            Rfc3550Tests.ByeWithReason, Rfc4585Tests.Nack, Rfc4585Tests.Pli, Rfc5104Tests.Fir, RembTests.Remb1Mbps,
            twccBytes, LayerDemandTests.TwoTracks(),
            [.. Rfc3550Tests.SenderReportWithBlock, .. Rfc3550Tests.SdesCname, .. RembTests.Remb1Mbps, .. Rfc4585Tests.Nack],
        ];
    }

    [Fact]
    public void AllReaders_100kMutatedDatagrams_NeverThrow()
    {
        var rng = new Random(20261126);
        var seeds = Seeds();
        var buf = new byte[2048];
        long accepted = 0;
        for (int iter = 0; iter < 100_000; iter++)
        {
            int len = Mutate(rng, seeds, buf);
            accepted += ReadEverything(buf.AsSpan(0, len));
        }
        Assert.True(accepted > 1000, $"only {accepted} packets parsed: the mutations are too destructive to reach the typed readers");
    }

    private static int Mutate(Random rng, byte[][] seeds, byte[] buf)
    {
        var seed = seeds[rng.Next(seeds.Length)];
        int len = seed.Length;
        seed.CopyTo(buf, 0);
        switch (rng.Next(6))
        {
            case 0: // bit flips
                for (int i = rng.Next(1, 4); i > 0; i--) buf[rng.Next(len)] ^= (byte)(1 << rng.Next(8));
                break;
            case 1: // truncation
                len = rng.Next(len + 1);
                break;
            case 2: // random byte values, favouring header and count fields
                for (int i = rng.Next(1, 4); i > 0; i--) buf[rng.Next(Math.Min(len, 24))] = (byte)rng.Next(256);
                break;
            case 3: // length field lies
                if (len >= 4) { buf[2] = (byte)rng.Next(3); buf[3] = (byte)rng.Next(256); }
                break;
            case 4: // pure noise that still looks like version 2
                len = rng.Next(0, 200);
                rng.NextBytes(buf.AsSpan(0, len));
                if (len > 0) buf[0] = (byte)(0x80 | (buf[0] & 0x3F));
                break;
            default: // append garbage after a valid packet
                int extra = rng.Next(1, 64);
                rng.NextBytes(buf.AsSpan(len, extra));
                len += extra;
                break;
        }
        return len;
    }

    private static int ReadEverything(ReadOnlySpan<byte> datagram)
    {
        int accepted = 0;
        // Every typed reader sees the raw datagram, whatever its type says.
        accepted += ReadTyped(datagram);
        var reader = new RtcpCompoundReader(datagram);
        int guard = 0;
        while (reader.TryReadNext(out var packet))
        {
            Assert.True(++guard <= datagram.Length / 4);
            accepted += ReadTyped(packet.Raw);
        }
        return accepted;
    }

    private static int ReadTyped(ReadOnlySpan<byte> p)
    {
        int ok = 0;
        if (SenderReport.TryParse(p, out var sr))
        {
            ok++;
            _ = sr.NtpTimestamp + sr.OctetCount;
            foreach (var b in sr.ReportBlocks) _ = b.Jitter;
        }
        if (ReceiverReport.TryParse(p, out var rr))
        {
            ok++;
            foreach (var b in rr.ReportBlocks) _ = b.CumulativeLost;
        }
        if (SdesPacket.TryParse(p, out var sdes))
        {
            ok++;
            foreach (var chunk in sdes) chunk.TryGetItem(SdesItemType.Cname, out _);
            sdes.TryGetCname(out _, out _);
        }
        if (ByePacket.TryParse(p, out var bye))
        {
            ok++;
            for (int i = 0; i < bye.SsrcCount; i++) _ = bye.GetSsrc(i);
        }
        if (GenericNack.TryParse(p, out var nack))
        {
            ok++;
            int n = 0;
            foreach (ushort _ in nack) Assert.True(++n <= nack.ItemCount * 17);
        }
        if (PictureLossIndication.TryParse(p, out _)) ok++;
        if (FullIntraRequest.TryParse(p, out var fir))
        {
            ok++;
            for (int i = 0; i < fir.EntryCount; i++) _ = fir.GetEntry(i);
        }
        if (Remb.TryParse(p, out var remb))
        {
            ok++;
            for (int i = 0; i < remb.SsrcCount; i++) _ = remb.GetSsrc(i);
        }
        if (LayerDemandPacket.TryParse(p, out var demand))
        {
            ok++;
            for (int i = 0; i < demand.Count; i++) _ = demand.GetItem(i);
        }
        if (TransportFeedback.TryParse(p, out var twcc))
        {
            ok++;
            int n = 0;
            foreach (var r in twcc) n++;
            Assert.Equal(twcc.StatusCount, n);
        }
        return ok;
    }
}
