using System.Buffers.Binary;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing.Recording;

/// <summary>
/// Rebuilds whole frames from in-order RTP packets (no decoding): Opus one frame per packet (RFC 7587 §4.2);
/// VP8 by stripping the payload descriptor and joining partitions until the marker (RFC 7741 §4); H264 into
/// length-prefixed NAL units as Matroska's V_MPEG4/ISO/AVC wants them, from single NAL, STAP-A and FU-A
/// packets (RFC 6184 §5.6-5.8), keeping the latest SPS and PPS for the codec private data. A frame that lost
/// a packet is dropped. Allocates nothing per packet (buffers grow only for an unusually large frame).
/// </summary>
public sealed class FrameAssembler
{
    private const int MaxFrame = 8 * 1024 * 1024;
    private readonly CodecKind _codec;
    private byte[] _frame;
    private int _length;
    private bool _collecting;
    private uint _timestamp;
    private bool _key;
    private int _fuStart = -1;
    private readonly byte[] _sps = new byte[256];
    private readonly byte[] _pps = new byte[256];

    public FrameAssembler(CodecKind codec, int initialCapacity = 256 * 1024)
    {
        _codec = codec;
        _frame = new byte[codec == CodecKind.Opus ? 2048 : initialCapacity];
    }

    public int SpsLength { get; private set; }
    public int PpsLength { get; private set; }
    public ReadOnlySpan<byte> Sps => _sps.AsSpan(0, SpsLength);
    public ReadOnlySpan<byte> Pps => _pps.AsSpan(0, PpsLength);
    /// <summary>Frames dropped because a packet of theirs was lost or malformed.</summary>
    public long BrokenFrames { get; private set; }

    /// <summary>
    /// Adds the next packet in sequence order (<paramref name="gapBefore"/>: packets were lost just before it).
    /// True when a frame completed: <paramref name="frame"/> (valid until the next call), its RTP timestamp and
    /// whether it is a key frame.
    /// </summary>
    public bool Push(in RtpPacket packet, bool gapBefore, out ReadOnlySpan<byte> frame, out uint timestamp, out bool keyFrame)
    {
        frame = default;
        timestamp = packet.Timestamp.Value;
        keyFrame = false;
        var payload = packet.Payload;
        if (_codec == CodecKind.Opus)
        {
            if (payload.IsEmpty) return false;
            frame = payload;
            keyFrame = true;
            return true;
        }
        if (gapBefore && _collecting) Abandon();
        if (_collecting && packet.Timestamp.Value != _timestamp) Abandon(); // the previous frame lost its marker packet

        bool ok = _codec switch
        {
            CodecKind.Vp8 => PushVp8(packet, payload),
            CodecKind.H264 => PushH264(packet, payload),
            _ => false,
        };
        if (!ok)
        {
            if (_collecting) Abandon();
            return false;
        }
        if (!_collecting || !packet.Marker) return false;
        _collecting = false;
        frame = _frame.AsSpan(0, _length);
        timestamp = _timestamp;
        keyFrame = _key;
        return _length > 0;
    }

    private void Abandon()
    {
        _collecting = false;
        _fuStart = -1;
        BrokenFrames++;
    }

    private void Begin(uint timestamp)
    {
        _collecting = true;
        _length = 0;
        _timestamp = timestamp;
        _key = false;
        _fuStart = -1;
    }

    private bool PushVp8(in RtpPacket packet, ReadOnlySpan<byte> payload)
    {
        if (!Vp8PayloadDescriptor.TryParse(payload, out var d) || d.Size > payload.Length) return false;
        if (d.IsStartOfFrame)
        {
            if (_collecting) Abandon();
            Begin(packet.Timestamp.Value);
            _key = d.IsKeyFrame;
        }
        else if (!_collecting)
        {
            return true; // middle of a frame whose start we never saw: skip quietly
        }
        return Append(payload[d.Size..]);
    }

    private bool PushH264(in RtpPacket packet, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty) return false;
        if (!_collecting) Begin(packet.Timestamp.Value);
        int type = payload[0] & 0x1F;
        switch (type)
        {
            case >= 1 and <= 23:
                return AppendNal(payload);
            case H264Packetization.NalStapA:
                var rest = payload[1..];
                while (rest.Length >= 2)
                {
                    int size = BinaryPrimitives.ReadUInt16BigEndian(rest);
                    if (size == 0 || size > rest.Length - 2) return false;
                    if (!AppendNal(rest.Slice(2, size))) return false;
                    rest = rest[(2 + size)..];
                }
                return rest.IsEmpty;
            case H264Packetization.NalFuA:
                if (payload.Length < 3) return false;
                bool start = (payload[1] & 0x80) != 0, end = (payload[1] & 0x40) != 0;
                if (start)
                {
                    if (!Reserve(5)) return false;
                    _fuStart = _length;
                    _length += 4;
                    _frame[_length++] = (byte)((payload[0] & 0xE0) | (payload[1] & 0x1F));
                    if ((payload[1] & 0x1F) == H264Packetization.NalIdr) _key = true;
                }
                else if (_fuStart < 0)
                {
                    return false; // continuation without its start
                }
                if (!Append(payload[2..])) return false;
                if (end)
                {
                    BinaryPrimitives.WriteInt32BigEndian(_frame.AsSpan(_fuStart), _length - _fuStart - 4);
                    _fuStart = -1;
                }
                return true;
            default:
                return false;
        }
    }

    private bool AppendNal(ReadOnlySpan<byte> nal)
    {
        if (nal.IsEmpty || _fuStart >= 0) return false;
        int type = nal[0] & 0x1F;
        if (type == H264Packetization.NalIdr) _key = true;
        else if (type == H264Packetization.NalSps) SpsLength = Keep(nal, _sps, SpsLength);
        else if (type == H264Packetization.NalPps) PpsLength = Keep(nal, _pps, PpsLength);
        if (!Reserve(4 + nal.Length)) return false;
        BinaryPrimitives.WriteInt32BigEndian(_frame.AsSpan(_length), nal.Length);
        _length += 4;
        return Append(nal);
    }

    private static int Keep(ReadOnlySpan<byte> nal, byte[] store, int current)
    {
        if (nal.Length > store.Length) return current;
        nal.CopyTo(store);
        return nal.Length;
    }

    private bool Append(ReadOnlySpan<byte> data)
    {
        if (!Reserve(data.Length)) return false;
        data.CopyTo(_frame.AsSpan(_length));
        _length += data.Length;
        return true;
    }

    private bool Reserve(int bytes)
    {
        if (_length + bytes <= _frame.Length) return true;
        if (_length + bytes > MaxFrame) return false;
        Array.Resize(ref _frame, Math.Max(_frame.Length * 2, _length + bytes));
        return true;
    }
}
