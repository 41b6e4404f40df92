using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing.Tests;

/// <summary>Keeps a copy of every packet a consumer sends.</summary>
internal sealed class RecordingSink : IRtpSink
{
    public List<byte[]> Packets { get; } = [];
    public int MinSpare { get; private set; } = int.MaxValue;

    public void SendRtp(Span<byte> buffer, int length)
    {
        Packets.Add(buffer[..length].ToArray());
        MinSpare = Math.Min(MinSpare, buffer.Length - length);
    }

    public RtpView Last => new(Packets[^1]);
    public void Clear() => Packets.Clear();
}

/// <summary>
/// Lends its own buffer as the send slot (as the host's send-worker ring does) and keeps what was committed; with
/// <see cref="Lend"/> false it takes packets through <see cref="SendRtp"/> only.
/// </summary>
internal sealed class LendingSink(int slotBytes = 2048) : IRtpSink, IOutputSlotOwner
{
    private readonly byte[] _slot = new byte[slotBytes];
    private long _position;
    public bool Lend { get; set; } = true;
    public List<byte[]> Packets { get; } = [];
    public int Lent { get; private set; }
    public int Abandoned { get; private set; }
    public int Copied { get; private set; }
    public bool Open { get; private set; }

    public void SendRtp(Span<byte> buffer, int length)
    {
        Assert.False(Open);
        Copied++;
        Packets.Add(buffer[..length].ToArray());
    }

    public bool TryBeginRtp(out OutputSlot slot)
    {
        Assert.False(Open);
        if (!Lend)
        {
            slot = default;
            return false;
        }
        Open = true;
        Lent++;
        _slot.AsSpan().Fill(0xEE); // whatever the slot held before
        slot = new OutputSlot(_slot, this, ++_position);
        return true;
    }

    public void Commit(long position, int length)
    {
        Assert.True(Open);
        Assert.Equal(_position, position);
        Open = false;
        if (length == 0) Abandoned++;
        else Packets.Add(_slot.AsSpan(0, length).ToArray());
    }
}

/// <summary>Parsed fields of a captured packet (RtpPacket is a ref struct and cannot live in lists).</summary>
internal readonly record struct RtpView(byte[] Data)
{
    private RtpPacket P { get { Assert.True(RtpPacket.TryParse(Data, out var p)); return p; } }
    public ushort Seq => P.SequenceNumber;
    public uint Timestamp => P.Timestamp.Value;
    public uint Ssrc => P.Ssrc.Value;
    public byte Pt => P.PayloadType.Value;
    public bool Marker => P.Marker;
    public byte[] Payload => P.Payload.ToArray();
    public int PictureId { get { Assert.True(Vp8PayloadDescriptor.TryParse(P.Payload, out var d)); return d.PictureId; } }
    public byte Tl0 { get { Assert.True(Vp8PayloadDescriptor.TryParse(P.Payload, out var d)); return d.Tl0PicIdx; } }
}

internal sealed class CountingKeyFrameRequester : IKeyFrameRequester
{
    public List<(string Producer, uint Ssrc)> Requests { get; } = [];
    public void RequestKeyFrame(Producer producer, Ssrc mediaSsrc) => Requests.Add((producer.Id, mediaSsrc.Value));
}

/// <summary>Builds VP8 / Opus RTP packets like a browser publisher would.</summary>
internal sealed class Publisher
{
    private readonly RtpPacketWriter _w = new();
    private int _pictureId;
    private byte _tl0;

    public Publisher(uint ssrc, byte pt, ushort firstSeq = 1000, uint firstTs = 90000, int firstPictureId = 100)
    {
        _w.Ssrc = new Ssrc(ssrc);
        _w.PayloadType = new PayloadType(pt);
        _w.SequenceNumber = firstSeq;
        _w.Timestamp = new RtpTimestamp(firstTs);
        _pictureId = firstPictureId;
    }

    public RtpPacketWriter Writer => _w;

    /// <summary>One single-packet VP8 frame (descriptor with 15-bit picture id and TL0PICIDX).</summary>
    public byte[] Vp8Frame(bool key, int payloadSize = 100, uint tsStep = 3000)
    {
        var payload = new byte[Math.Max(payloadSize, 6)];
        payload[0] = 0x90;                                 // X=1 S=1 PID=0
        payload[1] = 0xC0;                                 // I=1 L=1
        payload[2] = (byte)(0x80 | (_pictureId >> 8));     // M=1, picture id high
        payload[3] = (byte)_pictureId;
        payload[4] = _tl0;                                 // TL0PICIDX
        payload[5] = key ? (byte)0x10 : (byte)0x11;        // VP8 header: P=0 key, P=1 delta
        _w.Payload = payload;
        _w.Marker = true;
        var bytes = Write();
        _pictureId = (_pictureId + 1) & 0x7FFF;
        _tl0++;
        _w.Timestamp = _w.Timestamp.Add(tsStep);
        return bytes;
    }

    public byte[] Audio(int payloadSize = 60)
    {
        _w.Payload = new byte[payloadSize];
        _w.Marker = false;
        var bytes = Write();
        _w.Timestamp = _w.Timestamp.Add(960);
        return bytes;
    }

    /// <summary>Skips a sequence number (a packet lost before reaching the SFU).</summary>
    public void Lose() => _w.SequenceNumber++;

    private byte[] Write()
    {
        var bytes = new byte[_w.GetSerializedSize()];
        _w.WriteTo(bytes);
        _w.SequenceNumber++;
        return bytes;
    }
}

internal static class Setup
{
    public const long Ms = TimeSpan.TicksPerMillisecond;

    public static ProducerOptions Video(string id, uint? ssrc, IKeyFrameRequester? kfr, string participant = "", uint? rtxSsrc = null)
        => new()
        {
            Id = id,
            ParticipantId = participant,
            Kind = MediaKind.Video,
            Codec = CodecKind.Vp8,
            ClockRate = 90000,
            PayloadType = new PayloadType(96),
            RtxPayloadType = new PayloadType(97),
            KeyFrameRequester = kfr,
            Encodings = [new ProducerEncodingOptions { Ssrc = ssrc, RtxSsrc = rtxSsrc }],
        };

    public static ConsumerOptions VideoConsumer(string id, bool rtx = false, string participant = "sub")
        => new()
        {
            Id = id,
            ParticipantId = participant,
            Kind = MediaKind.Video,
            Codec = CodecKind.Vp8,
            ClockRate = 90000,
            Ssrc = new Ssrc(0x5000),
            PayloadType = new PayloadType(100),
            RtxSsrc = rtx ? new Ssrc(0x5001) : null,
            RtxPayloadType = rtx ? new PayloadType(101) : null,
            InitialSequenceNumber = 500,
            InitialTimestamp = 1_000_000,
        };
}
