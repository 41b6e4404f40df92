using System.Buffers.Binary;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;

namespace MediaCore.Server.Snapshots;

/// <summary>A complete depacketized key frame: a VP8 frame, or H264 in Annex B form.</summary>
public sealed record KeyFrame(CodecKind Codec, byte[] Data, int Width, int Height, long CapturedAtTicks);

/// <summary>
/// Keeps the latest complete key frame of every video producer in a room, for snapshots. Sees every producer
/// packet (an <see cref="IProducerRtpObserver"/>): a non-key-frame packet costs one comparison; key-frame
/// packets are depacketized into a reused buffer (VP8: RFC 7741 §4.2 descriptor stripped; H264: RFC 6184
/// single NAL, STAP-A and FU-A rebuilt with start codes). Used under the media lock.
/// </summary>
public sealed class KeyFrameCapture : IProducerRtpObserver
{
    private static ReadOnlySpan<byte> StartCode => [0, 0, 0, 1];

    private sealed class Assembly
    {
        public byte[] Buffer = new byte[64 * 1024];
        public int Length;
        public bool Collecting;
        public uint Timestamp;
        public ushort NextSeq;
        public KeyFrame? Latest;
    }

    private readonly Dictionary<Producer, Assembly> _byProducer = new(ReferenceEqualityComparer.Instance);

    /// <summary>The latest complete key frame of <paramref name="producer"/>, or null.</summary>
    public KeyFrame? Latest(Producer producer) => _byProducer.TryGetValue(producer, out var a) ? a.Latest : null;

    public void Forget(Producer producer) => _byProducer.Remove(producer);

    public void OnRtp(long nowTicks, Producer producer, ProducerEncoding encoding, in RtpPacket packet)
    {
        if (producer.Codec is not (CodecKind.Vp8 or CodecKind.H264)) return;
        // Simulcast: keep the highest layer (the last encoding), the one a snapshot should show.
        if (encoding.Index != producer.Encodings.Count - 1) return;
        if (!_byProducer.TryGetValue(producer, out var a))
        {
            a = new Assembly();
            _byProducer.Add(producer, a);
        }
        var payload = packet.Payload;
        bool continues = a.Collecting && packet.Timestamp.Value == a.Timestamp && packet.SequenceNumber == a.NextSeq;
        // H264 access units start with SPS/PPS and continue with the IDR slice, which also looks like a start.
        bool start = !continues && IsKeyFrameStart(producer.Codec, payload);
        if (start)
        {
            a.Collecting = true;
            a.Length = 0;
            a.Timestamp = packet.Timestamp.Value;
        }
        else if (!continues)
        {
            a.Collecting = false; // a gap or another frame: this key frame is incomplete
            return;
        }
        a.NextSeq = (ushort)(packet.SequenceNumber + 1);
        if (!Append(producer.Codec, a, payload))
        {
            a.Collecting = false;
            return;
        }
        if (packet.Marker)
        {
            a.Collecting = false;
            a.Latest = new KeyFrame(producer.Codec, a.Buffer.AsSpan(0, a.Length).ToArray(), encoding.FrameWidth, encoding.FrameHeight, nowTicks);
        }
    }

    private static bool IsKeyFrameStart(CodecKind codec, ReadOnlySpan<byte> payload)
    {
        if (codec == CodecKind.Vp8)
            return Vp8PayloadDescriptor.TryParse(payload, out var d) && d.IsStartOfFrame && d.IsKeyFrame;
        // H264: the access unit's first packet carries SPS (Chromium sends SPS+PPS+IDR in a STAP-A or in front).
        if (payload.Length < 2) return false;
        int type = payload[0] & 0x1F;
        if (type == 7) return true;
        if (type == 24) return payload.Length > 3 && (payload[3] & 0x1F) == 7;
        if (type == 5) return true;
        return type == 28 && (payload[1] & 0x80) != 0 && (payload[1] & 0x1F) is 5 or 7;
    }

    private static bool Append(CodecKind codec, Assembly a, ReadOnlySpan<byte> payload)
    {
        if (codec == CodecKind.Vp8)
        {
            if (!Vp8PayloadDescriptor.TryParse(payload, out var d) || d.Size > payload.Length) return false;
            return Write(a, payload[d.Size..]);
        }
        if (payload.Length < 1) return false;
        int type = payload[0] & 0x1F;
        switch (type)
        {
            case >= 1 and <= 23:
                return Write(a, StartCode) && Write(a, payload);
            case 24: // STAP-A (RFC 6184 §5.7.1): 16-bit size + NAL, repeated
                var rest = payload[1..];
                while (rest.Length >= 2)
                {
                    int size = BinaryPrimitives.ReadUInt16BigEndian(rest);
                    if (size == 0 || size > rest.Length - 2) return false;
                    if (!Write(a, StartCode) || !Write(a, rest.Slice(2, size))) return false;
                    rest = rest[(2 + size)..];
                }
                return true;
            case 28: // FU-A (RFC 6184 §5.8)
                if (payload.Length < 2) return false;
                if ((payload[1] & 0x80) != 0)
                {
                    Span<byte> header = [(byte)((payload[0] & 0xE0) | (payload[1] & 0x1F))];
                    if (!Write(a, StartCode) || !Write(a, header)) return false;
                }
                return Write(a, payload[2..]);
            default:
                return false;
        }
    }

    private static bool Write(Assembly a, ReadOnlySpan<byte> data)
    {
        const int MaxFrame = 8 * 1024 * 1024;
        if (a.Length + data.Length > a.Buffer.Length)
        {
            if (a.Length + data.Length > MaxFrame) return false;
            Array.Resize(ref a.Buffer, Math.Max(a.Buffer.Length * 2, a.Length + data.Length));
        }
        data.CopyTo(a.Buffer.AsSpan(a.Length));
        a.Length += data.Length;
        return true;
    }
}
